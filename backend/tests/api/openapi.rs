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
