//! Live streams are bounded: the attack — one auditor token opening thousands of log streams
//! until the process ran out of file descriptors — now gets 429 `too_many_streams` at the
//! sixth stream of one account and the 201st in all, while health and sign-in stay quick.

use std::time::{Duration, Instant};

use reqwest::Method;

use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app_with};

async fn open(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.bearer(Method::GET, path, token)
        .send()
        .await
        .expect("sent")
}

async fn assert_refused(app: &TestApp, path: &str, token: &str, why: &str) {
    let refused = open(app, path, token).await;
    assert_eq!(refused.status(), 429, "{why}");
    assert!(refused.headers().contains_key("retry-after"), "{why}");
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_streams", "{why}: {body}");
}

#[tokio::test]
async fn an_account_gets_five_streams_and_the_server_two_hundred() {
    // The default stream limits; the connection cap and the sign-in throttle (one test client
    // signs in 41 accounts) are not what is tested here.
    let app = spawn_app_with(|c| {
        c.connections_per_client = 1_000;
        c.login_rate_burst = 1_000;
    })
    .await;
    let auditor = app.token_for("auditor0", "auditor").await;
    let mut held = Vec::new();
    for n in 0..5 {
        let path = if n % 2 == 0 {
            "/api/v1/logs/stream"
        } else {
            "/api/v1/audit/stream"
        };
        let stream = open(&app, path, &auditor).await;
        assert_eq!(stream.status(), 200, "stream {n}");
        held.push(stream);
    }
    assert_refused(
        &app,
        "/api/v1/logs/stream",
        &auditor,
        "the sixth of one account",
    )
    .await;
    assert_refused(&app, "/api/v1/audit/stream", &auditor, "whichever stream").await;

    // 39 more auditors fill the server to 200.
    let mut tokens = Vec::new();
    for n in 1..40 {
        tokens.push(app.token_for(&format!("auditor{n}"), "auditor").await);
    }
    for token in &tokens {
        for _ in 0..5 {
            let stream = open(&app, "/api/v1/logs/stream", token).await;
            assert_eq!(stream.status(), 200);
            held.push(stream);
        }
    }
    assert_eq!(held.len(), 200);
    let newcomer = app.token_for("auditor40", "auditor").await;
    assert_refused(&app, "/api/v1/logs/stream", &newcomer, "the 201st in all").await;

    // Everyone else is served as usual meanwhile.
    let started = Instant::now();
    assert_eq!(app.get("/api/v1/health").await.status(), 200);
    app.create_account("owner", "admin", false).await;
    assert_eq!(
        app.login_response("owner", GOOD_PASSWORD).await.status(),
        200
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "health and sign-in answered in {:?}",
        started.elapsed()
    );

    // A stream whose client went away gives its place back (noticed when a write fails: at the
    // latest on the second heartbeat, 15 s apart).
    held.truncate(199);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stream = open(&app, "/api/v1/logs/stream", &newcomer).await;
        if stream.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the closed stream's place came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
