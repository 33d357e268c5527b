//! `POST /api/v1/password/strength`: the strength meter's scorer is the one password changes
//! enforce, it takes the account's name as context, and a session that must change its password
//! may use it.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{GOOD_PASSWORD, header, spawn_app};

const PATH: &str = "/api/v1/password/strength";

#[tokio::test]
async fn the_meter_and_the_password_change_give_the_same_verdict() {
    let app = spawn_app().await;
    let token = app.token_for("dora", "auditor").await;

    for weak in ["password1234", "plexwardplexward", "short"] {
        let response = app
            .bearer(Method::POST, PATH, &token)
            .json(&json!({ "password": weak }))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{weak}");
        assert_eq!(header(&response, "cache-control"), "no-store");
        let verdict: serde_json::Value = response.json().await.expect("json");
        assert_eq!(verdict["acceptable"], false, "{weak}: {verdict}");
        assert!(
            verdict["score"].as_u64().is_some_and(|s| s < 3),
            "{verdict}"
        );
        let message = verdict["message"].as_str().expect("message");
        assert!(!message.is_empty());

        // The change refuses it with exactly the meter's words.
        let (status, refused) = app
            .call(
                Method::PUT,
                "/api/v1/me/password",
                &token,
                Some(json!({ "current_password": GOOD_PASSWORD, "new_password": weak })),
            )
            .await;
        assert_eq!(status, 422, "{weak}");
        assert_eq!(
            refused["error"]["fields"]["new_password"], message,
            "{weak}"
        );
    }

    let (status, strong) = app
        .call(
            Method::POST,
            PATH,
            &token,
            Some(json!({ "password": "granite orbit lantern fjord" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(strong["acceptable"], true, "{strong}");
    assert!(strong["score"].as_u64().is_some_and(|s| s >= 3), "{strong}");
    assert_eq!(strong["message"], "");
}

#[tokio::test]
async fn the_account_name_is_context_the_callers_own_by_default() {
    let app = spawn_app().await;
    let token = app.token_for("zqvmorplantix", "admin").await;
    let verdict = |body: serde_json::Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let (status, answer) = app.call(Method::POST, PATH, &token, Some(body)).await;
            assert_eq!(status, 200, "{answer}");
            answer["acceptable"].as_bool().expect("acceptable")
        }
    };
    // Built on the caller's own name: weak.
    assert!(!verdict(json!({ "password": "zqvmorplantix!" })).await);
    // For another account (an admin creating "bob"), the caller's name is no longer context…
    assert!(verdict(json!({ "password": "zqvmorplantix!", "username": "bob" })).await);
    // …and that account's name is.
    assert!(!verdict(json!({ "password": "wyrdflenxkopa7", "username": "wyrdflenxkopa" })).await);
    assert!(verdict(json!({ "password": "wyrdflenxkopa7", "username": "bob" })).await);
}

#[tokio::test]
async fn a_session_that_must_change_its_password_may_score_one() {
    let app = spawn_app().await;
    app.create_account("newbie", "auditor", true).await;
    let signed_in = app.login("newbie", GOOD_PASSWORD).await;
    let (status, answer) = app
        .call(
            Method::POST,
            PATH,
            &signed_in.token,
            Some(json!({ "password": "granite orbit lantern fjord" })),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["acceptable"], true);

    // Unknown fields and a missing password are the usual 400, not a verdict.
    for body in [json!({}), json!({ "password": "x", "extra": 1 })] {
        let (status, answer) = app
            .call(Method::POST, PATH, &signed_in.token, Some(body))
            .await;
        assert_eq!(status, 400, "{answer}");
    }
}

#[tokio::test]
async fn openapi_documents_the_strength_check() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("JSON");
    let operation = &doc["paths"][PATH]["post"];
    assert!(operation.is_object(), "{PATH} is documented");
    assert!(operation["responses"]["200"].is_object());
    for schema in ["PasswordStrengthRequest", "PasswordCheck"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}
