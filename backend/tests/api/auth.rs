use reqwest::Method;

use crate::helpers::{GOOD_PASSWORD, header, spawn_app, spawn_app_on_auth_clock, spawn_app_with};

#[tokio::test]
async fn sign_in_returns_a_token_and_strict_httponly_cookies() {
    let app = spawn_app().await;
    app.create_account("alice", "moderator", false).await;

    let response = app.login_response("ALICE", GOOD_PASSWORD).await;

    assert_eq!(response.status(), 200);
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for c in &cookies {
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
    }
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["account"]["username"], "alice");
    assert_eq!(body["account"]["role"], "moderator");
    assert!(
        body["token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(
        !body.to_string().contains("$argon2"),
        "no hash in the answer"
    );
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_account("alice", "admin", false).await;

    let wrong = app
        .login_response("alice", "not the right password at all")
        .await;
    let unknown = app
        .login_response("mallory", "not the right password at all")
        .await;

    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (a, b): (serde_json::Value, serde_json::Value) = (
        wrong.json().await.expect("json"),
        unknown.json().await.expect("json"),
    );
    assert_eq!(a["error"]["code"], "invalid_credentials");
    assert_eq!(a["error"]["message"], b["error"]["message"]);
    assert_eq!(a["error"]["code"], b["error"]["code"]);
    let failures = app.audit_actions("auth.login").await;
    assert_eq!(
        failures.iter().filter(|e| e.outcome == "failure").count(),
        2
    );
}

#[tokio::test]
async fn the_token_works_until_sign_out_then_dies_at_once() {
    let app = spawn_app().await;
    app.create_account("alice", "auditor", false).await;
    let s = app.login("alice", GOOD_PASSWORD).await;

    let me = app
        .bearer(Method::GET, "/api/v1/me", &s.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(me.status(), 200);
    assert_eq!(app.get("/api/v1/me").await.status(), 401, "anonymous");

    let out = app
        .bearer(Method::POST, "/api/v1/auth/logout", &s.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(out.status(), 204);
    let after = app
        .bearer(Method::GET, "/api/v1/me", &s.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        after.status(),
        401,
        "the JWT is still unexpired but its session is gone"
    );
    assert_eq!(app.audit_actions("auth.logout").await.len(), 1);
}

#[tokio::test]
async fn cookies_authenticate_the_spa_and_mutations_need_same_origin() {
    let app = spawn_app().await;
    app.create_account("alice", "admin", false).await;
    let s = app.login("alice", GOOD_PASSWORD).await;
    let cookie = format!("pw_access={}", s.access_cookie);

    let me = app
        .with_cookie(Method::GET, "/api/v1/me", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(me.status(), 200);

    let body = serde_json::json!({"name": "script"});
    let cross = app
        .client
        .post(app.url("/api/v1/me/tokens"))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(cross.status(), 403);
    let no_origin = app
        .client
        .post(app.url("/api/v1/me/tokens"))
        .header("cookie", &cookie)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(no_origin.status(), 403);
    let same = app
        .with_cookie(Method::POST, "/api/v1/me/tokens", &cookie)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(same.status(), 201);
}

#[tokio::test]
async fn refresh_rotates_and_a_stolen_refresh_token_kills_the_session() {
    let clock = plexward::clock::ManualClock::new(plexward::db::time::now_ms());
    let app = spawn_app_on_auth_clock(clock.clone()).await;
    app.create_account("alice", "admin", false).await;
    let s = app.login("alice", GOOD_PASSWORD).await;
    let old = format!("pw_refresh={}", s.refresh_cookie);

    let first = app
        .with_cookie(Method::POST, "/api/v1/auth/refresh", &old)
        .send()
        .await
        .expect("sent");
    assert_eq!(first.status(), 200);
    let new_refresh = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("pw_refresh=")
                .map(|r| r.split(';').next().unwrap_or_default().to_owned())
        })
        .expect("new refresh cookie");
    assert_ne!(new_refresh, s.refresh_cookie);
    let new_token = first.json::<serde_json::Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &new_token, None)
            .await
            .0,
        200
    );

    // The attacker replays the old one after the grace window for concurrent tabs.
    clock.advance(5_100);
    let replay = app
        .with_cookie(Method::POST, "/api/v1/auth/refresh", &old)
        .send()
        .await
        .expect("sent");
    assert_eq!(replay.status(), 401);
    let body: serde_json::Value = replay.json().await.expect("envelope");
    assert_eq!(body["error"]["code"], "session_expired");
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &new_token, None)
            .await
            .0,
        401,
        "session revoked"
    );
    let legit = format!("pw_refresh={new_refresh}");
    let again = app
        .with_cookie(Method::POST, "/api/v1/auth/refresh", &legit)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 401, "the whole family is dead");
    assert_eq!(app.audit_actions("auth.refresh_reuse").await.len(), 1);
}

