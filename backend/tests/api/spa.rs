use base64::Engine;
use sha2::{Digest, Sha256};

use crate::helpers::{
    LOADER, assert_security_headers, header, spawn_app, spawn_app_with, write_fake_web_ui,
};

async fn app_with_ui() -> crate::helpers::TestApp {
    let web = tempfile::tempdir().expect("tmp").keep();
    write_fake_web_ui(&web);
    spawn_app_with(|config| config.web_dir = web).await
}

#[tokio::test]
async fn client_routes_get_the_page_with_a_hash_pinned_policy() {
    let app = app_with_ui().await;
    let loader_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(LOADER.as_bytes()));

    for path in ["/", "/plex-users/42", "/settings", "/index.html"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_security_headers(&response);
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        let csp = header(&response, "content-security-policy").to_owned();
        assert!(csp.contains(&format!("'sha256-{loader_hash}'")), "{csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(
            response
                .text()
                .await
                .expect("html")
                .contains("<title>Plexward</title>")
        );
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_others_revalidated() {
    let app = app_with_ui().await;

    let js = app.get("/plexward-web-0123456789abcdef.js").await;
    assert_eq!(js.status(), 200);
    assert_security_headers(&js);
    assert!(header(&js, "content-type").contains("javascript"));
    assert_eq!(
        header(&js, "cache-control"),
        "public, max-age=31536000, immutable"
    );

    let svg = app.get("/favicon.svg").await;
    assert_eq!(svg.status(), 200);
    assert_eq!(header(&svg, "cache-control"), "no-cache");
}

#[tokio::test]
async fn missing_files_and_escapes_are_404_not_the_page() {
    let app = app_with_ui().await;
    for path in [
        "/missing-0123456789abcdef.js",
        "/../Cargo.toml",
        "/..%2f..%2fCargo.toml",
        "/.hidden.txt",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_security_headers(&response);
    }
}

#[tokio::test]
async fn without_a_built_ui_the_root_explains_itself() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 503);
    assert_security_headers(&response);
    assert!(
        response
            .text()
            .await
            .expect("html")
            .contains("has not been built")
    );
}
