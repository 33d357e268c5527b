//! Each error class, and that auth failures and other 4xx are never retried.

use std::time::Duration;

use plex_sim::FaultSpec;
use plexward::plex::{
    Invitee, NonEmptySet, PlexClient, PlexError, PlexHost, PlexSectionId, PmsKey, RetryPolicy,
    ShareId, UserId,
};

use crate::support::{assert_clean_log, client_with, config, count, start};

#[tokio::test]
async fn revoked_token_is_unauthorized_on_both_hosts_and_not_retried() {
    let (sim, client, _) = start().await;
    sim.revoke_token(&sim.owner_token());
    let pms = client.libraries().await;
    assert!(
        matches!(
            pms,
            Err(PlexError::Unauthorized {
                host: PlexHost::Pms
            })
        ),
        "{pms:?}"
    );
    let tv = client.friends().await;
    assert!(
        matches!(
            tv,
            Err(PlexError::Unauthorized {
                host: PlexHost::Plextv
            })
        ),
        "{tv:?}"
    );
    assert!(tv.as_ref().is_err_and(PlexError::is_auth));
    assert_eq!(count(&sim, "GET", "/library/sections"), 1, "401 retried");
    assert_eq!(count(&sim, "GET", "/api/users"), 1, "401 retried");
    assert_clean_log(&sim);
}

#[tokio::test]
async fn deauthorized_token_is_invalid_token_and_not_retried() {
    let (sim, client, mid) = start().await;
    sim.deauthorize_token(&sim.owner_token());
    let err = client.account().await.expect_err("deauthorized");
    assert!(matches!(err, PlexError::InvalidToken), "{err:?}");
    let err = client.shares(&mid).await.expect_err("deauthorized");
    assert!(matches!(err, PlexError::InvalidToken), "{err:?}");
    assert_eq!(count(&sim, "GET", "/api/v2/user"), 1, "422 retried");
    assert_eq!(
        count(&sim, "GET", "/api/servers/*/shared_servers"),
        1,
        "422 retried"
    );
    assert_clean_log(&sim);
}

#[tokio::test]
async fn unknown_share_is_not_found() {
    let (sim, client, mid) = start().await;
    let err = client.share(&mid, ShareId(999)).await.expect_err("unknown");
    assert!(
        matches!(
            err,
            PlexError::NotFound {
                host: PlexHost::Plextv
            }
        ),
        "{err:?}"
    );
    let err = client
        .delete_share(&mid, ShareId(999))
        .await
        .expect_err("unknown");
    assert!(matches!(err, PlexError::NotFound { .. }), "{err:?}");
    let err = client
        .remove_friend(&mid, UserId(999))
        .await
        .expect_err("unknown");
    assert!(matches!(err, PlexError::NotFound { .. }), "{err:?}");
    assert_eq!(count(&sim, "DELETE", "/**"), 2, "404 retried");
    assert_clean_log(&sim);
}

#[tokio::test]
async fn a_pms_key_as_section_id_is_rejected_not_retried() {
    let (sim, client, mid) = start().await;
    // 1 is a PMS key, not a plex.tv id: plex.tv answers 400.
    let err = client
        .create_share(
            &mid,
            &Invitee::User(UserId(2_100_007)),
            &NonEmptySet::one(PlexSectionId(1)),
            None,
        )
        .await
        .expect_err("bad id");
    assert!(
        matches!(err, PlexError::Rejected { status: 400, .. }),
        "{err:?}"
    );
    assert_eq!(count(&sim, "POST", "/**"), 1);
    assert_eq!(count(&sim, "GET", "/**"), 0, "a clear 400 needs no re-list");
    assert_clean_log(&sim);
}

#[tokio::test]
async fn rate_limit_surfaces_with_retry_after_once_retries_run_out() {
    let (sim, client, _) = start().await;
    sim.add_fault(
        FaultSpec::status("GET", "/api/users", 429)
            .with_retry_after(0)
            .times(0),
    );
    let err = client.friends().await.expect_err("rate limited");
    assert!(
        matches!(err, PlexError::RateLimited { retry_after: Some(d), .. } if d == Duration::ZERO),
        "{err:?}"
    );
    assert_eq!(count(&sim, "GET", "/api/users"), 4, "1 try + 3 retries");
}

