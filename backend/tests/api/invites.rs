//! Invites with a plan, end to end against the simulator: pending on Plex with the plan's
//! libraries → accepted → the 30-day window counted from acceptance → it ends at the second and
//! the end policy runs; refusals in words; resend, cancel, expiry (Plexward's days, and Plex
//! withdrawing it).

use plex_sim::Seed;
use plexward::clock::ManualClock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{DEFAULT, MOVIES, Synced, TV, ids, synced_on_clock, synced_with};
use crate::helpers::{start_sync, wait_for};
use crate::scheduler::until_shared;

const DAY: i64 = 86_400_000;

fn at(ms: i64) -> String {
    plexward::db::time::from_ms(ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The simulator's share for plex.tv account `user`: `(share id, sections, pending)`.
fn share_of(t: &Synced, user: u64) -> Option<(u64, std::collections::BTreeSet<u64>, bool)> {
    t.sim
        .state()
        .shares
        .iter()
        .find(|s| s.user_id == user)
        .map(|s| (s.id, s.section_ids.clone(), s.accepted_at.is_none()))
}

async fn sync(t: &Synced) -> Value {
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    job
}

async fn invite(t: &Synced, body: Value) -> (u16, Value) {
    t.call(Method::POST, "/api/v1/invites", Some(body)).await
}

#[tokio::test]
async fn an_invite_is_pending_then_accepted_and_its_window_counts_from_acceptance() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    t.set_anchor(t.library(3).await).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let body = json!({
        "identifier": "cousin@example.com",
        "plan": {"grants": [
            {"library_id": movies, "duration": "P30D"},
            {"library_id": tv, "duration": "P30D"}
        ]},
        "note": "Ann's cousin"
    });
    let mut preview = body.clone();
    preview["dry_run"] = json!(true);
    let (status, planned) = invite(&t, preview).await;
    assert_eq!(status, 200, "{planned}");
    assert_eq!(planned["dry_run"], true);
    assert!(planned["invite"].is_null());
    let mut sent: Vec<i64> =
        serde_json::from_value(planned["sent_library_ids"].clone()).expect("ids");
    sent.sort_unstable();
    assert_eq!(
        sent.len(),
        3,
        "the plan's libraries and the anchor: {planned}"
    );
    assert!(
        planned["summary"]
            .as_str()
            .is_some_and(|s| s.contains("for 30 days from acceptance")),
        "{planned}"
    );
    assert!(t.writes().is_empty(), "a preview sends nothing");

    let (status, made) = invite(&t, body).await;
    assert_eq!(status, 201, "{made}");
    let invite = &made["invite"];
    assert_eq!(invite["state"], "pending");
    let (id, friend) = (
        invite["id"].as_i64().expect("id"),
        invite["friend_id"].as_i64().expect("friend"),
    );
    let user = invite["plex_account_id"].as_u64().expect("plex account");
    let (share, sections, pending) = share_of(&t, user).expect("a share on Plex");
    assert_eq!(sections, ids(&[MOVIES, TV, DEFAULT]));
    assert!(pending);
    assert_eq!(t.writes().len(), 1, "one plex.tv write: {:?}", t.writes());

    // The friend shows as invited at once, with the plan's libraries.
    let (_, list) = t
        .call(Method::GET, "/api/v1/plex-users?status=pending", None)
        .await;
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|f| f["id"] == friend),
        "{list}"
    );
    let (status, _) = t
        .call(
            Method::PUT,
            &format!("/api/v1/plex-users/{friend}/end-policy"),
            Some(json!({"end_policy": "remove_friend"})),
        )
        .await;
    assert_eq!(status, 200);

    // Accepted two days later: the 30 days start then.
    let accepted = t0 + 2 * DAY;
    clock.set(accepted);
    assert!(t.sim.accept_invite(share));
    // (A reconcile the moved clock makes due may see it first: either fixes the windows.)
    let job = sync(&t).await;
    assert!(
        job["result"]["invites_accepted"]
            .as_u64()
            .is_some_and(|n| n <= 1),
        "{job}"
    );
    let (_, now) = t
        .call(Method::GET, &format!("/api/v1/invites/{id}"), None)
        .await;
    assert_eq!(now["state"], "accepted", "{now}");
    assert_eq!(now["accepted_at"], at(accepted));
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{friend}"), None)
        .await;
    let end = accepted + 30 * DAY;
    for g in detail["grants"].as_array().expect("grants") {
        if g["library_id"] == movies || g["library_id"] == tv {
            assert_eq!(g["ends_at"], at(end), "{detail}");
        }
    }
    assert_eq!(detail["pending"], false);

    // It ends at the second, and the end policy removes the friend. (Other friends' writes,
    // such as the anchor reaching them, are not this invite's.)
    let theirs = || {
        t.writes()
            .into_iter()
            .filter(|(_, path, _)| {
                path.contains(&user.to_string()) || path.contains(&share.to_string())
            })
            .collect::<Vec<_>>()
    };
    t.sim.clear_requests();
    clock.set(end - 1);
    t.app.deadlines_handled(end - 1).await;
    assert!(
        theirs().is_empty(),
        "nothing before the end: {:?}",
        theirs()
    );
    clock.set(end);
    until_shared(&t, user, None).await;
    assert!(!t.sim.state().friends.contains(&user));
    assert_eq!(
        theirs(),
        vec![(
            "DELETE".to_owned(),
            format!("/api/v2/sharings/{user}"),
            String::new()
        )]
    );
    assert_eq!(t.app.audit_actions("invite.create").await.len(), 1);
    assert_eq!(t.app.audit_actions("invite.accepted").await.len(), 1);
    t.app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn invites_are_refused_clearly() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |c| {
        c.plex_friend_limit = 100;
    })
    .await;
    let movies = t.library(1).await;
    let plan = json!({"grants": [{"library_id": movies, "duration": "P30D"}]});
    let cases = [
        (
            json!({"identifier": "not an email@", "plan": plan}),
            422,
            "identifier",
        ),
        (json!({"identifier": "x@example.com"}), 422, "plan"),
        (
            json!({"identifier": "x@example.com", "plan": plan, "plan_id": 1}),
            422,
            "plan",
        ),
        (
            json!({"identifier": "x@example.com", "plan": {"grants": [{"library_id": movies, "duration": "soon"}]}}),
            422,
            "plan.grants[0].duration",
        ),
        (
            json!({"identifier": "x@example.com", "plan": plan, "expires_in_days": 0}),
            422,
            "expires_in_days",
        ),
    ];
    for (body, status, field) in cases {
        let (got, answer) = invite(&t, body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{field}: {answer}"
        );
    }
    // Already a friend: by email or username, case aside.
    for who in ["ALICE@example.com", "bob"] {
        let (status, answer) = invite(&t, json!({"identifier": who, "plan": plan})).await;
        assert_eq!(status, 409, "{answer}");
        assert_eq!(answer["error"]["code"], "already_a_friend");
    }
    // Plex's own refusal, in its words.
    let (status, answer) = invite(&t, json!({"identifier": "ghost_user", "plan": plan})).await;
    assert_eq!(status, 422, "{answer}");
    let why = answer["error"]["fields"]["identifier"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains("No user named ghost_user"), "{answer}");
    // One pending invite per person.
    let (status, _) = invite(&t, json!({"identifier": "new@example.com", "plan": plan})).await;
    assert_eq!(status, 201);
    let (status, answer) = invite(&t, json!({"identifier": "NEW@example.com", "plan": plan})).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"]["code"], "invite_pending");
    assert!(t.app.audit_actions("invite.create").await.len() == 1);
}

