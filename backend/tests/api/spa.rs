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

/// The build's precompressed copies beside the fake UI's files: brotli's are marked bytes (the
/// server only streams them), gzip's are real.
fn write_precompressed(dir: &std::path::Path, name: &str) -> (Vec<u8>, Vec<u8>) {
    use std::io::Write as _;
    let original = std::fs::read(dir.join(name)).expect("original");
    let brotli = [b"brotli of ".as_slice(), name.as_bytes()].concat();
    std::fs::write(dir.join(format!("{name}.br")), &brotli).expect("br");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&original).expect("gzip");
    let gzip = gz.finish().expect("gzip");
    std::fs::write(dir.join(format!("{name}.gz")), &gzip).expect("gz");
    (brotli, gzip)
}

async fn get_encoded(
    app: &crate::helpers::TestApp,
    path: &str,
    accept: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    request.send().await.expect("sent")
}

#[tokio::test]
async fn assets_are_served_precompressed_by_accept_encoding() {
    let web = tempfile::tempdir().expect("tmp").keep();
    write_fake_web_ui(&web);
    let js = "plexward-web-0123456789abcdef.js";
    let (brotli, gzip) = write_precompressed(&web, js);
    let original = std::fs::read(web.join(js)).expect("js");
    let app = spawn_app_with(|config| config.web_dir = web).await;
    let path = format!("/{js}");

    for (accept, encoding, body) in [
        (Some("gzip, deflate, br, zstd"), "br", &brotli),
        (Some("br;q=0.1, gzip;q=1.0"), "br", &brotli),
        (Some("gzip, deflate"), "gzip", &gzip),
        (Some("br;q=0, gzip"), "gzip", &gzip),
        (None, "", &original),
    ] {
        let response = get_encoded(&app, &path, accept).await;
        assert_eq!(response.status(), 200, "{accept:?}");
        assert_security_headers(&response);
        assert_eq!(
            header(&response, "content-encoding"),
            encoding,
            "{accept:?}"
        );
        assert!(
            header(&response, "content-type").starts_with("text/javascript")
                || header(&response, "content-type").starts_with("application/javascript"),
            "{accept:?}: {}",
            header(&response, "content-type")
        );
        assert!(
            header(&response, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{accept:?}"
        );
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{accept:?}"
        );
        let received = response.bytes().await.expect("body");
        assert_eq!(&received[..], &body[..], "{accept:?}");
    }

    // The gzip copy really is the file.
    let mut unpacked = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut unpacked)
        .expect("gunzip");
    assert_eq!(unpacked.as_bytes(), &original[..]);

    // A copy without its file is not served.
    std::fs::remove_file(app.config().web_dir.join(js)).expect("rm");
    let orphan = get_encoded(&app, &path, Some("br")).await;
    assert_eq!(orphan.status(), 404);
}

