//! API tokens die with a reset: an admin's reset, the CLI reset and (unless kept) a password
//! change revoke every token of the account, each revocation audited; an account that must
//! change its password cannot use a token it still has. The attack: an intruder's admin token
//! kept working after the owner reset the account.

use reqwest::Method;
use serde_json::json;

use crate::auth_api_key::api_token;
use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app};

const NEW_PASSWORD: &str = "quiet harbour lantern spruce";

/// `owner` (admin, signed in) and `intruder`: a second admin whose token the attacker holds.
async fn owner_and_intruder_token(app: &TestApp) -> (String, i64, String) {
    let owner = app.token_for("owner", "admin").await;
    let intruder_id = app.create_account("mallory", "admin", false).await;
    let jwt = app.login("mallory", GOOD_PASSWORD).await.token;
    let (_, secret) = api_token(app, &jwt, "backdoor").await;
    let (status, _) = app
        .call(Method::GET, "/api/v1/accounts", &secret, None)
        .await;
    assert_eq!(status, 200, "the token works before the reset");
    (owner, intruder_id, secret)
}

/// The token no longer lists accounts nor creates an admin: 401.
async fn assert_dead(app: &TestApp, secret: &str) {
    let (status, body) = app
        .call(Method::GET, "/api/v1/accounts", secret, None)
        .await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            secret,
            Some(json!({"username": "second-door", "password": NEW_PASSWORD, "role": "admin"})),
        )
        .await;
    assert_eq!(status, 401, "{body}");
}

/// The `token.revoke` events recorded for `reason`.
async fn revocations(app: &TestApp, reason: &str) -> Vec<serde_json::Value> {
    app.audit_actions("token.revoke")
        .await
        .into_iter()
        .filter_map(|e| e.details)
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
        .filter(|d| d["reason"] == reason)
        .collect()
}

#[tokio::test]
async fn an_admin_reset_revokes_every_token_of_the_account() {
    let app = spawn_app().await;
    let (owner, intruder_id, secret) = owner_and_intruder_token(&app).await;
    let jwt = app.login("mallory", GOOD_PASSWORD).await.token;
    let (_, second) = api_token(&app, &jwt, "spare").await;

    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/accounts/{intruder_id}"),
            &owner,
            Some(json!({"password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_dead(&app, &secret).await;
    assert_dead(&app, &second).await;

    let revoked = revocations(&app, "password reset by an admin").await;
    let mut names: Vec<&str> = revoked.iter().filter_map(|d| d["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["backdoor", "spare"], "one audited revocation each");
    let (_, tokens) = app.call(Method::GET, "/api/v1/tokens", &owner, None).await;
    assert_eq!(tokens["total"], 0, "{tokens}");
}

#[tokio::test]
async fn the_cli_reset_revokes_them_too() {
    let app = spawn_app().await;
    let (_, _, secret) = owner_and_intruder_token(&app).await;
    // The very function `plexward reset-password mallory` runs.
    // Off the runtime: the app's own writes (the token's first use, audited in the background)
    // run on it and must be able to finish while the reset waits for the write lock.
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || plexward::auth::bootstrap::reset_password(&db, "mallory"))
        .await
        .expect("joined")
        .expect("reset");
    assert_dead(&app, &secret).await;
    assert_eq!(
        revocations(&app, "password reset from the command line")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_password_change_revokes_them_unless_the_caller_keeps_them() {
    let app = spawn_app().await;
    let (_, _, secret) = owner_and_intruder_token(&app).await;
    let jwt = app.login("mallory", GOOD_PASSWORD).await.token;

    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/me/password",
            &jwt,
            Some(json!({"current_password": GOOD_PASSWORD, "new_password": NEW_PASSWORD, "revoke_tokens": false})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = app
        .call(Method::GET, "/api/v1/accounts", &secret, None)
        .await;
    assert_eq!(status, 200, "kept on request");

    // The default revokes them.
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/me/password",
            &jwt,
            Some(json!({"current_password": NEW_PASSWORD, "new_password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_dead(&app, &secret).await;
    let change = app.audit_actions("account.password_change").await;
    let last = change
        .iter()
        .max_by_key(|e| e.id)
        .and_then(|e| e.details.as_deref())
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .expect("audited");
    assert_eq!(last["tokens_revoked"], json!(["backdoor"]), "{last}");
}

#[tokio::test]
async fn a_token_of_an_account_that_must_change_its_password_is_refused() {
    let app = spawn_app().await;
    let (_, intruder_id, secret) = owner_and_intruder_token(&app).await;
    // A reset made before tokens died with it (an older version): the flag without the revoke.
    plexward::db::run(&app.db, move |conn| {
        use diesel::prelude::*;
        use plexward::db::schema::accounts::dsl::*;
        diesel::update(accounts.find(intruder_id))
            .set(must_change_password.eq(true))
            .execute(conn)
    })
    .await
    .expect("flagged");
    for path in ["/api/v1/accounts", "/api/v1/me"] {
        let (status, body) = app.call(Method::GET, path, &secret, None).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(body["error"]["code"], "password_change_required", "{body}");
    }
}
