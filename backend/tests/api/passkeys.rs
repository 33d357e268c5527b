//! Passkeys (WebAuthn) through the API, answered by a software authenticator
//! (`passkey_authenticator.rs`): several per account, named, renamed and removed; the same
//! passkey never twice; a passkey alone signs in, or completes a password sign-in; each
//! ceremony works once; an unverified user, a stranger's passkey or another origin are
//! refused; a bare IP address, or a host that is not configured, gets a reason instead; the
//! role requirement and an admin's reset count passkeys.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app_with};
use crate::passkey_authenticator::Authenticator;

/// The name the browser uses for the app (passkeys need one; the app listens on 127.0.0.1).
const HOST: &str = "localhost";

fn origin(app: &TestApp) -> String {
    format!("http://{HOST}:{}", app.port())
}

/// A request to `path` as a browser at `http://localhost:port` sends it.
async fn at(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    at_host(
        app,
        &format!("{HOST}:{}", app.port()),
        method,
        path,
        token,
        body,
    )
    .await
}

async fn at_host(
    app: &TestApp,
    host: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("host", host);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `POST /api/v1/me/passkeys/registration` for the session `token`.
async fn registration(app: &TestApp, token: &str) -> (u16, Value) {
    at(
        app,
        Method::POST,
        "/api/v1/me/passkeys/registration",
        Some(token),
        None,
    )
    .await
}

/// `POST /api/v1/me/passkeys` with `body` for the session `token`.
async fn add_passkey(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    at(
        app,
        Method::POST,
        "/api/v1/me/passkeys",
        Some(token),
        Some(body),
    )
    .await
}

/// Registers a passkey called `name` on `authenticator` for the session `token`: the answer.
async fn register(
    app: &TestApp,
    token: &str,
    authenticator: &mut Authenticator,
    name: &str,
) -> Value {
    let (status, ceremony) = registration(app, token).await;
    assert_eq!(status, 200, "{ceremony}");
    let credential = authenticator
        .create(&ceremony["options"])
        .expect("the authenticator makes one");
    let (status, body) = add_passkey(
        app,
        token,
        json!({"ceremony_id": ceremony["ceremony_id"], "name": name, "credential": credential}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

/// A passkey-alone sign-in: the status and body of its second request.
async fn passkey_sign_in(app: &TestApp, authenticator: &mut Authenticator) -> (u16, Value) {
    let (status, ceremony) = at(
        app,
        Method::POST,
        "/api/v1/auth/passkey/options",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{ceremony}");
    let Some(assertion) = authenticator.get(&ceremony["options"]) else {
        return (0, Value::Null);
    };
    at(
        app,
        Method::POST,
        "/api/v1/auth/passkey",
        None,
        Some(json!({"ceremony_id": ceremony["ceremony_id"], "credential": assertion})),
    )
    .await
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn passkeys_are_registered_named_renamed_and_removed_and_never_twice() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    app.create_account("carol", "moderator", false).await;
    let token = app.login("carol", GOOD_PASSWORD).await.token;
    let mut phone = Authenticator::new(&origin(&app));

    let (status, ceremony) = registration(&app, &token).await;
    assert_eq!(status, 200, "{ceremony}");
    let options = &ceremony["options"]["publicKey"];
    assert_eq!(options["rp"]["id"], HOST, "{ceremony}");
    assert_eq!(options["user"]["name"], "carol");
    assert_eq!(
        options["authenticatorSelection"]["residentKey"], "required",
        "a passkey signs in without a username: {ceremony}"
    );
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );

    // The browser's answer, checked; the first second factor brings recovery codes.
    let credential = phone.create(&ceremony["options"]).expect("created");
    let body = json!({"ceremony_id": ceremony["ceremony_id"], "name": " Phone ", "credential": credential});
    let (status, first) = add_passkey(&app, &token, body.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["passkey"]["name"], "Phone", "trimmed");
    assert_eq!(first["passkey"]["rp_id"], HOST);
    assert_eq!(first["recovery_codes"].as_array().map(Vec::len), Some(10));
    // A ceremony works once.
    let (status, replay) = add_passkey(&app, &token, body).await;
    assert_eq!(status, 422, "{replay}");
    assert!(
        replay["error"]["fields"]["ceremony_id"].is_string(),
        "{replay}"
    );

    // The same passkey again: the options exclude it, and a forced answer is refused.
    let (_, again) = registration(&app, &token).await;
    assert!(
        phone.create(&again["options"]).is_none(),
        "excluded: {again}"
    );
    let (status, refused) = add_passkey(
        &app,
        &token,
        json!({
            "ceremony_id": again["ceremony_id"],
            "name": "Phone again",
            "credential": phone.create_again(&again["options"], 0),
        }),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]["fields"]["credential"].is_string(),
        "{refused}"
    );
    // Nor can another account claim it (its public key and id are no secret).
    let dave = app.token_for("dave", "moderator").await;
    let (_, theirs) = registration(&app, &dave).await;
    let (status, exists) = add_passkey(
        &app,
        &dave,
        json!({
            "ceremony_id": theirs["ceremony_id"],
            "name": "Phone",
            "credential": phone.create_again(&theirs["options"], 0),
        }),
    )
    .await;
    assert_eq!(
        (status, exists["error"]["code"].as_str()),
        (409, Some("passkey_exists")),
        "{exists}"
    );

    // A second device; names are unique per account; no new recovery codes.
    let mut key = Authenticator::new(&origin(&app));
    let (_, ceremony) = registration(&app, &token).await;
    let (status, taken) = add_passkey(&app, &token, json!({"ceremony_id": ceremony["ceremony_id"], "name": "Phone", "credential": key.create(&ceremony["options"]).expect("created")}),
    )
    .await;
    assert_eq!(status, 422, "{taken}");
    assert!(taken["error"]["fields"]["name"].is_string(), "{taken}");
    let mut key = Authenticator::new(&origin(&app));
    let second = register(&app, &token, &mut key, "YubiKey").await;
    assert!(second.get("recovery_codes").is_none(), "{second}");

    let (_, list) = at(&app, Method::GET, "/api/v1/me/passkeys", Some(&token), None).await;
    assert_eq!(list["total"], 2, "{list}");
    let (_, status) = at(&app, Method::GET, "/api/v1/me/mfa", Some(&token), None).await;
    assert_eq!(
        status,
        json!({"totp": false, "recovery_codes_left": 10, "passkeys": 2, "required_by_role": false})
    );

    let (first_id, second_id) = (
        first["passkey"]["id"].as_i64().expect("id"),
        second["passkey"]["id"].as_i64().expect("id"),
    );
    let second_path = format!("/api/v1/me/passkeys/{second_id}");
    let rename = |_id: i64, name: &str| {
        at(
            &app,
            Method::PATCH,
            &second_path,
            Some(&token),
            Some(json!({"name": name})),
        )
    };
    let (status, body) = rename(second_id, "Phone").await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = rename(second_id, "").await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = rename(second_id, "Key on the ring").await;
    assert_eq!(
        (status, body["name"].as_str()),
        (200, Some("Key on the ring")),
        "{body}"
    );

    // Someone else's passkeys are not there for them.
    let other = dave;
    let (status, _) = at(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/passkeys/{first_id}"),
        Some(&other),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = at(
        &app,
        Method::PATCH,
        &format!("/api/v1/me/passkeys/{first_id}"),
        Some(&other),
        Some(json!({"name": "mine"})),
    )
    .await;
    assert_eq!(status, 404);

    let (status, _) = at(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/passkeys/{first_id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = at(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/passkeys/{first_id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (_, list) = at(&app, Method::GET, "/api/v1/me/passkeys", Some(&token), None).await;
    assert_eq!(ids(&list), vec![second_id]);
    // The removed passkey no longer signs in.
    let (status, body) = passkey_sign_in(&app, &mut phone).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_passkey")),
        "{body}"
    );
    // The last one gone, two-factor sign-in is off and the recovery codes with it.
    let (status, _) = at(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/passkeys/{second_id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, status) = at(&app, Method::GET, "/api/v1/me/mfa", Some(&token), None).await;
    assert_eq!(
        (
            status["passkeys"].as_u64(),
            status["recovery_codes_left"].as_u64()
        ),
        (Some(0), Some(0))
    );

    let added = app.audit_actions("account.passkey_add").await;
    assert_eq!(added.len(), 2);
    assert_eq!(app.audit_actions("account.passkey_rename").await.len(), 1);
    assert_eq!(app.audit_actions("account.passkey_remove").await.len(), 2);
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn a_registration_is_checked_by_the_server_and_needs_a_session() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    app.create_account("carol", "moderator", false).await;
    let token = app.login("carol", GOOD_PASSWORD).await.token;

    // An answer made for another site's page is refused (the origin is in what was signed).
    let mut elsewhere = Authenticator::new("http://evil.example");
    let (_, ceremony) = registration(&app, &token).await;
    let (status, body) = add_passkey(&app, &token, json!({"ceremony_id": ceremony["ceremony_id"], "name": "Phone", "credential": elsewhere.create(&ceremony["options"]).expect("created")}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["credential"].is_string(), "{body}");

    // Not a credential at all.
    let (_, ceremony) = registration(&app, &token).await;
    let (status, body) = add_passkey(
        &app,
        &token,
        json!({"ceremony_id": ceremony["ceremony_id"], "name": "Phone", "credential": {"id": 5}}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["credential"].is_string(), "{body}");

    // Another account cannot finish carol's ceremony.
    let other = app.token_for("dave", "moderator").await;
    let mut phone = Authenticator::new(&origin(&app));
    let (_, ceremony) = registration(&app, &token).await;
    let (status, body) = add_passkey(&app, &other, json!({"ceremony_id": ceremony["ceremony_id"], "name": "Phone", "credential": phone.create(&ceremony["options"]).expect("created")}),
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // API tokens cannot add passkeys.
    let (_, made) = app
        .call(
            Method::POST,
            "/api/v1/me/tokens",
            &token,
            Some(json!({"name": "script"})),
        )
        .await;
    let api_token = made["secret"].as_str().expect("secret").to_owned();
    let (status, body) = registration(&app, &api_token).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("session_required")),
        "{body}"
    );
    let (status, body) = at(
        &app,
        Method::POST,
        "/api/v1/me/passkeys/registration",
        None,
        None,
    )
    .await;
    assert_eq!(status, 401, "{body}");
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn a_passkey_signs_in_alone_or_as_the_second_step_and_each_answer_works_once() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    app.create_account("carol", "moderator", false).await;
    let token = app.login("carol", GOOD_PASSWORD).await.token;
    let mut phone = Authenticator::new(&origin(&app));
    register(&app, &token, &mut phone, "Phone").await;

    // Alone: the browser picks the passkey (no username, no list of credentials).
    let (status, ceremony) = at(
        &app,
        Method::POST,
        "/api/v1/auth/passkey/options",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{ceremony}");
    assert!(
        ceremony["options"].get("mediation").is_none(),
        "a button, not autofill: {ceremony}"
    );
    assert!(
        ceremony["options"]["publicKey"]["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{ceremony}"
    );
    let assertion = phone.get(&ceremony["options"]).expect("signed");
    let body = json!({"ceremony_id": ceremony["ceremony_id"], "credential": assertion});
    let (status, signed_in) = at(
        &app,
        Method::POST,
        "/api/v1/auth/passkey",
        None,
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["account"]["username"], "carol");
    let passkey_token = signed_in["token"].as_str().expect("token").to_owned();
    let (_, sessions) = app
        .call(Method::GET, "/api/v1/me/sessions", &passkey_token, None)
        .await;
    let current = sessions["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["current"] == true)
        .cloned()
        .expect("this session");
    assert_eq!(current["method"], "passkey", "{sessions}");
    // The same answer again: the ceremony is gone.
    let (status, body) = at(&app, Method::POST, "/api/v1/auth/passkey", None, Some(body)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_passkey")),
        "{body}"
    );
    // Used, the passkey says when.
    let (_, list) = at(&app, Method::GET, "/api/v1/me/passkeys", Some(&token), None).await;
    assert!(list["items"][0]["last_used_at"].is_string(), "{list}");

    // No user verification (a touch without PIN or biometrics): refused.
    phone.user_verified = false;
    let (status, body) = passkey_sign_in(&app, &mut phone).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_passkey")),
        "{body}"
    );
    phone.user_verified = true;
    // A passkey this server never registered.
    let mut stranger = Authenticator::new(&origin(&app));
    let (_, ceremony) = registration(&app, &token).await;
    stranger
        .create(&ceremony["options"])
        .expect("made, never sent");
    let (status, body) = passkey_sign_in(&app, &mut stranger).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_passkey")),
        "{body}"
    );
    let failures = app.audit_actions("auth.login").await;
    assert!(
        failures
            .iter()
            .filter(|e| e.outcome == "failure")
            .all(|e| e.details.as_deref().is_some_and(|d| d.contains("passkey"))),
        "failures are audited as passkey sign-ins"
    );

    // After the password, the passkey is the second step.
    let response = app.login_response("carol", GOOD_PASSWORD).await;
    let step: Value = response.json().await.expect("json");
    assert_eq!(step["mfa_required"], true, "{step}");
    assert_eq!(
        step["methods"],
        json!(["recovery_code", "passkey"]),
        "{step}"
    );
    let mfa_token = step["mfa_token"].clone();
    // A code from an app she never set up is refused as such.
    let (status, body) = at(
        &app,
        Method::POST,
        "/api/v1/auth/mfa",
        None,
        Some(json!({"mfa_token": mfa_token, "code": "123456"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, ceremony) = at(
        &app,
        Method::POST,
        "/api/v1/auth/mfa/passkey/options",
        None,
        Some(json!({"mfa_token": mfa_token})),
    )
    .await;
    assert_eq!(status, 200, "{ceremony}");
    assert_eq!(
        ceremony["options"]["publicKey"]["allowCredentials"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "her passkeys are named: {ceremony}"
    );
    // The stranger's passkey cannot be the second step.
    let (_, stranger_ceremony) = at(
        &app,
        Method::POST,
        "/api/v1/auth/mfa/passkey/options",
        None,
        Some(json!({"mfa_token": mfa_token})),
    )
    .await;
    let mut forged = stranger_ceremony["options"].clone();
    forged["publicKey"]["allowCredentials"] = json!([]);
    let wrong = stranger.get(&forged).expect("signed");
    let (status, body) = at(&app, Method::POST, "/api/v1/auth/mfa", None, Some(json!({"mfa_token": mfa_token, "passkey": {"ceremony_id": stranger_ceremony["ceremony_id"], "credential": wrong}}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_passkey")),
        "{body}"
    );
    let assertion = phone.get(&ceremony["options"]).expect("signed");
    let (status, done) = at(&app, Method::POST, "/api/v1/auth/mfa", None, Some(json!({"mfa_token": mfa_token, "passkey": {"ceremony_id": ceremony["ceremony_id"], "credential": assertion}}))).await;
    assert_eq!(status, 200, "{done}");
    let second_token = done["token"].as_str().expect("token").to_owned();
    let (_, sessions) = app
        .call(Method::GET, "/api/v1/me/sessions", &second_token, None)
        .await;
    assert!(
        sessions["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|s| s["current"] == true && s["method"] == "password_passkey"),
        "{sessions}"
    );
    // Options need a live sign-in.
    let (status, body) = at(
        &app,
        Method::POST,
        "/api/v1/auth/mfa/passkey/options",
        None,
        Some(json!({"mfa_token": "nope"})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("mfa_expired")),
        "{body}"
    );
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn passkeys_need_a_configured_host_name_and_say_why_not() {
    let app =
        spawn_app_with(|c| c.hostnames = Some(vec!["plexward.test".into(), "10.0.0.5".into()]))
            .await;
    app.create_account("carol", "moderator", false).await;
    let token = app.login("carol", GOOD_PASSWORD).await.token;

    // A bare IP (the address tests use).
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/me/passkeys/registration",
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("passkeys_unavailable")),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("bare IP")),
        "{body}"
    );
    let response = app
        .client
        .post(app.url("/api/v1/auth/passkey/options"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 409);
    // A name that is not configured.
    let (status, body) = at(
        &app,
        Method::POST,
        "/api/v1/auth/passkey/options",
        None,
        None,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("plexward.test")),
        "{body}"
    );
    // The configured name: its own relying party.
    let host = format!("plexward.test:{}", app.port());
    let (status, ceremony) = at_host(
        &app,
        &host,
        Method::POST,
        "/api/v1/me/passkeys/registration",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{ceremony}");
    assert_eq!(
        ceremony["options"]["publicKey"]["rp"]["id"],
        "plexward.test"
    );
    // Started at one name, finished at another: refused.
    let mut phone = Authenticator::new(&format!("http://{host}"));
    let credential = phone.create(&ceremony["options"]).expect("created");
    let (status, body) = at_host(
        &app,
        &format!("PLEXWARD.test:{}", app.port()),
        Method::POST,
        "/api/v1/me/passkeys",
        Some(&token),
        Some(json!({"ceremony_id": ceremony["ceremony_id"], "name": "Phone", "credential": credential.clone()})),
    )
    .await;
    // The name compares case-blind, so this is the same site and it works.
    assert_eq!(status, 201, "{body}");
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn a_role_that_requires_two_factor_accepts_a_passkey_and_an_admin_reset_removes_them() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    let admin = app.token_for("root", "admin").await;
    let carol = app.create_account("carol", "moderator", false).await;
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/sign-in",
            &admin,
            Some(json!({"mfa_required_roles": ["moderator"]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Signed in, she must set a second factor up first; a passkey does.
    let signed = app.login("carol", GOOD_PASSWORD).await;
    assert_eq!(
        signed.body["account"]["mfa_enrolment_required"], true,
        "{}",
        signed.body
    );
    let (status, _) = app
        .call(Method::GET, "/api/v1/plex-users", &signed.token, None)
        .await;
    assert_eq!(status, 403);
    let mut phone = Authenticator::new(&origin(&app));
    let added = register(&app, &signed.token, &mut phone, "Phone").await;
    let (status, _) = app
        .call(Method::GET, "/api/v1/plex-users", &signed.token, None)
        .await;
    assert_eq!(status, 200, "a passkey satisfies the role");
    // Her only second factor cannot go while the role requires one.
    let id = added["passkey"]["id"].as_i64().expect("id");
    let (status, body) = at(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/passkeys/{id}"),
        Some(&signed.token),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("mfa_required")),
        "{body}"
    );
    // A passkey-alone sign-in satisfies it too: no enrolment asked.
    let (status, body) = passkey_sign_in(&app, &mut phone).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["mfa_enrolment_required"], false, "{body}");

    // She lost her phone: the admin's reset removes her passkeys and ends her sessions.
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/accounts/{carol}/mfa"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .call(Method::GET, "/api/v1/me/passkeys", &signed.token, None)
        .await;
    assert_eq!(status, 401, "her sessions ended");
    let (status, body) = passkey_sign_in(&app, &mut phone).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_passkey")),
        "{body}"
    );
    let again = app.login("carol", GOOD_PASSWORD).await;
    assert_eq!(
        again.body["account"]["mfa_enrolment_required"], true,
        "{}",
        again.body
    );
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn starting_a_passkey_sign_in_counts_against_the_address_limit() {
    let app = spawn_app_with(|c| c.login_rate_burst = 3).await;
    for _ in 0..3 {
        let (status, body) = at(
            &app,
            Method::POST,
            "/api/v1/auth/passkey/options",
            None,
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = at(
        &app,
        Method::POST,
        "/api/v1/auth/passkey/options",
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("too_many_attempts")),
        "{body}"
    );
}
