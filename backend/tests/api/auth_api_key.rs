//! `X-Api-Key: pwt_…`: an API token in the header Wizarr and Seerr scripts use, treated exactly
//! like `Authorization: Bearer pwt_…` (same roles, no CSRF check), and nothing else accepted
//! there.

use plex_sim::Seed;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::synced_on_clock;
use crate::helpers::{GOOD_PASSWORD, TestApp, header, spawn_app};

/// Makes an API token with the session `jwt`: `(id, secret)`.
pub(crate) async fn api_token(app: &TestApp, jwt: &str, name: &str) -> (i64, String) {
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/me/tokens",
            jwt,
            Some(json!({ "name": name })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (
        body["token"]["id"].as_i64().expect("id"),
        body["secret"].as_str().expect("secret").to_owned(),
    )
}

/// A request with `X-Api-Key: key` and nothing else (no cookie, no Origin).
pub(crate) fn with_api_key(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header("x-api-key", key)
}

async fn status_and_json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn x_api_key_reads_and_writes_like_a_bearer_token_with_the_same_roles() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let (_, secret) = api_token(&t.app, &t.token, "sync script").await;

    let (status, by_key) = status_and_json(with_api_key(
        &t.app,
        Method::GET,
        "/api/v1/plex-users",
        &secret,
    ))
    .await;
    assert_eq!(status, 200, "{by_key}");
    let (_, by_bearer) = t
        .app
        .call(Method::GET, "/api/v1/plex-users", &secret, None)
        .await;
    assert_eq!(by_key, by_bearer, "the same answer either way");
    let friend = by_key["items"][0]["id"].as_i64().expect("a friend");
    let (_, libraries) = t
        .app
        .call(Method::GET, "/api/v1/libraries", &secret, None)
        .await;
    let library = libraries["items"][0]["id"].as_i64().expect("a library");

    // A write, without cookie or Origin: no CSRF check applies to a token.
    let (status, body) = status_and_json(
        with_api_key(
            &t.app,
            Method::PUT,
            &format!("/api/v1/plex-users/{friend}/grants"),
            &secret,
        )
        .json(&json!({ "grants": [{ "library_id": library }] })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let saved = t.app.audit_actions("grants.set").await;
    assert_eq!(saved.len(), 1, "the change was made and audited");
    assert_eq!(
        saved[0].target_id.as_deref(),
        Some(friend.to_string().as_str())
    );

    // The token's role (moderator) still rules: accounts are the admins'.
    let (status, body) = status_and_json(with_api_key(
        &t.app,
        Method::GET,
        "/api/v1/accounts",
        &secret,
    ))
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
}

#[tokio::test]
async fn x_api_key_refuses_a_jwt_a_revoked_token_and_a_wrong_value_with_the_same_401() {
    let app = spawn_app().await;
    app.create_account("mo", "moderator", false).await;
    let jwt = app.login("mo", GOOD_PASSWORD).await.token;
    let (id, revoked) = api_token(&app, &jwt, "old script").await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{id}"),
            &jwt,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, live) = api_token(&app, &jwt, "new script").await;
    assert_eq!(
        status_and_json(with_api_key(&app, Method::GET, "/api/v1/me", &live))
            .await
            .0,
        200
    );

    let anonymous = app.get("/api/v1/me").await;
    assert_eq!(anonymous.status(), 401);
    let expected: Value = anonymous.json().await.expect("json");
    // The last character changed for sure (a secret ending in `x` stayed valid with `x`).
    let last = if live.ends_with('x') { 'y' } else { 'x' };
    let wrong_secret = format!("{}{last}", &live[..live.len() - 1]);
    for (what, key) in [
        ("a sign-in JWT", jwt.as_str()),
        ("a revoked token", revoked.as_str()),
        ("a wrong token", wrong_secret.as_str()),
        ("not a token at all", "hunter2"),
        ("an empty value", ""),
    ] {
        let response = with_api_key(&app, Method::GET, "/api/v1/me", key)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 401, "{what}");
        assert_eq!(header(&response, "www-authenticate"), "Bearer", "{what}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], expected["error"]["code"], "{what}");
        assert_eq!(
            body["error"]["message"], expected["error"]["message"],
            "{what}"
        );
    }
}

#[tokio::test]
async fn authorization_and_x_api_key_must_agree_when_both_are_sent() {
    let app = spawn_app().await;
    app.create_account("mo", "moderator", false).await;
    let jwt = app.login("mo", GOOD_PASSWORD).await.token;
    let (_, first) = api_token(&app, &jwt, "first").await;
    let (_, second) = api_token(&app, &jwt, "second").await;

    for (bearer, key) in [(&jwt, &first), (&second, &first)] {
        let (status, body) =
            status_and_json(with_api_key(&app, Method::GET, "/api/v1/me", key).bearer_auth(bearer))
                .await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"]["code"], "conflicting_credentials");
    }
    // The same token in both is one credential.
    let (status, body) =
        status_and_json(with_api_key(&app, Method::GET, "/api/v1/me", &first).bearer_auth(&first))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], "mo");
}