#[tokio::test]
async fn server_error_is_retried_then_surfaced() {
    let (sim, client, _) = start().await;
    sim.add_fault(FaultSpec::status("GET", "/api/users", 503).times(0));
    let err = client.friends().await.expect_err("server error");
    assert!(
        matches!(err, PlexError::Server { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(count(&sim, "GET", "/api/users"), 4, "1 try + 3 retries");
}

#[tokio::test]
async fn slow_answer_is_a_timeout() {
    let (sim, _, _) = start().await;
    let client = client_with(&sim, |c| {
        c.with_timeouts(Duration::from_secs(1), Duration::from_millis(200))
            .with_retry(RetryPolicy::none())
    });
    sim.add_fault(FaultSpec {
        method: Some("GET".to_owned()),
        path: "/api/users".to_owned(),
        delay_ms: 1_000,
        ..FaultSpec::default()
    });
    let err = client.friends().await.expect_err("too slow");
    assert!(
        matches!(
            err,
            PlexError::Timeout {
                host: PlexHost::Plextv
            }
        ),
        "{err:?}"
    );
    assert!(err.is_transient() && err.is_ambiguous());
}

#[tokio::test]
async fn nobody_listening_is_a_transport_error() {
    let (sim, _, _) = start().await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut cfg = config(&sim).with_retry(RetryPolicy::none());
    cfg.pms_url = format!("http://127.0.0.1:{closed}");
    let client = PlexClient::new(&cfg).expect("client");
    let err = client.identity().await.expect_err("refused");
    assert!(
        matches!(
            err,
            PlexError::Transport {
                host: PlexHost::Pms,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn garbage_body_is_unexpected_with_a_scrubbed_excerpt() {
    let (sim, client, _) = start().await;
    let token = sim.owner_token();
    sim.add_fault(
        FaultSpec::status("GET", "/api/users", 200).with_body(&format!(
            "<html>oops {token} <a authToken=\"other-secret\"/></html>"
        )),
    );
    let err = client.friends().await.expect_err("not the users XML");
    let PlexError::Unexpected {
        status: 200,
        excerpt,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(excerpt.contains("oops"), "{excerpt}");
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(&token) && !shown.contains("other-secret"),
        "{shown}"
    );
    assert_eq!(
        count(&sim, "GET", "/api/users"),
        1,
        "a parse error is not retried"
    );
}

#[tokio::test]
async fn library_missing_on_plextv_cannot_be_mapped() {
    let (sim, client, mid) = start().await;
    let anime = sim.add_library("Anime", "show", false);
    let map = client.section_map(&mid).await.expect("map");
    let err = map
        .to_plex_ids(&NonEmptySet::new([PmsKey(1), PmsKey(anime.key)]).expect("set"))
        .expect_err("not on plex.tv");
    assert!(
        matches!(err, PlexError::LibraryNotOnPlextv(k) if k == PmsKey(anime.key)),
        "{err:?}"
    );
}

#[test]
fn debug_output_never_shows_the_token() {
    let cfg = plexward::plex::PlexClientConfig::new(
        "http://127.0.0.1:1",
        secrecy::SecretString::from("super-secret-token".to_owned()),
        "id",
    );
    let client = PlexClient::new(&cfg).expect("client");
    let shown = format!("{cfg:?} {client:?}");
    assert!(!shown.contains("super-secret-token"), "{shown}");
}

#[test]
fn bad_configuration_is_refused() {
    let mk = |url: &str, token: &str| {
        PlexClient::new(&plexward::plex::PlexClientConfig::new(
            url,
            secrecy::SecretString::from(token.to_owned()),
            "id",
        ))
    };
    assert!(matches!(mk("not a url", "t"), Err(PlexError::Config(_))));
    assert!(matches!(
        mk("http://127.0.0.1:1", ""),
        Err(PlexError::Config(_))
    ));
    assert!(matches!(
        mk("ftp://127.0.0.1:1", "t"),
        Err(PlexError::Config(_))
    ));
}
