use reqwest::Method;

use crate::helpers::{header, spawn_app};

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/openapi.json").await;

    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.expect("JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    assert!(doc["paths"]["/api/v1/health"]["get"].is_object());
    assert!(doc["components"]["schemas"]["ErrorResponse"].is_object());
}

#[tokio::test]
async fn interactive_docs_are_served_with_their_own_policy() {
    let app = spawn_app().await;

    let redirect = app.get("/api/docs").await;
    assert_eq!(redirect.status(), 308);
    assert_eq!(header(&redirect, "location"), "/api/docs/");

    let page = app.get("/api/docs/").await;
    assert_eq!(page.status(), 200);
    assert!(header(&page, "content-type").starts_with("text/html"));
    let csp = header(&page, "content-security-policy").to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    let html = page.text().await.expect("html");
    assert!(html.contains("swagger"), "Swagger UI page");

    let init = app.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(init.status(), 200);
    assert!(
        init.text()
            .await
            .expect("js")
            .contains("/api/v1/openapi.json")
    );
}

/// Every `$ref` names a schema the document has: a dangling one (a query parameter's enum that
/// utoipa-actix-web did not collect) made clients and the fuzzer reject whole operations.
#[tokio::test]
async fn every_schema_reference_resolves() {
    fn refs<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                    found.push(target);
                }
                map.values().for_each(|v| refs(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("JSON");

    let mut found = Vec::new();
    refs(&doc, &mut found);

    assert!(found.len() > 50, "the document uses references");
    let dangling: Vec<_> = found
        .into_iter()
        .filter(|r| {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
            !doc["components"]["schemas"][name].is_object()
        })
        .collect();
    assert!(dangling.is_empty(), "dangling references: {dangling:?}");
}

/// The answers the layers in front of the handlers give (the fuzzer found them undocumented) are
/// in the document for the operations that gave them.
#[tokio::test]
async fn shared_error_answers_are_documented() {
    let app = spawn_app().await;
    let token = app.token_for("mod", "moderator").await;
    let doc: serde_json::Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("JSON");
    let documented = |path: &str, method: &str, status: u16| {
        let answer = &doc["paths"][path][method]["responses"][status.to_string()];
        answer["content"]["application/json"]["schema"]["$ref"]
            == "#/components/schemas/ErrorResponse"
    };

    // An id that is not an integer: 400.
    let path_error = app
        .bearer(
            Method::GET,
            "/api/v1/plex-users/9223372036854775808",
            &token,
        )
        .send()
        .await
        .expect("sent");
    // A body that is not JSON: 415; JSON of the wrong shape: 400.
    let not_json = app
        .bearer(Method::PUT, "/api/v1/plex-users/1/grants", &token)
        .header("content-type", "text/plain")
        .body("grants")
        .send()
        .await
        .expect("sent");
    let (wrong_shape, _) = app
        .call(
            Method::PUT,
            "/api/v1/plex-users/1/grants",
            &token,
            Some(serde_json::json!({"grants": 5})),
        )
        .await;
    // No credentials: 401.
    let anonymous = app.get("/api/v1/scheduler").await;

    let seen = [
        (
            "/api/v1/plex-users/{id}",
            "get",
            path_error.status().as_u16(),
            400,
        ),
        (
            "/api/v1/plex-users/{id}/grants",
            "put",
            not_json.status().as_u16(),
            415,
        ),
        ("/api/v1/plex-users/{id}/grants", "put", wrong_shape, 400),
        ("/api/v1/scheduler", "get", anonymous.status().as_u16(), 401),
    ];
    for (path, method, status, expected) in seen {
        assert_eq!(status, expected, "{method} {path}");
        assert!(documented(path, method, status), "{method} {path} {status}");
    }
}
