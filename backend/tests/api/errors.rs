use crate::helpers::{assert_security_headers, spawn_app};

#[tokio::test]
async fn unknown_api_paths_get_the_json_404_envelope() {
    let app = spawn_app().await;

    for path in [
        "/api/v1/nope",
        "/api/v2/health",
        "/api",
        "/api/v1/health/extra",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_security_headers(&response);
        let request_id = crate::helpers::header(&response, "x-request-id").to_owned();
        let body: serde_json::Value = response.json().await.expect("JSON body");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
        assert_eq!(body["error"]["request_id"], request_id.as_str(), "{path}");
    }
}

#[tokio::test]
async fn wrong_method_on_an_api_path_is_a_json_error() {
    let app = spawn_app().await;
    let response = app
        .client
        .delete(app.url("/api/v1/health"))
        .send()
        .await
        .expect("sent");
    assert!(response.status().is_client_error());
    let body: serde_json::Value = response.json().await.expect("JSON body");
    assert!(body["error"]["code"].is_string());
}