#[tokio::test]
async fn the_friend_limit_is_checked_before_plex_is_asked() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |c| {
        c.plex_friend_limit = 5;
    })
    .await;
    let movies = t.library(1).await;
    let (status, answer) = invite(
        &t,
        json!({"identifier": "one-too-many@example.com", "plan": {"grants": [{"library_id": movies}]}}),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"]["code"], "friend_limit");
    assert!(t.writes().is_empty());
}

#[tokio::test]
async fn pending_invites_are_resent_cancelled_and_expire() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    t.set_anchor(t.library(3).await).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    // A plan that starts a week after acceptance: Plex's invite carries the anchor alone.
    let (_, plan) = t
        .call(
            Method::POST,
            "/api/v1/plans",
            Some(json!({"name": "Next week", "grants": [
                {"library_id": movies, "starts_after": "P7D", "duration": "P7D"},
                {"library_id": tv, "starts_after": "P7D"}
            ]})),
        )
        .await;
    let plan_id = plan["id"].as_i64().expect("plan");
    let (status, made) = invite(
        &t,
        json!({"identifier": "later@example.com", "plan_id": plan_id}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["sent_library_ids"], json!([t.library(3).await]));
    assert_eq!(made["invite"]["plan_id"], plan_id);
    assert_eq!(made["invite"]["plan_version"], 1);
    let id = made["invite"]["id"].as_i64().expect("id");
    let user = made["invite"]["plex_account_id"].as_u64().expect("user");
    let (first, sections, _) = share_of(&t, user).expect("share");
    assert_eq!(sections, ids(&[DEFAULT]));
    // Waiting for acceptance is not the end of access: nothing is withdrawn meanwhile.
    let job = wait_for(
        &t.app,
        &t.token,
        t.call(Method::POST, "/api/v1/scheduler/run", None).await.1["job_id"]
            .as_str()
            .expect("job"),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert!(share_of(&t, user).is_some(), "the pending invite stays");

    clock.set(t0 + 60_000);
    let (status, resent) = t
        .call(Method::POST, &format!("/api/v1/invites/{id}/resend"), None)
        .await;
    assert_eq!(status, 200, "{resent}");
    assert_eq!(resent["sent_at"], at(t0 + 60_000));
    let (second, sections, pending) = share_of(&t, user).expect("sent again");
    assert_ne!(second, first, "a new invite on Plex");
    assert_eq!(sections, ids(&[DEFAULT]));
    assert!(pending);

    let (status, cancelled) = t
        .call(Method::DELETE, &format!("/api/v1/invites/{id}"), None)
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["state"], "cancelled");
    assert!(share_of(&t, user).is_none());
    assert!(!t.sim.state().friends.contains(&user));
    let friend = made["invite"]["friend_id"].as_i64().expect("friend");
    let (status, _) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{friend}"), None)
        .await;
    assert_eq!(status, 404, "the invited friend goes with the invite");
    let (status, again) = t
        .call(Method::DELETE, &format!("/api/v1/invites/{id}"), None)
        .await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "invite_not_pending");

    // Plexward's days run out: withdrawn at the next reconcile.
    let (_, slow) = invite(
        &t,
        json!({"identifier": "slow@example.com", "plan": {"grants": [{"library_id": movies}]}, "expires_in_days": 1}),
    )
    .await;
    let slow_id = slow["invite"]["id"].as_i64().expect("id");
    let slow_user = slow["invite"]["plex_account_id"].as_u64().expect("user");
    clock.set(t0 + 60_000 + DAY + 1);
    let job = wait_for(
        &t.app,
        &t.token,
        t.call(Method::POST, "/api/v1/scheduler/run", None).await.1["job_id"]
            .as_str()
            .expect("job"),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let (_, slow) = t
        .call(Method::GET, &format!("/api/v1/invites/{slow_id}"), None)
        .await;
    assert_eq!(slow["state"], "expired", "{slow}");
    assert!(share_of(&t, slow_user).is_none());

    // Plex withdraws one itself: the next sync says so.
    let (_, lapse) = invite(
        &t,
        json!({"identifier": "lapse@example.com", "plan": {"grants": [{"library_id": movies}]}}),
    )
    .await;
    let lapse_id = lapse["invite"]["id"].as_i64().expect("id");
    let lapse_user = lapse["invite"]["plex_account_id"].as_u64().expect("user");
    let (share, _, _) = share_of(&t, lapse_user).expect("share");
    assert!(t.sim.expire_invite(share));
    let job = sync(&t).await;
    assert!(
        job["result"]["invites_ended"]
            .as_u64()
            .is_some_and(|n| n <= 1),
        "{job}"
    );
    let (_, lapse) = t
        .call(Method::GET, &format!("/api/v1/invites/{lapse_id}"), None)
        .await;
    assert_eq!(lapse["state"], "expired");

    let (_, all) = t
        .call(Method::GET, "/api/v1/invites?state=expired", None)
        .await;
    assert_eq!(all["total"], 2, "{all}");
    let (_, found) = t.call(Method::GET, "/api/v1/invites?q=LATER", None).await;
    assert_eq!(found["total"], 1, "{found}");
    let (status, bad) = t
        .call(Method::GET, "/api/v1/invites?state=lost", None)
        .await;
    assert_eq!(status, 422, "{bad}");
    t.app.assert_no_jobs_left().await;
}
