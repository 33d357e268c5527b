//! Two-factor sign-in with TOTP: set up with a code from the secret (computed here, RFC 6238),
//! ten recovery codes once; the password alone then starts no session; a code completes it once
//! (never the same code twice), a recovery code once; wrong codes end the waiting sign-in and are
//! throttled; turning it off takes the password; tokens cannot set it up.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app, spawn_app_with};

fn secret_of(enrolment: &Value) -> Vec<u8> {
    let text = enrolment["secret"].as_str().expect("secret");
    totp_rs::Secret::try_from_base32(text)
        .expect("base32")
        .as_ref()
        .to_vec()
}

fn now_secs() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970")
}

async fn password_step(app: &TestApp, username: &str) -> Value {
    let response = app.login_response(username, GOOD_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookies = response.headers().get("set-cookie").is_some();
    let body: Value = response.json().await.expect("json");
    if body["mfa_required"] == true {
        assert!(!cookies, "no session before the second step");
    }
    body
}

async fn second_step(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/mfa"))
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn totp_is_set_up_with_a_code_then_asked_at_every_sign_in_and_each_code_works_once() {
    // Room for this test's many sign-ins from one address (the throttle has its own tests; the
    // second step shares it, below).
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    app.create_account("carol", "moderator", false).await;
    let token = app.login("carol", GOOD_PASSWORD).await.token;
    let (_, status) = app.call(Method::GET, "/api/v1/me/mfa", &token, None).await;
    assert_eq!(
        status,
        json!({"totp": false, "recovery_codes_left": 0, "passkeys": 0, "required_by_role": false})
    );

    let (code, enrolment) = app
        .call(Method::POST, "/api/v1/me/mfa/totp", &token, None)
        .await;
    assert_eq!(code, 200, "{enrolment}");
    assert!(
        enrolment["otpauth_uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("otpauth://totp/Plexward:carol?")),
        "{enrolment}"
    );
    assert!(
        enrolment["qr_svg"]
            .as_str()
            .is_some_and(|s| s.starts_with("<svg"))
    );
    let secret = secret_of(&enrolment);
    let code_at = |t: u64| plexward::auth::totp::code_at(&secret, t);

    // Not on until a right code proves the app has the secret.
    let (status, bad) = app
        .call(
            Method::POST,
            "/api/v1/me/mfa/totp/confirm",
            &token,
            Some(json!({"code": "000000"})),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad["error"]["fields"]["code"].is_string(), "{bad}");
    let first = password_step(&app, "carol").await;
    assert!(first["token"].is_string(), "still a plain sign-in: {first}");

    let now = now_secs();
    let (status, codes) = app
        .call(
            Method::POST,
            "/api/v1/me/mfa/totp/confirm",
            &token,
            Some(json!({"code": code_at(now)})),
        )
        .await;
    assert_eq!(status, 200, "{codes}");
    let recovery: Vec<String> = codes["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("text").to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    let (_, again) = app
        .call(Method::POST, "/api/v1/me/mfa/totp", &token, None)
        .await;
    assert_eq!(again["error"]["code"], "mfa_already_on", "{again}");

    // The password alone: the second step is asked, no session.
    let challenge = password_step(&app, "carol").await;
    assert_eq!(challenge["mfa_required"], true, "{challenge}");
    assert_eq!(challenge["methods"], json!(["totp", "recovery_code"]));
    assert!(challenge["token"].is_null());
    let mfa_token = challenge["mfa_token"]
        .as_str()
        .expect("mfa token")
        .to_owned();
    // The code used to confirm is used up.
    let (status, replay) =
        second_step(&app, json!({"mfa_token": mfa_token, "code": code_at(now)})).await;
    assert_eq!(status, 401, "{replay}");
    assert_eq!(replay["error"]["code"], "invalid_code");
    // The next step's code (within the ±1 window) signs in, once.
    let next = code_at(now + 30);
    let (status, signed) = second_step(&app, json!({"mfa_token": mfa_token, "code": next})).await;
    assert_eq!(status, 200, "{signed}");
    assert!(signed["token"].is_string(), "{signed}");
    let (status, used) = second_step(&app, json!({"mfa_token": mfa_token, "code": next})).await;
    assert_eq!(status, 401);
    assert_eq!(
        used["error"]["code"], "mfa_expired",
        "the sign-in is over: {used}"
    );
    let other = password_step(&app, "carol").await;
    let (status, twice) =
        second_step(&app, json!({"mfa_token": other["mfa_token"], "code": next})).await;
    assert_eq!(
        status, 401,
        "a code never works twice, even in a new sign-in: {twice}"
    );

    // A recovery code, typed loosely, works once.
    let loose = recovery[0].to_uppercase().replace('-', " ");
    let (status, signed) = second_step(
        &app,
        json!({"mfa_token": other["mfa_token"], "recovery_code": loose}),
    )
    .await;
    assert_eq!(status, 200, "{signed}");
    let third = password_step(&app, "carol").await;
    let (status, _) = second_step(
        &app,
        json!({"mfa_token": third["mfa_token"], "recovery_code": recovery[0]}),
    )
    .await;
    assert_eq!(status, 401, "used");
    let (_, status_now) = app.call(Method::GET, "/api/v1/me/mfa", &token, None).await;
    assert_eq!(
        status_now,
        json!({"totp": true, "recovery_codes_left": 9, "passkeys": 0, "required_by_role": false})
    );

    // Neither or both factors.
    let (status, _) = second_step(&app, json!({"mfa_token": third["mfa_token"]})).await;
    assert_eq!(status, 422);

    // Wrong codes end the waiting sign-in after 5.
    for _ in 0..5 {
        let (status, _) = second_step(
            &app,
            json!({"mfa_token": third["mfa_token"], "code": "999999"}),
        )
        .await;
        assert!(status == 401 || status == 429, "{status}");
    }
    let (status, over) = second_step(
        &app,
        json!({"mfa_token": third["mfa_token"], "recovery_code": recovery[1]}),
    )
    .await;
    assert!(
        over["error"]["code"] == "mfa_expired" || status == 429,
        "{status} {over}"
    );
    assert!(
        !app.audit_actions("auth.mfa").await.is_empty(),
        "second steps are audited"
    );

    // Off, with the password.
    let (status, wrong) = app
        .call(
            Method::DELETE,
            "/api/v1/me/mfa/totp",
            &token,
            Some(json!({"password": "not it"})),
        )
        .await;
    assert_eq!(status, 422, "{wrong}");
    let (status, _) = app
        .call(
            Method::DELETE,
            "/api/v1/me/mfa/totp",
            &token,
            Some(json!({"password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(status, 204);
    let plain = password_step(&app, "carol").await;
    assert!(plain["token"].is_string(), "{plain}");
    assert_eq!(app.audit_actions("account.mfa_enable").await.len(), 1);
    assert_eq!(app.audit_actions("account.mfa_disable").await.len(), 1);
}

#[tokio::test]
async fn an_api_token_cannot_set_up_two_factor_sign_in() {
    let app = spawn_app().await;
    app.create_account("dan", "admin", false).await;
    let session = app.login("dan", GOOD_PASSWORD).await.token;
    let (status, made) = app
        .call(
            Method::POST,
            "/api/v1/me/tokens",
            &session,
            Some(json!({"name": "script"})),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let api_token = made["secret"].as_str().expect("secret");
    let (status, refused) = app
        .call(Method::POST, "/api/v1/me/mfa/totp", api_token, None)
        .await;
    assert_eq!(status, 403, "{refused}");
}

#[tokio::test]
async fn the_command_line_reset_lets_you_in_even_without_your_app() {
    let app = spawn_app().await;
    app.create_account("erin", "admin", false).await;
    let token = app.login("erin", GOOD_PASSWORD).await.token;
    let (_, enrolment) = app
        .call(Method::POST, "/api/v1/me/mfa/totp", &token, None)
        .await;
    let secret = secret_of(&enrolment);
    let code = plexward::auth::totp::code_at(&secret, now_secs());
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/me/mfa/totp/confirm",
            &token,
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(password_step(&app, "erin").await["mfa_required"], true);
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || plexward::auth::bootstrap::reset_password(&db, "erin"))
        .await
        .expect("joined")
        .expect("reset");
    let (status, _) = app.call(Method::GET, "/api/v1/me/mfa", &token, None).await;
    assert_eq!(status, 401, "its sessions ended");
    let events = app.audit_actions("account.password_reset").await;
    assert_eq!(events.len(), 1);
    let details: Value =
        serde_json::from_str(events[0].details.as_deref().unwrap_or("{}")).expect("JSON");
    assert_eq!(details["two_factor_turned_off"], true, "{details}");
    // The new password (printed by the reset) is all it takes now.
    let id = events[0].target_id.clone();
    let left = plexward::db::run(&app.db, move |conn| {
        let id: i64 = id
            .as_deref()
            .and_then(|i| i.parse().ok())
            .unwrap_or_default();
        plexward::db::mfa::totp(conn, id)
    })
    .await
    .expect("read");
    assert!(left.is_none(), "{left:?}");
}
