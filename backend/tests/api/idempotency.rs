//! `Idempotency-Key`: a POST sent again with the same key by the same account within a day gets
//! the first answer (`Idempotent-Replayed: true`) and does nothing again.

use plex_sim::Seed;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, synced_on_clock};

const ALICE: u64 = 2_100_001;

/// A POST with `Idempotency-Key: key` as `token`: status, whether it was a replay, body.
async fn post(t: &Synced, token: &str, path: &str, key: &str, body: Value) -> (u16, bool, Value) {
    let response = t
        .app
        .bearer(Method::POST, path, token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    (
        status,
        replayed,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_same_key_gets_the_first_answer_and_does_nothing_twice() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(ALICE).await;

    // Extend: the second request is the first answer, and alice is extended once.
    let extend = format!("/api/v1/plex-users/{alice}/extend");
    let (status, replayed, first) =
        post(&t, &t.token, &extend, "extend-1", json!({"period": "week"})).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    let (status, replayed, again) =
        post(&t, &t.token, &extend, "extend-1", json!({"period": "week"})).await;
    assert_eq!((status, replayed), (200, true), "{again}");
    assert_eq!(again, first, "the very same answer");
    assert_eq!(t.app.audit_actions("grants.extend").await.len(), 1);

    // A bulk change and a sync: the same job, started once.
    let bulk = json!({"friend_ids": [alice], "action": {"kind": "extend", "period": "week"}});
    let (status, _, first) = post(
        &t,
        &t.token,
        "/api/v1/plex-users/bulk",
        "bulk-1",
        bulk.clone(),
    )
    .await;
    assert_eq!(status, 202, "{first}");
    let (status, replayed, again) =
        post(&t, &t.token, "/api/v1/plex-users/bulk", "bulk-1", bulk).await;
    assert_eq!((status, replayed), (202, true));
    assert_eq!(again["job_id"], first["job_id"]);
    assert_eq!(t.app.audit_actions("grants.bulk").await.len(), 1);
    let (_, _, sync) = post(&t, &t.token, "/api/v1/sync", "sync-1", Value::Null).await;
    let (_, replayed, sync_again) = post(&t, &t.token, "/api/v1/sync", "sync-1", Value::Null).await;
    assert!(replayed);
    assert_eq!(sync_again["job_id"], sync["job_id"]);

    // Creating an API token: one token, the same secret shown again.
    let (status, _, token) = post(
        &t,
        &t.token,
        "/api/v1/me/tokens",
        "token-1",
        json!({"name": "ha"}),
    )
    .await;
    assert_eq!(status, 201, "{token}");
    let (status, replayed, token_again) = post(
        &t,
        &t.token,
        "/api/v1/me/tokens",
        "token-1",
        json!({"name": "ha"}),
    )
    .await;
    assert_eq!((status, replayed), (201, true), "{token_again}");
    assert_eq!(token_again["id"], token["id"]);
    let (_, mine) = t.call(Method::GET, "/api/v1/me/tokens", None).await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "{mine}");

    // The key belongs to one route and one account.
    let (status, _, reused) = post(&t, &t.token, "/api/v1/sync", "extend-1", Value::Null).await;
    assert_eq!(status, 422, "{reused}");
    assert!(
        reused["error"]["fields"]["Idempotency-Key"].is_string(),
        "{reused}"
    );
    let other = t.app.token_for("mod2", "moderator").await;
    let (status, replayed, theirs) =
        post(&t, &other, &extend, "extend-1", json!({"period": "week"})).await;
    assert_eq!(
        (status, replayed),
        (200, false),
        "another account's key is its own: {theirs}"
    );
    assert_eq!(t.app.audit_actions("grants.extend").await.len(), 2);

    // A key that cannot be one is refused.
    let long = "k".repeat(256);
    let (status, _, bad) = post(&t, &t.token, "/api/v1/sync", &long, Value::Null).await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["error"]["code"], "invalid_idempotency_key");
}

#[tokio::test]
async fn a_refused_request_is_replayed_as_refused_whatever_comes_with_the_key_next() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(ALICE).await;
    let extend = format!("/api/v1/plex-users/{alice}/extend");
    let (status, _, first) = post(
        &t,
        &t.token,
        &extend,
        "bad-1",
        json!({"period": "fortnight"}),
    )
    .await;
    assert_eq!(status, 400, "{first}");
    let (status, replayed, _) =
        post(&t, &t.token, &extend, "bad-1", json!({"period": "week"})).await;
    assert_eq!(
        (status, replayed),
        (400, true),
        "the first answer stands for the key"
    );
    assert!(t.app.audit_actions("grants.extend").await.is_empty());
}
