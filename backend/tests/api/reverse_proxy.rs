//! Behind a reverse proxy: forwarding headers are believed only from `trusted_proxies`, and then
//! the real client's address is what throttling and the audit trail use, `X-Forwarded-Proto:
//! https` makes cookies `Secure`, and `/metrics` asks for an admin.

use reqwest::Method;

use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app_with};

/// A sign-in `as` (username, password) forwarded for `client` (no header when `None`).
async fn sign_in(
    app: &TestApp,
    client: Option<&str>,
    proto: Option<&str>,
    (username, password): (&str, &str),
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}));
    if let Some(ip) = client {
        request = request.header("X-Forwarded-For", ip);
    }
    if let Some(proto) = proto {
        request = request.header("X-Forwarded-Proto", proto);
    }
    request.send().await.expect("sent")
}

async fn last_login_ip(app: &TestApp) -> Option<String> {
    app.audit_actions("auth.login")
        .await
        .into_iter()
        .max_by_key(|e| e.id)
        .and_then(|e| e.ip)
}

fn cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn with_no_trusted_proxy_forwarding_headers_change_nothing_but_close_metrics() {
    let app = spawn_app_with(|_| {}).await;
    app.create_account("ann", "moderator", false).await;
    let r = sign_in(&app, Some("203.0.113.7"), Some("https"), ("ann", "wrong")).await;
    assert_eq!(r.status(), 401);
    assert_eq!(last_login_ip(&app).await.as_deref(), Some("127.0.0.1"));
    let r = sign_in(
        &app,
        Some("203.0.113.7"),
        Some("https"),
        ("ann", GOOD_PASSWORD),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        cookies(&r).iter().all(|c| !c.contains("Secure")),
        "a stranger's X-Forwarded-Proto does not make cookies Secure: {:?}",
        cookies(&r)
    );

    // /metrics: open to a local scraper, but not to a request a proxy passed on.
    assert_eq!(app.get("/metrics").await.status(), 200);
    let proxied = app
        .client
        .get(app.url("/metrics"))
        .header("X-Forwarded-For", "203.0.113.7")
        .send()
        .await
        .expect("sent");
    assert_eq!(proxied.status(), 401);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_real_client_is_throttled_audited_and_gets_secure_cookies() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = Some(vec!["127.0.0.1".into()]);
        c.login_rate_burst = 3;
    })
    .await;
    app.create_account("ann", "moderator", false).await;
    app.create_account("bea", "admin", false).await;

    // The attacker's address is throttled...
    let mut throttled = false;
    for _ in 0..6 {
        let r = sign_in(&app, Some("203.0.113.7"), None, ("ann", "wrong")).await;
        throttled |= r.status() == 429;
    }
    assert!(throttled, "the attacker's address ran out of attempts");
    assert_eq!(last_login_ip(&app).await.as_deref(), Some("203.0.113.7"));
    // ...and everyone else, through the same proxy, still signs in.
    let r = sign_in(
        &app,
        Some("198.51.100.9"),
        Some("https"),
        ("bea", GOOD_PASSWORD),
    )
    .await;
    assert_eq!(
        r.status(),
        200,
        "one bucket per real client, not one for the proxy"
    );
    assert_eq!(last_login_ip(&app).await.as_deref(), Some("198.51.100.9"));
    let set = cookies(&r);
    assert!(
        set.iter()
            .any(|c| c.starts_with("__Host-") && c.contains("Secure")),
        "the proxy said https: {set:?}"
    );
    let token: serde_json::Value = r.json().await.expect("json");
    let token = token["token"].as_str().expect("token").to_owned();

    // /metrics through the proxy takes an admin.
    let anonymous = app
        .client
        .get(app.url("/metrics"))
        .header("X-Forwarded-For", "198.51.100.9")
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), 401);
    let admin = app
        .bearer(Method::GET, "/metrics", &token)
        .header("X-Forwarded-For", "198.51.100.9")
        .send()
        .await
        .expect("sent");
    assert_eq!(admin.status(), 200);
}
