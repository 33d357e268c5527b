use reqwest::Method;

use crate::helpers::{GOOD_PASSWORD, spawn_app};

async fn create(
    app: &crate::helpers::TestApp,
    token: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.bearer(Method::POST, "/api/v1/me/tokens", token)
        .json(&body)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn a_token_is_shown_once_works_and_dies_when_revoked() {
    let app = spawn_app().await;
    app.create_account("alice", "moderator", false).await;
    let s = app.login("alice", GOOD_PASSWORD).await;

    let created = create(
        &app,
        &s.token,
        serde_json::json!({"name": "home assistant"}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let body: serde_json::Value = created.json().await.expect("json");
    let secret = body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("pwt_") && secret.len() > 40);
    assert_eq!(body["token"]["role"], "moderator");
    let id = body["token"]["id"].as_i64().expect("id");

    let list = app
        .bearer(Method::GET, "/api/v1/me/tokens", &s.token)
        .send()
        .await
        .expect("sent");
    let text = list.text().await.expect("text");
    assert!(!text.contains(&secret), "the secret is never listed");
    assert!(text.contains(&secret[..8]), "the prefix is");

    let me = app
        .bearer(Method::GET, "/api/v1/me", &secret)
        .send()
        .await
        .expect("sent");
    assert_eq!(me.status(), 200);
    let listed: serde_json::Value = app
        .bearer(Method::GET, "/api/v1/me/tokens", &s.token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert!(
        listed["items"][0]["last_used_at"].is_string(),
        "last use is recorded"
    );

    let revoke = app
        .bearer(Method::DELETE, &format!("/api/v1/me/tokens/{id}"), &s.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(revoke.status(), 204);
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &secret, None).await.0,
        401
    );
    assert_eq!(app.audit_actions("token.create").await.len(), 1);
    assert_eq!(app.audit_actions("token.revoke").await.len(), 1);
}

#[tokio::test]
async fn token_roles_never_exceed_the_creator() {
    let app = spawn_app().await;
    app.create_account("mod", "moderator", false).await;
    let s = app.login("mod", GOOD_PASSWORD).await;

    for role in ["admin", "auditor"] {
        let r = create(
            &app,
            &s.token,
            serde_json::json!({"name": role, "role": role}),
        )
        .await;
        assert_eq!(r.status(), 422, "{role}");
        assert!(
            r.json::<serde_json::Value>().await.expect("json")["error"]["fields"]["role"]
                .is_string()
        );
    }
    let past = create(
        &app,
        &s.token,
        serde_json::json!({"name": "old", "expires_at": "2020-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(past.status(), 422);
    let ok = create(&app, &s.token, serde_json::json!({"name": "ok"})).await;
    assert_eq!(ok.status(), 201);
    let dup = create(&app, &s.token, serde_json::json!({"name": "ok"})).await;
    assert_eq!(dup.status(), 409);
}

#[tokio::test]
async fn an_admin_scoped_token_of_a_demoted_admin_loses_its_powers() {
    let app = spawn_app().await;
    app.create_account("root", "admin", false).await;
    let second = app.create_account("second", "admin", false).await;
    let root = app.login("root", GOOD_PASSWORD).await;
    let s = app.login("second", GOOD_PASSWORD).await;
    let body: serde_json::Value = create(&app, &s.token, serde_json::json!({"name": "ci"}))
        .await
        .json()
        .await
        .expect("json");
    let secret = body["secret"].as_str().expect("secret").to_owned();
    assert_eq!(
        app.call(Method::GET, "/api/v1/accounts", &secret, None)
            .await
            .0,
        200
    );

    app.bearer(
        Method::PATCH,
        &format!("/api/v1/accounts/{second}"),
        &root.token,
    )
    .json(&serde_json::json!({"role": "moderator"}))
    .send()
    .await
    .expect("sent");

    assert_eq!(
        app.call(Method::GET, "/api/v1/accounts", &secret, None)
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn tokens_cannot_mint_tokens_and_admins_see_and_revoke_everyones() {
    let app = spawn_app().await;
    app.create_account("root", "admin", false).await;
    app.create_account("aud", "auditor", false).await;
    let root = app.login("root", GOOD_PASSWORD).await;
    let aud = app.login("aud", GOOD_PASSWORD).await;
    let body: serde_json::Value = create(&app, &aud.token, serde_json::json!({"name": "reader"}))
        .await
        .json()
        .await
        .expect("json");
    let secret = body["secret"].as_str().expect("secret").to_owned();
    let id = body["token"]["id"].as_i64().expect("id");

    let minted = create(&app, &secret, serde_json::json!({"name": "child"})).await;
    assert_eq!(minted.status(), 403);

    assert_eq!(
        app.call(Method::GET, "/api/v1/tokens", &aud.token, None)
            .await
            .0,
        403
    );
    let all: serde_json::Value = app
        .bearer(Method::GET, "/api/v1/tokens", &root.token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(all["total"], 1);
    assert_eq!(all["items"][0]["account_username"], "aud");
    let revoke = app
        .bearer(Method::DELETE, &format!("/api/v1/tokens/{id}"), &root.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(revoke.status(), 204);
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &secret, None).await.0,
        401
    );
}

#[tokio::test]
async fn a_token_used_from_a_new_address_is_a_security_event() {
    // Behind a trusted proxy, so the test can come from several addresses.
    let app =
        crate::helpers::spawn_app_with(|c| c.trusted_proxies = Some(vec!["127.0.0.1".into()]))
            .await;
    app.create_account("alice", "moderator", false).await;
    let s = app.login("alice", GOOD_PASSWORD).await;
    let body: serde_json::Value = create(&app, &s.token, serde_json::json!({"name": "nas script"}))
        .await
        .json()
        .await
        .expect("json");
    let secret = body["secret"].as_str().expect("secret").to_owned();
    let from = |ip: &'static str| {
        app.bearer(Method::GET, "/api/v1/me", &secret)
            .header("x-forwarded-for", ip)
            .send()
    };
    for ip in [
        "198.51.100.1",
        "198.51.100.1",
        "203.0.113.9",
        "198.51.100.1",
        "203.0.113.9",
    ] {
        assert_eq!(from(ip).await.expect("sent").status(), 200);
    }
    let events = app.audit_actions("token.new_address").await;
    assert_eq!(
        events.len(),
        2,
        "the first use and one new address, not every request"
    );
    // Newest first.
    let (second, first) = (&events[0], &events[1]);
    assert_eq!(first.ip.as_deref(), Some("198.51.100.1"));
    assert_eq!(second.ip.as_deref(), Some("203.0.113.9"));
    assert_eq!(second.actor, "alice");
    assert_eq!(second.token_name.as_deref(), Some("nas script"));
    let details: serde_json::Value =
        serde_json::from_str(second.details.as_deref().expect("details")).expect("json");
    assert_eq!(details["first_use"], false);
    assert_eq!(details["seen_before"], serde_json::json!(["198.51.100.1"]));
    assert!(
        !second
            .details
            .as_deref()
            .unwrap_or_default()
            .contains(&secret[4..12]),
        "never the secret"
    );
}
