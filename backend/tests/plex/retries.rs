//! Retries where safe, Retry-After honoured, and creates never duplicated.

use std::time::{Duration, Instant};

use plex_sim::FaultSpec;
use plexward::plex::{Invitee, NonEmptySet, PlexError, PlexSectionId, ShareId, UserId};

use crate::support::{assert_clean_log, client_with, count, eventually, start};

const FRANK: UserId = UserId(2_100_007);
const DEFAULT: PlexSectionId = PlexSectionId(118_278_994);
const SHARES: &str = "/api/servers/*/shared_servers";

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_then_succeeds() {
    let (sim, client, _) = start().await;
    sim.add_fault(
        FaultSpec::status("GET", "/api/users", 429)
            .with_retry_after(1)
            .times(2),
    );
    let started = Instant::now();
    let friends = client.friends().await.expect("succeeds after the 429s");
    let waited = started.elapsed();
    assert_eq!(friends.len(), 8);
    assert_eq!(
        count(&sim, "GET", "/api/users"),
        3,
        "two 429s, then success"
    );
    // Backoff alone would take milliseconds; Retry-After: 1 twice takes two seconds.
    assert!(
        waited >= Duration::from_millis(1_900),
        "Retry-After ignored: {waited:?}"
    );
    eprintln!("429 ×2 with Retry-After: 1 → success after {waited:?}");
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let (sim, client, mid) = start().await;
    sim.add_fault(FaultSpec::status("GET", SHARES, 503).times(2));
    client
        .shares(&mid)
        .await
        .expect("succeeds on the third try");
    assert_eq!(count(&sim, "GET", SHARES), 3);

    sim.add_fault(FaultSpec::status(
        "PUT",
        "/api/servers/*/shared_servers/*",
        502,
    ));
    client
        .replace_share_libraries(&mid, ShareId(41_000_001), &NonEmptySet::one(DEFAULT), None)
        .await
        .expect("PUT retried");
    assert_eq!(count(&sim, "PUT", "/**"), 2);

    sim.add_fault(FaultSpec::status("DELETE", "/api/v2/sharings/*", 500));
    client
        .remove_friend(&mid, UserId(2_100_006))
        .await
        .expect("DELETE retried");
    assert_eq!(count(&sim, "DELETE", "/**"), 2);
    assert_clean_log(&sim);
}

#[tokio::test]
async fn a_delete_whose_response_was_lost_succeeds_on_the_404() {
    let (sim, client, mid) = start().await;
    sim.add_fault(FaultSpec::drop_after_perform(
        "DELETE",
        "/api/servers/*/shared_servers/*",
    ));
    client
        .delete_share(&mid, ShareId(41_000_001))
        .await
        .expect("done despite the lost reply");
    assert_eq!(count(&sim, "DELETE", "/**"), 2, "retried once, got 404");
    assert!(sim.state().shares.iter().all(|s| s.id != 41_000_001));
}

#[tokio::test]
async fn a_create_whose_response_is_lost_makes_no_duplicate() {
    let (sim, client, mid) = start().await;
    sim.add_fault(FaultSpec::drop_after_perform("POST", SHARES));
    let share = client
        .create_share(
            &mid,
            &Invitee::User(FRANK),
            &NonEmptySet::one(DEFAULT),
            None,
        )
        .await
        .expect("the share made by the lost request is found");
    assert_eq!(share.user_id, FRANK);
    assert!(
        eventually(Duration::from_secs(2), || count(&sim, "POST", SHARES) == 1).await,
        "the create was sent again"
    );
    let log = sim.requests();
    assert!(log.iter().any(|r| r.is("POST", SHARES) && r.dropped));
    assert!(
        log.iter().any(|r| r.is("GET", SHARES)),
        "re-listed before deciding"
    );
    let frank_shares = sim
        .state()
        .shares
        .iter()
        .filter(|s| s.user_id == FRANK.0)
        .count();
    assert_eq!(frank_shares, 1);
    assert_clean_log(&sim);
}

#[tokio::test]
async fn a_create_that_failed_after_acting_makes_no_duplicate() {
    let (sim, client, mid) = start().await;
    sim.add_fault(FaultSpec {
        perform: true,
        ..FaultSpec::status("POST", SHARES, 500)
    });
    let invitee = Invitee::Email("late@example.com".to_owned());
    let share = client
        .create_share(&mid, &invitee, &NonEmptySet::one(DEFAULT), None)
        .await
        .expect("found by email on re-list");
    assert_eq!(share.email.as_deref(), Some("late@example.com"));
    assert_eq!(count(&sim, "POST", SHARES), 1);
    let n = sim
        .state()
        .shares
        .iter()
        .filter(|s| s.id == share.id.0)
        .count();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_create_that_did_not_happen_is_sent_again_after_checking() {
    let (sim, client, mid) = start().await;
    sim.add_fault(FaultSpec::status("POST", SHARES, 503));
    client
        .create_share(
            &mid,
            &Invitee::User(FRANK),
            &NonEmptySet::one(DEFAULT),
            None,
        )
        .await
        .expect("second POST succeeds");
    let order: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.status))
        .collect();
    assert_eq!(
        order,
        ["POST 503", "GET 200", "POST 201"],
        "re-list between the POSTs"
    );
    assert_eq!(
        sim.state()
            .shares
            .iter()
            .filter(|s| s.user_id == FRANK.0)
            .count(),
        1
    );
}

#[tokio::test]
async fn a_rate_limited_create_is_retried_without_a_relist() {
    let (sim, client, mid) = start().await;
    sim.add_fault(FaultSpec::status("POST", SHARES, 429).with_retry_after(0));
    client
        .create_share(
            &mid,
            &Invitee::User(FRANK),
            &NonEmptySet::one(DEFAULT),
            None,
        )
        .await
        .expect("retried after the 429");
    assert_eq!(count(&sim, "POST", SHARES), 2);
    assert_eq!(
        count(&sim, "GET", "/**"),
        0,
        "a 429 is unambiguous: nothing was created"
    );
}

#[tokio::test]
async fn a_create_is_given_up_when_retries_run_out() {
    let (sim, client, mid) = start().await;
    sim.add_fault(FaultSpec::status("POST", SHARES, 503).times(0));
    let err = client
        .create_share(
            &mid,
            &Invitee::User(FRANK),
            &NonEmptySet::one(DEFAULT),
            None,
        )
        .await
        .expect_err("plex.tv keeps failing");
    assert!(
        matches!(err, PlexError::Server { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(
        count(&sim, "POST", SHARES),
        4,
        "1 try + 3 retries, each after a re-list"
    );
    assert_eq!(count(&sim, "GET", SHARES), 4);
}

#[tokio::test]
async fn one_plextv_request_in_flight_by_default() {
    let (sim, client, _) = start().await;
    sim.set_latency(Duration::from_millis(150));
    let started = Instant::now();
    let (a, b, c) = tokio::join!(client.friends(), client.friends(), client.friends());
    let serial = started.elapsed();
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    assert!(
        serial >= Duration::from_millis(440),
        "requests overlapped: {serial:?}"
    );

    let wide = client_with(&sim, |c| c.with_plextv_concurrency(3));
    let started = Instant::now();
    let (a, b, c) = tokio::join!(wide.friends(), wide.friends(), wide.friends());
    let parallel = started.elapsed();
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    eprintln!("3 × /api/users/ at 150 ms: gate 1 → {serial:?}, gate 3 → {parallel:?}");
}
