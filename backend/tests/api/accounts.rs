use reqwest::Method;
use serde_json::json;

use crate::helpers::{GOOD_PASSWORD, spawn_app};

#[tokio::test]
async fn an_admin_creates_a_moderator_who_can_sign_in_but_not_administer() {
    let app = spawn_app().await;
    app.create_account("root", "admin", false).await;
    let root = app.login("root", GOOD_PASSWORD).await.token;

    let new =
        json!({"username": "Mia", "password": "amber falcon ridge tumble", "role": "moderator"});
    let (status, body) = app
        .call(Method::POST, "/api/v1/accounts", &root, Some(new))
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["must_change_password"], true);

    let again =
        json!({"username": "mia", "password": "amber falcon ridge tumble", "role": "auditor"});
    let (status, _) = app
        .call(Method::POST, "/api/v1/accounts", &root, Some(again))
        .await;
    assert_eq!(status, 409, "usernames are case-insensitive");

    let mia = app.login("mia", "amber falcon ridge tumble").await;
    assert_eq!(mia.body["account"]["role"], "moderator");
    let change = json!({"current_password": "amber falcon ridge tumble", "new_password": "quiet meadow copper lantern"});
    let (status, _) = app
        .call(Method::PUT, "/api/v1/me/password", &mia.token, Some(change))
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .call(Method::GET, "/api/v1/accounts", &mia.token, None)
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        app.audit_actions("account.create").await.len(),
        2,
        "first admin + Mia"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_field_errors() {
    let app = spawn_app().await;
    app.create_account("root", "admin", false).await;
    let root = app.login("root", GOOD_PASSWORD).await.token;
    for (body, field) in [
        (
            json!({"username": "", "password": "amber falcon ridge tumble", "role": "auditor"}),
            "username",
        ),
        (
            json!({"username": "bad name!", "password": "amber falcon ridge tumble", "role": "auditor"}),
            "username",
        ),
        (
            json!({"username": "weak", "password": "weakpassword", "role": "auditor"}),
            "password",
        ),
    ] {
        let (status, answer) = app
            .call(Method::POST, "/api/v1/accounts", &root, Some(body.clone()))
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(answer["error"]["fields"][field].is_string(), "{answer}");
    }
    let unknown_role =
        json!({"username": "x", "password": "amber falcon ridge tumble", "role": "root"});
    let (status, _) = app
        .call(Method::POST, "/api/v1/accounts", &root, Some(unknown_role))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn admins_cannot_demote_disable_or_delete_themselves() {
    let app = spawn_app().await;
    let root_id = app.create_account("root", "admin", false).await;
    let root = app.login("root", GOOD_PASSWORD).await.token;
    let path = format!("/api/v1/accounts/{root_id}");

    for (method, body) in [
        (Method::PATCH, Some(json!({"role": "auditor"}))),
        (Method::PATCH, Some(json!({"disabled": true}))),
        (Method::DELETE, None),
    ] {
        let (status, answer) = app.call(method.clone(), &path, &root, body.clone()).await;
        assert_eq!(status, 409, "{method} {body:?}");
        assert_eq!(answer["error"]["code"], "self_change_refused");
    }
}

/// The last-admin guard is only reachable through a race (an acting admin is itself an enabled
/// admin): two admins demoting each other at once must not leave the server without one.
#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = spawn_app().await;
    let bootstrap = app.account_id("admin").await;
    let a = app.create_account("a", "admin", false).await;
    let b = app.create_account("b", "admin", false).await;
    let ta = app.login("a", GOOD_PASSWORD).await.token;
    let tb = app.login("b", GOOD_PASSWORD).await.token;
    let off = json!({"disabled": true});
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/accounts/{bootstrap}"),
            &ta,
            Some(off),
        )
        .await;
    assert_eq!(status, 200);

    for round in 0..5 {
        let demote = json!({"role": "moderator"});
        let (path_a, path_b) = (
            format!("/api/v1/accounts/{a}"),
            format!("/api/v1/accounts/{b}"),
        );
        let (ra, rb) = tokio::join!(
            app.call(Method::PATCH, &path_b, &ta, Some(demote.clone())),
            app.call(Method::PATCH, &path_a, &tb, Some(demote)),
        );
        assert!(
            !(ra.0 == 200 && rb.0 == 200),
            "round {round}: both demotions went through"
        );
        for (status, body) in [&ra, &rb] {
            assert!(
                matches!(status, 200 | 403 | 409),
                "round {round}: {status} {body}"
            );
            if *status == 409 {
                assert_eq!(body["error"]["code"], "last_admin");
            }
        }
        let enabled_admins = plexward::db::run(&app.db, |conn| {
            plexward::db::accounts::count_other_active_admins(conn, -1)
        })
        .await
        .expect("count");
        assert_eq!(enabled_admins, 1, "round {round}");
        // Restore both as admins through whoever is still one.
        let (admin_token, other) = if ra.0 == 200 { (&ta, b) } else { (&tb, a) };
        let (status, _) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/accounts/{other}"),
                admin_token,
                Some(json!({"role": "admin"})),
            )
            .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn deleting_an_account_kills_its_sessions_and_tokens() {
    let app = spawn_app().await;
    app.create_account("root", "admin", false).await;
    let bob = app.create_account("bob", "auditor", false).await;
    let root = app.login("root", GOOD_PASSWORD).await.token;
    let s = app.login("bob", GOOD_PASSWORD).await.token;
    let (_, body) = app
        .call(
            Method::POST,
            "/api/v1/me/tokens",
            &s,
            Some(json!({"name": "t"})),
        )
        .await;
    let secret = body["secret"].as_str().expect("secret").to_owned();

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/accounts/{bob}"),
            &root,
            None,
        )
        .await;
    assert_eq!(status, 204);

    assert_eq!(app.call(Method::GET, "/api/v1/me", &s, None).await.0, 401);
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", &secret, None).await.0,
        401
    );
    assert_eq!(app.audit_actions("account.delete").await.len(), 1);
}
