//! `spawn_app`: the real `Application` on 127.0.0.1 port 0, a fresh data directory, and a client.

use std::path::Path;

use plexward::config::Config;
use plexward::startup::Application;
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub data_dir: TempDir,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request is sent")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends with the test anyway.
        drop(self.handle.stop(false));
    }
}

/// Starts Plexward with defaults and no built web UI.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts Plexward after `customize` has adjusted the configuration.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    plexward::install_crypto_provider();
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let mut config = Config {
        port: 0,
        data_dir: data_dir.path().join("data"),
        web_dir: data_dir.path().join("no-web-ui"),
        ..Config::default()
    };
    customize(&mut config);
    let app = Application::build(&config).expect("application builds");
    let address = format!("http://{}", app.address());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        data_dir,
        handle,
    }
}

/// Writes a fake Trunk build into `dir`: an index page with an inline module loader, a hashed
/// asset and an unhashed one.
pub fn write_fake_web_ui(dir: &Path) {
    std::fs::create_dir_all(dir).expect("web dir");
    std::fs::write(dir.join("index.html"), INDEX_HTML).expect("index");
    std::fs::write(
        dir.join("plexward-web-0123456789abcdef.js"),
        "export default 1;",
    )
    .expect("js");
    std::fs::write(
        dir.join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .expect("svg");
}

pub const LOADER: &str = "import init from '/plexward-web-0123456789abcdef.js';await init();";
pub const INDEX_HTML: &str = "<!doctype html><html><head><title>Plexward</title>\
<script type=\"module\">import init from '/plexward-web-0123456789abcdef.js';await init();</script>\
</head><body></body></html>";

/// Header value as text, or "" when absent.
pub fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The headers every response must carry, whatever its status.
pub fn assert_security_headers(response: &reqwest::Response) {
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(response, "referrer-policy"),
        "strict-origin-when-cross-origin"
    );
    assert!(
        header(response, "content-security-policy").contains("frame-ancestors 'none'"),
        "CSP on {}",
        response.url()
    );
    assert!(!header(response, "x-request-id").is_empty());
}