#[tokio::test]
async fn the_page_is_precompressed_too_and_never_cached() {
    let web = tempfile::tempdir().expect("tmp").keep();
    write_fake_web_ui(&web);
    let (brotli, gzip) = write_precompressed(&web, "index.html");
    let app = spawn_app_with(|config| config.web_dir = web).await;

    for (path, accept, encoding, body) in [
        ("/", Some("gzip, br"), "br", brotli.as_slice()),
        ("/settings", Some("gzip"), "gzip", gzip.as_slice()),
        (
            "/index.html",
            None,
            "",
            crate::helpers::INDEX_HTML.as_bytes(),
        ),
    ] {
        let response = get_encoded(&app, path, accept).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_security_headers(&response);
        assert_eq!(header(&response, "content-encoding"), encoding, "{path}");
        assert_eq!(
            header(&response, "content-type"),
            "text/html; charset=utf-8"
        );
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert!(
            header(&response, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding")
        );
        assert!(header(&response, "content-security-policy").contains("'wasm-unsafe-eval'"));
        assert_eq!(&response.bytes().await.expect("body")[..], body, "{path}");
    }
}

#[tokio::test]
async fn a_copy_older_than_its_file_is_ignored() {
    let web = tempfile::tempdir().expect("tmp").keep();
    write_fake_web_ui(&web);
    write_precompressed(&web, "favicon.svg");
    // The file was rebuilt after the copies were made (a build that skipped the script).
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for ext in ["br", "gz"] {
        std::fs::File::options()
            .write(true)
            .open(web.join(format!("favicon.svg.{ext}")))
            .and_then(|f| f.set_modified(old))
            .expect("backdate");
    }
    let app = spawn_app_with(|config| config.web_dir = web).await;

    let response = get_encoded(&app, "/favicon.svg", Some("br")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-encoding"), "");
    assert_eq!(header(&response, "cache-control"), "no-cache");
    assert!(response.text().await.expect("svg").starts_with("<svg"));
}

#[tokio::test]
async fn under_a_base_path_everything_is_served_there_and_only_there() {
    let web = tempfile::tempdir().expect("tmp").keep();
    write_fake_web_ui(&web);
    let app = spawn_app_with(|config| {
        config.web_dir = web;
        config.base_path = "/plexward".into();
    })
    .await;
    let no_redirects = &app.client;

    let health = app.get("/plexward/api/v1/health").await;
    assert_eq!(health.status(), 200);
    assert_security_headers(&health);
    assert_eq!(
        header(&health, "cross-origin-resource-policy"),
        "cross-origin",
        "health keeps its own"
    );
    assert_eq!(
        app.get("/api/v1/health").await.status(),
        404,
        "not outside the base"
    );
    assert_eq!(app.get("/settings").await.status(), 404);
    let root = no_redirects.get(app.url("/")).send().await.expect("sent");
    assert_eq!(root.status(), 302);
    assert_eq!(header(&root, "location"), "/plexward/");

    // The page names its base; the loader is untouched, so its hash still pins it.
    let loader_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(LOADER.as_bytes()));
    for path in [
        "/plexward/",
        "/plexward",
        "/plexward/friends/42",
        "/plexward/settings",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        let csp = header(&page, "content-security-policy").to_owned();
        assert!(csp.contains(&format!("'sha256-{loader_hash}'")), "{csp}");
        let html = page.text().await.expect("html");
        assert!(html.contains(r#"<base href="/plexward/" />"#), "{html}");
    }
    let asset = app.get("/plexward/plexward-web-0123456789abcdef.js").await;
    assert_eq!(asset.status(), 200);
    assert_eq!(app.get("/plexward/api/v1/nope").await.status(), 404);
    let r = app.get("/plexward/api/v1/health?bogus=1").await;
    assert_eq!(
        r.status(),
        400,
        "the query guard knows the paths under the base"
    );

    let docs = no_redirects
        .get(app.url("/plexward/api/docs"))
        .send()
        .await
        .expect("sent");
    assert_eq!(header(&docs, "location"), "/plexward/api/docs/");
    let config = app.get("/plexward/api/docs/swagger-initializer.js").await;
    assert!(
        config
            .text()
            .await
            .expect("body")
            .contains("/plexward/api/v1/openapi.json")
    );

    // Sign-in works there, and the refresh cookie is scoped to it.
    app.create_account("root", "admin", false).await;
    let login = no_redirects
        .post(app.url("/plexward/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "root", "password": crate::helpers::GOOD_PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(login.status(), 200);
    let refresh = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("pw_refresh"))
        .expect("a refresh cookie")
        .to_owned();
    assert!(refresh.contains("Path=/plexward/api/v1/auth"), "{refresh}");
    let token = login.json::<serde_json::Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let me = app
        .bearer(reqwest::Method::GET, "/plexward/api/v1/me", &token)
        .send()
        .await
        .expect("sent");
    assert_eq!(me.status(), 200);
}
