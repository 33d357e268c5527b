//! The document's security: `bearerAuth` and `apiKeyAuth` declared, and required exactly by the
//! operations that refuse a caller without credentials.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn both_schemes_are_declared_and_every_operation_needing_credentials_requires_one() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("JSON");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearerAuth"]["type"], "http");
    assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
    assert_eq!(schemes["apiKeyAuth"]["type"], "apiKey");
    assert_eq!(schemes["apiKeyAuth"]["in"], "header");
    assert_eq!(schemes["apiKeyAuth"]["name"], "X-Api-Key");

    let mut public = Vec::new();
    let mut secured = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let Ok(verb) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let Some(requirement) = operation.get("security") else {
                public.push(format!("{method} {path}"));
                continue;
            };
            assert_eq!(
                requirement,
                &json!([{ "bearerAuth": [] }, { "apiKeyAuth": [] }]),
                "{method} {path}: either scheme"
            );
            secured += 1;
            // Every path parameter is an id or a name: `1` fits all of them.
            let concrete = path
                .split('/')
                .map(|part| if part.starts_with('{') { "1" } else { part })
                .collect::<Vec<_>>()
                .join("/");
            let response = app
                .client
                .request(verb.clone(), app.url(&concrete))
                .send()
                .await
                .expect("sent");
            assert_eq!(
                response.status(),
                401,
                "{method} {path} without credentials"
            );
        }
    }
    public.sort();
    assert_eq!(
        public,
        [
            "delete /api/v1/portal/requests/{id}",
            "get /api/v1/auth/sso",
            "get /api/v1/auth/sso/callback",
            "get /api/v1/auth/sso/start",
            "get /api/v1/health",
            "get /api/v1/openapi.json",
            "get /api/v1/portal",
            "get /api/v1/portal/me",
            "get /api/v1/portal/requests",
            "get /api/v1/portal/sign-in/{id}",
            "post /api/v1/auth/login",
            "post /api/v1/auth/logout",
            "post /api/v1/auth/mfa",
            "post /api/v1/auth/mfa/passkey/options",
            "post /api/v1/auth/passkey",
            "post /api/v1/auth/passkey/options",
            "post /api/v1/auth/refresh",
            "post /api/v1/portal/requests",
            "post /api/v1/portal/sign-in",
            "post /api/v1/portal/sign-out",
        ]
    );
    assert!(secured > 30, "{secured} operations");
}