#[tokio::test]
async fn disabling_an_account_refuses_its_live_token_on_the_next_call() {
    let app = spawn_app().await;
    app.create_account("root", "admin", false).await;
    let bob = app.create_account("bob", "moderator", false).await;
    let admin = app.login("root", GOOD_PASSWORD).await;
    let s = app.login("bob", GOOD_PASSWORD).await;
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &s.token, None).await.0,
        200
    );

    let patch = app
        .bearer(
            Method::PATCH,
            &format!("/api/v1/accounts/{bob}"),
            &admin.token,
        )
        .json(&serde_json::json!({"disabled": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(patch.status(), 200);

    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &s.token, None).await.0,
        401
    );
    let login = app.login_response("bob", GOOD_PASSWORD).await;
    assert_eq!(login.status(), 403);
    assert_eq!(
        login.json::<serde_json::Value>().await.expect("json")["error"]["code"],
        "account_disabled"
    );
}

#[tokio::test]
async fn a_role_change_applies_at_once() {
    let app = spawn_app().await;
    app.create_account("root", "admin", false).await;
    let other = app.create_account("second", "admin", false).await;
    let root = app.login("root", GOOD_PASSWORD).await;
    let second = app.login("second", GOOD_PASSWORD).await;
    assert_eq!(
        app.call(Method::GET, "/api/v1/accounts", &second.token, None)
            .await
            .0,
        200
    );

    let demote = app
        .bearer(
            Method::PATCH,
            &format!("/api/v1/accounts/{other}"),
            &root.token,
        )
        .json(&serde_json::json!({"role": "auditor"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(demote.status(), 200);

    let now = app
        .bearer(Method::GET, "/api/v1/accounts", &second.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(now.status(), 403, "same JWT, new role");
}

#[tokio::test]
async fn sign_in_is_throttled_per_ip_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.login_rate_burst = 3;
        c.login_rate_period_secs = 60;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.login_response("x", "wrong password here")
                .await
                .status(),
            401
        );
    }
    let limited = app.login_response("x", "wrong password here").await;
    assert_eq!(limited.status(), 429);
    assert!(
        header(&limited, "retry-after")
            .parse::<u64>()
            .is_ok_and(|s| s > 0)
    );
    assert_eq!(
        limited.json::<serde_json::Value>().await.expect("json")["error"]["code"],
        "too_many_attempts"
    );
    let audit = app.audit_actions("auth.login").await;
    assert!(audit.iter().any(|e| e.outcome == "denied"));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_name_with_escalating_delay() {
    let app = spawn_app_with(|c| c.login_rate_burst = 1000).await;
    app.create_account("alice", "admin", false).await;
    for _ in 0..6 {
        assert_eq!(
            app.login_response("alice", "wrong password here")
                .await
                .status(),
            401
        );
    }
    // Locked now, even with the right password.
    let locked = app.login_response("alice", GOOD_PASSWORD).await;
    assert_eq!(locked.status(), 429);
    // An unknown name behaves the same (no enumeration).
    for _ in 0..6 {
        app.login_response("nobody", "wrong password here").await;
    }
    assert_eq!(
        app.login_response("nobody", "wrong password here")
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn a_flagged_account_must_change_its_password_before_anything_else() {
    let app = spawn_app().await;
    app.create_account("newbie", "admin", true).await;
    let s = app.login("newbie", GOOD_PASSWORD).await;
    assert_eq!(s.body["account"]["must_change_password"], true);

    let blocked = app
        .bearer(Method::GET, "/api/v1/accounts", &s.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(blocked.status(), 403);
    assert_eq!(
        blocked.json::<serde_json::Value>().await.expect("json")["error"]["code"],
        "password_change_required"
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &s.token, None).await.0,
        200
    );

    let change = |current: &'static str, new: &'static str| {
        app.bearer(Method::PUT, "/api/v1/me/password", &s.token)
            .json(&serde_json::json!({"current_password": current, "new_password": new}))
            .send()
    };
    let weak = change(GOOD_PASSWORD, "password1234").await.expect("sent");
    assert_eq!(weak.status(), 422);
    let body: serde_json::Value = weak.json().await.expect("json");
    assert!(
        body["error"]["fields"]["new_password"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    let wrong = change("not my password at all", "granite orbit lantern fjord")
        .await
        .expect("sent");
    assert_eq!(wrong.status(), 422);
    assert!(wrong.json::<serde_json::Value>().await.expect("json")["error"]["fields"]["current_password"].is_string());

    assert_eq!(
        change(GOOD_PASSWORD, "granite orbit lantern fjord")
            .await
            .expect("sent")
            .status(),
        204
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/accounts", &s.token, None)
            .await
            .0,
        200
    );
    assert_eq!(
        app.login_response("newbie", GOOD_PASSWORD).await.status(),
        401,
        "old password gone"
    );
    assert_eq!(
        app.login_response("newbie", "granite orbit lantern fjord")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = spawn_app().await;
    app.create_account("alice", "auditor", false).await;
    let laptop = app.login("alice", GOOD_PASSWORD).await;
    let phone = app.login("alice", GOOD_PASSWORD).await;

    let change = app
        .bearer(Method::PUT, "/api/v1/me/password", &laptop.token)
        .json(&serde_json::json!({"current_password": GOOD_PASSWORD, "new_password": "granite orbit lantern fjord"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(change.status(), 204);

    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &laptop.token, None)
            .await
            .0,
        200
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &phone.token, None)
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_with_owasp_parameters() {
    let app = spawn_app().await;
    let id = app.create_account("alice", "admin", false).await;
    let stored = plexward::db::run(&app.db, move |conn| plexward::db::accounts::find(conn, id))
        .await
        .expect("read")
        .expect("exists")
        .password_hash;
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
}

#[tokio::test]
async fn first_start_creates_one_admin_who_must_change_the_password() {
    let app = spawn_app().await;
    let admin = plexward::db::run(&app.db, |conn| {
        plexward::db::accounts::find_by_username(conn, "admin")
    })
    .await
    .expect("read")
    .expect("the first admin exists");
    assert_eq!(admin.role, "admin");
    assert!(admin.must_change_password);
    assert_eq!(app.audit_actions("account.create").await.len(), 1);
}

#[tokio::test]
async fn forged_and_garbage_tokens_are_refused() {
    let app = spawn_app().await;
    for token in [
        "garbage",
        "a.b.c",
        "pwt_not-a-real-token",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
    ] {
        let r = app
            .bearer(Method::GET, "/api/v1/me", token)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 401, "{token}");
        assert_eq!(
            r.json::<serde_json::Value>().await.expect("json")["error"]["code"],
            "unauthenticated"
        );
    }
}

#[tokio::test]
async fn demo_mode_seeds_the_documented_accounts() {
    let app = spawn_app_with(|c| c.demo = true).await;
    for (username, role, password) in plexward::auth::bootstrap::DEMO_ACCOUNTS {
        let s = app.login(username, password).await;
        assert_eq!(s.body["account"]["role"], role.as_str());
        assert_eq!(s.body["account"]["must_change_password"], false);
    }
}

#[tokio::test]
async fn refused_requests_are_audited() {
    let app = spawn_app().await;
    app.create_account("aud", "auditor", false).await;
    let s = app.login("aud", GOOD_PASSWORD).await;

    let r = app
        .bearer(Method::GET, "/api/v1/accounts", &s.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 403);

    // Recorded in the background: poll with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let denied = app.audit_actions("authz.denied").await;
        if let Some(event) = denied.first() {
            assert_eq!(event.actor, "aud");
            assert!(
                event
                    .details
                    .as_deref()
                    .is_some_and(|d| d.contains("manage_accounts"))
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no authz.denied event"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn long_ended_sessions_are_purged_at_sign_in() {
    let app = spawn_app().await;
    let id = app.create_account("alice", "auditor", false).await;
    let old = plexward::db::time::now_ms() - 40 * 24 * 3600 * 1000;
    plexward::db::run(&app.db, move |conn| {
        plexward::db::sessions::insert(
            conn,
            &plexward::db::sessions::NewSession {
                id: "ancient",
                account_id: id,
                created_at: old,
                expires_at: old + 1000,
                last_seen_at: old,
                ip: None,
                user_agent: None,
                method: "password",
                mfa_enrolment_pending: false,
            },
        )
    })
    .await
    .expect("inserted");

    app.login("alice", GOOD_PASSWORD).await;

    let left = plexward::db::run(&app.db, |conn| {
        plexward::db::sessions::find(conn, "ancient")
    })
    .await
    .expect("read");
    assert!(left.is_none());
}
