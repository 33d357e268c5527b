//! Sessions you can see and end, your own and (admins) anyone's; what a password or two-factor
//! change does to the other sessions and tokens; two-factor sign-in required per role (the
//! account sets it up at its next sign-in before anything else, and cannot turn it off); an
//! admin's reset of another account's two-factor sign-in.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app_with};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// Signs `username` in with `user_agent`: its bearer token and the login answer.
async fn sign_in_as(app: &TestApp, username: &str, user_agent: &str) -> (String, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("user-agent", user_agent)
        .json(&json!({"username": username, "password": GOOD_PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200, "sign-in of {username}");
    let body: Value = response.json().await.expect("json");
    (body["token"].as_str().unwrap_or_default().to_owned(), body)
}

async fn status_of(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    app.call(Method::GET, path, token, None).await
}

fn details(event: &plexward::db::audit::AuditEvent) -> Value {
    serde_json::from_str(event.details.as_deref().unwrap_or("{}")).expect("json details")
}

fn now_secs() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970")
}

/// Sets TOTP up for the session `token`: its secret.
async fn turn_on_totp(app: &TestApp, token: &str, extra: Value) -> Vec<u8> {
    let (status, enrolment) = app
        .call(Method::POST, "/api/v1/me/mfa/totp", token, None)
        .await;
    assert_eq!(status, 200, "{enrolment}");
    let secret = totp_rs::Secret::try_from_base32(enrolment["secret"].as_str().expect("secret"))
        .expect("base32")
        .as_ref()
        .to_vec();
    let mut body = json!({"code": plexward::auth::totp::code_at(&secret, now_secs())});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let (status, codes) = app
        .call(
            Method::POST,
            "/api/v1/me/mfa/totp/confirm",
            token,
            Some(body),
        )
        .await;
    assert_eq!(status, 200, "{codes}");
    secret
}

#[tokio::test]
async fn you_see_your_sessions_and_end_one_or_all_others() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    app.create_account("carol", "moderator", false).await;
    let (laptop, _) = sign_in_as(&app, "carol", FIREFOX).await;
    let (script, _) = sign_in_as(&app, "carol", "curl/8.5.0").await;
    let (phone, _) = sign_in_as(&app, "carol", "python-requests/2.32").await;

    let (status, list) = status_of(&app, &laptop, "/api/v1/me/sessions").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 3, "{list}");
    let items = list["items"].as_array().expect("items");
    let current: Vec<&Value> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "exactly this one is current: {list}");
    assert_eq!(current[0]["device"], "Firefox on Linux");
    assert_eq!(current[0]["method"], "password");
    assert_eq!(current[0]["ip"], "127.0.0.1");
    assert!(
        items.iter().all(|s| s.get("refresh_token").is_none()),
        "{list}"
    );
    let curl = items
        .iter()
        .find(|s| s["device"] == "curl")
        .expect("the curl session");

    // End one: its access stops at once, the others go on.
    let path = format!("/api/v1/me/sessions/{}", curl["id"].as_str().expect("id"));
    let (status, _) = app.call(Method::DELETE, &path, &laptop, None).await;
    assert_eq!(status, 204);
    assert_eq!(status_of(&app, &script, "/api/v1/me").await.0, 401);
    assert_eq!(status_of(&app, &phone, "/api/v1/me").await.0, 200);
    let (status, _) = app.call(Method::DELETE, &path, &laptop, None).await;
    assert_eq!(status, 404, "an ended session is not live any more");
    assert_eq!(app.audit_actions("session.end").await.len(), 1);

    // All others: this one stays.
    let (status, ended) = app
        .call(Method::DELETE, "/api/v1/me/sessions", &laptop, None)
        .await;
    assert_eq!((status, ended), (200, json!({"ended": 1})));
    assert_eq!(status_of(&app, &phone, "/api/v1/me").await.0, 401);
    let (_, list) = status_of(&app, &laptop, "/api/v1/me/sessions").await;
    assert_eq!(list["total"], 1, "{list}");

    // Another account's session is not yours to end, nor to see.
    let admin = app.token_for("root", "admin").await;
    let (_, theirs) = status_of(&app, &admin, "/api/v1/me/sessions").await;
    let admin_session = theirs["items"][0]["id"].as_str().expect("id").to_owned();
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/me/sessions/{admin_session}"),
            &laptop,
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(status_of(&app, &admin, "/api/v1/me").await.0, 200);
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn admins_see_and_end_anyones_sessions() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    let carol = app.create_account("carol", "moderator", false).await;
    let (first, _) = sign_in_as(&app, "carol", FIREFOX).await;
    let (second, _) = sign_in_as(&app, "carol", "curl/8.5.0").await;
    let admin = app.token_for("root", "admin").await;

    let path = format!("/api/v1/accounts/{carol}/sessions");
    let (status, list) = status_of(&app, &admin, &path).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 2);
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|s| s["current"] == false && s["account_id"] == carol),
        "{list}"
    );
    let one = list["items"][0]["id"].as_str().expect("id").to_owned();
    let (status, _) = app
        .call(Method::DELETE, &format!("{path}/{one}"), &admin, None)
        .await;
    assert_eq!(status, 204);
    let (status, ended) = app.call(Method::DELETE, &path, &admin, None).await;
    assert_eq!((status, ended), (200, json!({"ended": 1})));
    assert_eq!(status_of(&app, &first, "/api/v1/me").await.0, 401);
    assert_eq!(status_of(&app, &second, "/api/v1/me").await.0, 401);
    let events = app.audit_actions("session.end_all").await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].target_id.as_deref(),
        Some(carol.to_string().as_str())
    );

    // A moderator may not; no such account is a 404.
    let (moderator, _) = sign_in_as(&app, "carol", FIREFOX).await;
    let admin_id = app.account_id("root").await;
    let (status, _) = status_of(
        &app,
        &moderator,
        &format!("/api/v1/accounts/{admin_id}/sessions"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = status_of(&app, &admin, "/api/v1/accounts/999999/sessions").await;
    assert_eq!(status, 404);
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn a_password_or_two_factor_change_ends_other_sessions_and_tokens_only_when_asked() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    app.create_account("carol", "moderator", false).await;
    let (here, _) = sign_in_as(&app, "carol", FIREFOX).await;
    let (elsewhere, _) = sign_in_as(&app, "carol", "curl/8.5.0").await;
    let (status, made) = app
        .call(
            Method::POST,
            "/api/v1/me/tokens",
            &here,
            Some(json!({"name": "nightly", "role": "moderator"})),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let token = made["secret"].as_str().expect("secret").to_owned();

    // Two-factor on, keeping everything: the other session and the token go on.
    turn_on_totp(&app, &here, json!({})).await;
    assert_eq!(status_of(&app, &elsewhere, "/api/v1/me").await.0, 200);
    assert_eq!(status_of(&app, &token, "/api/v1/me").await.0, 200);

    // Off, ending the other sessions but keeping the token.
    let (status, body) = app
        .call(
            Method::DELETE,
            "/api/v1/me/mfa/totp",
            &here,
            Some(json!({"password": GOOD_PASSWORD, "end_other_sessions": true})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(status_of(&app, &elsewhere, "/api/v1/me").await.0, 401);
    assert_eq!(status_of(&app, &token, "/api/v1/me").await.0, 200);
    assert_eq!(status_of(&app, &here, "/api/v1/me").await.0, 200);
    let off = app.audit_actions("account.mfa_disable").await;
    assert_eq!(details(&off[0])["other_sessions_ended"], 1, "{:?}", off[0]);

    // A password change that keeps the other sessions (and here the token too).
    let (elsewhere, _) = sign_in_as(&app, "carol", "curl/8.5.0").await;
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/me/password",
            &here,
            Some(json!({
                "current_password": GOOD_PASSWORD,
                "new_password": "amber lantern drifting north",
                "end_other_sessions": false,
                "revoke_tokens": false,
            })),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(status_of(&app, &elsewhere, "/api/v1/me").await.0, 200);
    assert_eq!(status_of(&app, &token, "/api/v1/me").await.0, 200);
    // The default still ends both.
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/me/password",
            &here,
            Some(json!({
                "current_password": "amber lantern drifting north",
                "new_password": "violet kettle marching upstream",
            })),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(status_of(&app, &elsewhere, "/api/v1/me").await.0, 401);
    assert_eq!(status_of(&app, &token, "/api/v1/me").await.0, 401);
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn a_role_that_requires_two_factor_sets_it_up_at_the_next_sign_in_before_anything_else() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    app.create_account("carol", "moderator", false).await;
    app.create_account("dave", "auditor", false).await;
    let (before, _) = sign_in_as(&app, "carol", FIREFOX).await;
    let admin = app.token_for("root", "admin").await;

    let (status, saved) = app
        .call(
            Method::PUT,
            "/api/v1/settings/sign-in",
            &admin,
            Some(json!({"mfa_required_roles": ["moderator", "moderator"]})),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        saved,
        json!({"mfa_required_roles": ["moderator"], "local_sign_in": true})
    );
    let (status, bad) = app
        .call(
            Method::PUT,
            "/api/v1/settings/sign-in",
            &admin,
            Some(json!({"mfa_required_roles": ["owner"]})),
        )
        .await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["error"]["code"], "invalid_body");
    assert_eq!(
        app.audit_actions("settings.sign_in_update").await.len(),
        1,
        "the refused one saved nothing"
    );

    // A session from before goes on; an auditor is not asked.
    assert_eq!(status_of(&app, &before, "/api/v1/plex-users").await.0, 200);
    let (dave, answer) = sign_in_as(&app, "dave", FIREFOX).await;
    assert_eq!(answer["account"]["mfa_enrolment_required"], false);
    assert_eq!(status_of(&app, &dave, "/api/v1/plex-users").await.0, 200);

    // The next sign-in of a moderator may only set it up.
    let (carol, answer) = sign_in_as(&app, "carol", FIREFOX).await;
    assert_eq!(
        answer["account"]["mfa_enrolment_required"], true,
        "{answer}"
    );
    let (status, refused) = status_of(&app, &carol, "/api/v1/plex-users").await;
    assert_eq!(status, 403);
    assert_eq!(refused["error"]["code"], "mfa_enrolment_required");
    let (status, me) = status_of(&app, &carol, "/api/v1/me").await;
    assert_eq!(
        (status, me["mfa_enrolment_required"].clone()),
        (200, json!(true))
    );
    let (status, _) = status_of(&app, &carol, "/api/v1/me/sessions").await;
    assert_eq!(status, 403, "not even its sessions");
    let (status, mfa) = status_of(&app, &carol, "/api/v1/me/mfa").await;
    assert_eq!(
        (status, mfa["required_by_role"].clone()),
        (200, json!(true))
    );
    let (status, _) = status_of(&app, &carol, "/api/v1/me/tokens").await;
    assert_eq!(
        status, 200,
        "the set-up form names the tokens that keep working"
    );
    turn_on_totp(&app, &carol, json!({})).await;
    assert_eq!(status_of(&app, &carol, "/api/v1/plex-users").await.0, 200);
    let (_, me) = status_of(&app, &carol, "/api/v1/me").await;
    assert_eq!(me["mfa_enrolment_required"], false);
    assert_eq!(me["mfa_enabled"], true);

    // While the role requires it, it stays on.
    let (status, kept) = app
        .call(
            Method::DELETE,
            "/api/v1/me/mfa/totp",
            &carol,
            Some(json!({"password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(status, 409, "{kept}");
    assert_eq!(kept["error"]["code"], "mfa_required");

    // The accounts list shows who has it.
    let (_, accounts) = status_of(&app, &admin, "/api/v1/accounts").await;
    let of = |name: &str| {
        accounts["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|a| a["username"] == name)
            .expect("listed")["mfa_enabled"]
            .clone()
    };
    assert_eq!((of("carol"), of("dave")), (json!(true), json!(false)));
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn an_admin_resets_another_accounts_two_factor_and_its_sessions_end() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    let carol = app.create_account("carol", "moderator", false).await;
    let (carol_token, _) = sign_in_as(&app, "carol", FIREFOX).await;
    turn_on_totp(&app, &carol_token, json!({})).await;
    let admin = app.token_for("root", "admin").await;

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/accounts/{carol}/mfa"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(status_of(&app, &carol_token, "/api/v1/me").await.0, 401);
    let events = app.audit_actions("account.mfa_reset").await;
    assert_eq!(events.len(), 1);
    assert_eq!(details(&events[0])["sessions_ended"], 1, "{:?}", events[0]);
    // The password alone signs it in again.
    let (again, answer) = sign_in_as(&app, "carol", FIREFOX).await;
    assert!(answer["token"].is_string(), "{answer}");
    assert_eq!(answer["account"]["mfa_enabled"], false);
    assert_eq!(status_of(&app, &again, "/api/v1/me").await.0, 200);

    // Not your own (that takes your password, under My account); no such account is a 404.
    let admin_id = app.account_id("root").await;
    let (status, own) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/accounts/{admin_id}/mfa"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 409, "{own}");
    let (status, _) = app
        .call(Method::DELETE, "/api/v1/accounts/999999/mfa", &admin, None)
        .await;
    assert_eq!(status, 404);
    app.assert_no_jobs_left().await;
}
