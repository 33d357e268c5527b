//! `/api/v1/settings/server`, the certificate upload, HTTPS serving (self-signed, uploaded, and the
//! fallback to HTTP) and the in-process restart on a new port.

use std::path::Path;
use std::time::{Duration, Instant};

use plexward::config::Config;
use plexward_shared::HttpsMode;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256,
};
use reqwest::Method;

use crate::helpers::{
    BOUNDARY, GOOD_PASSWORD, TestApp, insert_account, multipart, spawn_app, spawn_app_with,
};

// --- certificates made for the tests -------------------------------------------------------

struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        Self {
            issuer: CertifiedIssuer::self_signed(params, key).expect("CA"),
        }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A leaf for `localhost` (+ `names`), valid `from`–`to` days from now: `(cert PEM, key PEM)`.
    fn leaf(&self, names: &[&str], from_days: i64, to_days: i64) -> (String, String) {
        let mut sans = vec!["localhost".to_owned()];
        sans.extend(names.iter().map(|n| (*n).to_owned()));
        let mut params = CertificateParams::new(sans).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(from_days);
        params.not_after = now + time::Duration::days(to_days);
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        (cert.pem(), key.serialize_pem())
    }

    /// A valid leaf: `(chain PEM = leaf + CA, key PEM)`.
    fn good_pair(&self) -> (String, String) {
        let (leaf, key) = self.leaf(&[], -1, 90);
        (format!("{leaf}{}", self.pem()), key)
    }
}

// --- helpers ------------------------------------------------------------------------------

async fn upload(app: &TestApp, token: &str, parts: &[(&str, &[u8])]) -> (u16, serde_json::Value) {
    let response = app
        .bearer(Method::POST, "/api/v1/settings/server/certificate", token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(parts))
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// The SPA's upload: the access cookie, no bearer token, and the browser's fetch metadata.
async fn upload_with_cookie(
    app: &TestApp,
    cookie: &str,
    headers: &[(&str, &str)],
    parts: &[(&str, &[u8])],
) -> (u16, serde_json::Value) {
    let mut request = app
        .client
        .post(app.url("/api/v1/settings/server/certificate"))
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(parts));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

async fn admin(app: &TestApp) -> String {
    app.create_account("root", "admin", false).await;
    app.login("root", GOOD_PASSWORD).await.token
}

fn tls_file(data_dir: &Path, name: &str) -> std::path::PathBuf {
    data_dir.join("tls").join(name)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A client that trusts only `root_pem` (and nothing built in), with `name` resolving to
/// 127.0.0.1.
fn client_trusting(root_pem: &[u8]) -> reqwest::Client {
    let roots = reqwest::Certificate::from_pem_bundle(root_pem).expect("root");
    reqwest::Client::builder()
        .tls_certs_only(roots)
        .resolve("plexward.test", "127.0.0.1:0".parse().expect("addr"))
        .build()
        .expect("client")
}

/// Polls `url` until it answers 200 (deadline 30 s).
async fn wait_healthy(client: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(url).send().await
            && r.status() == 200
        {
            return;
        }
        assert!(Instant::now() < deadline, "{url} did not become healthy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// --- settings -----------------------------------------------------------------------------

#[tokio::test]
async fn settings_show_sources_and_refuse_pinned_and_invalid_values() {
    // Port 0 (tests) counts as pinned.
    let app = spawn_app().await;
    let token = admin(&app).await;
    let (status, body) = app
        .call(Method::GET, "/api/v1/settings/server", &token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["port_source"], "environment");
    assert_eq!(body["https"], "off");
    assert_eq!(body["https_source"], "default");
    assert_eq!(body["hostnames_source"], "default");
    assert_eq!(body["restart_required"], false);
    assert_eq!(body["running"]["scheme"], "http");
    assert_eq!(body["running"]["port"], app.port());
    assert!(body["tls_problem"].is_null());

    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/server",
            &token,
            Some(serde_json::json!({"port": 6001})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["port"]
            .as_str()
            .is_some_and(|m| m.contains("PLEXWARD_PORT")),
        "{body}"
    );

    // Not pinned: validation per field.
    let app = spawn_app_with(|c| c.port = free_port()).await;
    let token = admin(&app).await;
    let too_many: Vec<String> = (0..21).map(|i| format!("h{i}.lan")).collect();
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/server",
            &token,
            Some(serde_json::json!({"port": 80, "hostnames": too_many, "https": "custom"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields = &body["error"]["fields"];
    assert!(fields["port"].is_string(), "{body}");
    assert!(fields["hostnames"].is_string(), "{body}");
    assert!(
        fields["https"]
            .as_str()
            .is_some_and(|m| m.contains("uploaded certificate")),
        "custom needs a certificate: {body}"
    );
    for bad in [
        serde_json::json!({"hostnames": ["not a name"]}),
        serde_json::json!({"hostnames": ["http://x.lan"]}),
    ] {
        let (status, body) = app
            .call(Method::PUT, "/api/v1/settings/server", &token, Some(bad))
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["error"]["fields"]["hostnames"].is_string());
    }
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/settings/server",
            &token,
            Some(serde_json::json!({"https": "on"})),
        )
        .await;
    assert_eq!(status, 400, "an unknown mode does not parse");
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/settings/server",
            &token,
            Some(serde_json::json!({"bind": "0.0.0.0"})),
        )
        .await;
    assert_eq!(status, 400, "unknown fields are refused");

    let new_port = free_port();
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/server",
            &token,
            Some(serde_json::json!({
                "port": new_port,
                "https": "self_signed",
                "hostnames": ["NAS.lan", "192.168.1.10"],
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["port"], new_port);
    assert_eq!(body["port_source"], "database");
    assert_eq!(body["https"], "self_signed");
    assert_eq!(
        body["hostnames"],
        serde_json::json!(["nas.lan", "192.168.1.10"])
    );
    assert_eq!(body["restart_required"], true);
    assert_eq!(
        body["running"]["port"],
        app.port(),
        "nothing changes before a restart"
    );

    let events = app.audit_actions("settings.server_update").await;
    assert_eq!(events.len(), 1);
    let details: serde_json::Value =
        serde_json::from_str(events[0].details.as_deref().expect("details")).expect("json");
    assert_eq!(details["port"]["after"], new_port);
    assert_eq!(details["port"]["before"], app.port());
    assert_eq!(details["https"]["before"], "off");
    assert_eq!(details["https"]["after"], "self_signed");

    // Auditors may read the settings.
    app.create_account("aud", "auditor", false).await;
    let aud = app.login("aud", GOOD_PASSWORD).await.token;
    let (status, _) = app
        .call(Method::GET, "/api/v1/settings/server", &aud, None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn https_and_hostnames_pinned_by_the_configuration_cannot_be_changed() {
    let app = spawn_app_with(|c| {
        c.https = Some(HttpsMode::Off);
        c.hostnames = Some(vec!["nas.lan".into()]);
    })
    .await;
    let token = admin(&app).await;
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/server",
            &token,
            Some(serde_json::json!({"https": "self_signed", "hostnames": ["other.lan"]})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["https"]
            .as_str()
            .is_some_and(|m| m.contains("PLEXWARD_HTTPS"))
    );
    assert!(
        body["error"]["fields"]["hostnames"]
            .as_str()
            .is_some_and(|m| m.contains("PLEXWARD_HOSTNAMES"))
    );
    // The pinned values themselves are accepted (nothing changes).
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/server",
            &token,
            Some(serde_json::json!({"https": "off", "hostnames": ["nas.lan"]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["https_source"], "environment");
    assert_eq!(body["hostnames_source"], "environment");
    assert_eq!(body["restart_required"], false);
}

// --- certificate upload -------------------------------------------------------------------

#[tokio::test]
async fn uploads_are_validated_and_refused_ones_save_nothing() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let data_dir = app.config().data_dir.clone();
    let ca = Ca::new("Test CA");
    let (good_chain, good_key) = ca.good_pair();
    let (_, other_key) = ca.good_pair();
    let (expired_leaf, expired_key) = ca.leaf(&[], -30, -1);
    let (future_leaf, future_key) = ca.leaf(&[], 2, 30);
    let (leaf, leaf_key) = ca.leaf(&[], -1, 30);
    let wrong_order = format!("{}{leaf}", ca.pem());
    let big = vec![b'A'; 64 * 1024 + 1];

    // (what, parts, status, field, reason)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a [u8])>, u16, &'a str, &'a str);
    let refused: Vec<Case> = vec![
        (
            "mismatched key",
            vec![
                ("cert", good_chain.as_bytes()),
                ("key", other_key.as_bytes()),
            ],
            422,
            "key",
            "does not belong",
        ),
        (
            "expired",
            vec![
                ("cert", expired_leaf.as_bytes()),
                ("key", expired_key.as_bytes()),
            ],
            422,
            "cert",
            "expired",
        ),
        (
            "not yet valid",
            vec![
                ("cert", future_leaf.as_bytes()),
                ("key", future_key.as_bytes()),
            ],
            422,
            "cert",
            "not valid before",
        ),
        (
            "garbage",
            vec![("cert", &b"hello"[..]), ("key", good_key.as_bytes())],
            422,
            "cert",
            "no PEM certificate",
        ),
        (
            "garbage key",
            vec![("cert", good_chain.as_bytes()), ("key", &b"hello"[..])],
            422,
            "key",
            "no PEM private key",
        ),
        (
            "wrong chain order",
            vec![
                ("cert", wrong_order.as_bytes()),
                ("key", leaf_key.as_bytes()),
            ],
            422,
            "cert",
            "not issued by",
        ),
        (
            "missing key",
            vec![("cert", good_chain.as_bytes())],
            422,
            "key",
            "missing",
        ),
        (
            "unknown part",
            vec![
                ("cert", good_chain.as_bytes()),
                ("key", good_key.as_bytes()),
                ("extra", &b"x"[..]),
            ],
            422,
            "form",
            "unknown part",
        ),
    ];
    for (what, parts, status, field, reason) in &refused {
        let (got, body) = upload(&app, &token, parts).await;
        assert_eq!(got, *status, "{what}: {body}");
        let message = body["error"]["fields"][field].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{what}: {body}");
        assert!(
            !tls_file(&data_dir, "custom.crt").exists(),
            "{what}: nothing saved"
        );
    }
    let (status, body) = upload(
        &app,
        &token,
        &[("cert", big.as_slice()), ("key", good_key.as_bytes())],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/settings/server/certificate",
            &token,
            Some(serde_json::json!({"cert": good_chain})),
        )
        .await;
    assert_eq!(status, 415, "JSON is not multipart: {body}");
    assert!(!tls_file(&data_dir, "custom.key").exists());

    let (status, body) = upload(
        &app,
        &token,
        &[
            ("cert", good_chain.as_bytes()),
            ("key", good_key.as_bytes()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains("PRIVATE KEY"), "never the key");
    assert_eq!(body["certificate"]["kind"], "custom");
    assert_eq!(
        body["certificate"]["sans"],
        serde_json::json!(["localhost"])
    );
    assert_eq!(body["certificate"]["in_use"], false);
    assert_eq!(
        std::fs::read_to_string(tls_file(&data_dir, "custom.crt")).expect("saved"),
        good_chain
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tls_file(&data_dir, "custom.key"))
            .expect("key saved")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A refused upload leaves the saved pair as it was.
    let (status, _) = upload(
        &app,
        &token,
        &[
            ("cert", good_chain.as_bytes()),
            ("key", other_key.as_bytes()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        std::fs::read_to_string(tls_file(&data_dir, "custom.key")).expect("kept"),
        good_key
    );
    assert_eq!(
        app.audit_actions("settings.server_certificate").await.len(),
        6 + 1 + 1,
        "uploads that reach the checks are audited: six refused, the good one, the last refusal"
    );
}

// --- serving HTTPS ------------------------------------------------------------------------

#[tokio::test]
async fn self_signed_https_is_served_for_the_configured_names() {
    let app = spawn_app_with(|c| {
        c.https = Some(HttpsMode::SelfSigned);
        c.hostnames = Some(vec!["plexward.test".into()]);
    })
    .await;
    assert!(app.address.starts_with("https://"), "{}", app.address);
    let data_dir = app.config().data_dir.clone();
    let cert = std::fs::read(tls_file(&data_dir, "self_signed.crt")).expect("generated");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tls_file(&data_dir, "self_signed.key"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let client = client_trusting(&cert);
    let port = app.port();
    for host in ["localhost", "plexward.test", "127.0.0.1"] {
        let r = client
            .get(format!("https://{host}:{port}/api/v1/health"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{host}: {e:?}"));
        assert_eq!(r.status(), 200, "{host}");
    }
    // A name the certificate does not carry is refused by the client.
    let wrong = reqwest::Client::builder()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(&cert).expect("root"))
        .resolve("elsewhere.test", "127.0.0.1:0".parse().expect("addr"))
        .build()
        .expect("client");
    assert!(
        wrong
            .get(format!("https://elsewhere.test:{port}/api/v1/health"))
            .send()
            .await
            .is_err()
    );

    // The settings say what runs.
    app.create_account("root", "admin", false).await;
    let token = client
        .post(format!("https://localhost:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "root", "password": GOOD_PASSWORD}))
        .send()
        .await
        .expect("sent")
        .json::<serde_json::Value>()
        .await
        .expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let body: serde_json::Value = client
        .get(format!("https://localhost:{port}/api/v1/settings/server"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(body["running"]["scheme"], "https");
    assert_eq!(body["running"]["https"], "self_signed");
    assert_eq!(body["certificate"]["kind"], "self_signed");
    assert_eq!(body["certificate"]["in_use"], true);
    let sans = body["certificate"]["sans"].to_string();
    for name in ["plexward.test", "localhost", "127.0.0.1", "::1"] {
        assert!(sans.contains(name), "{sans}");
    }
    assert!(body["tls_problem"].is_null());

    // The Docker health check works over HTTPS.
    plexward::healthcheck::run(app.config())
        .await
        .expect("healthcheck over HTTPS");
}

#[tokio::test]
async fn an_uploaded_certificate_is_served_after_a_restart() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let ca = Ca::new("Upload CA");
    let (chain, key) = ca.good_pair();
    let (status, body) = upload(
        &app,
        &token,
        &[("cert", chain.as_bytes()), ("key", key.as_bytes())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/server",
            &token,
            Some(serde_json::json!({"https": "custom"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["restart_required"], true);

    let app = app.restart(plexward::clock::system()).await;
    assert!(app.address.starts_with("https://"), "{}", app.address);
    let client = client_trusting(ca.pem().as_bytes());
    let port = app.port();
    let r = client
        .get(format!("https://localhost:{port}/api/v1/health"))
        .send()
        .await
        .expect("TLS verified against the uploading CA");
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = client
        .get(format!("https://localhost:{port}/api/v1/settings/server"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(body["running"]["scheme"], "https");
    assert_eq!(body["running"]["https"], "custom");
    assert_eq!(body["certificate"]["kind"], "custom");
    assert_eq!(body["certificate"]["in_use"], true);
    assert_eq!(body["restart_required"], false);
}

#[tokio::test]
async fn a_broken_custom_certificate_falls_back_to_http_and_says_why() {
    let ca = Ca::new("Old CA");
    let (expired, expired_key) = ca.leaf(&[], -60, -1);
    let app = spawn_app_with(move |c: &mut Config| {
        c.https = Some(HttpsMode::Custom);
        let tls = c.data_dir.join("tls");
        std::fs::create_dir_all(&tls).expect("tls dir");
        std::fs::write(tls.join("custom.crt"), expired).expect("cert");
        std::fs::write(tls.join("custom.key"), expired_key).expect("key");
    })
    .await;
    assert!(
        app.address.starts_with("http://"),
        "fell back: {}",
        app.address
    );
    assert_eq!(app.get("/api/v1/health").await.status(), 200);
    let token = admin(&app).await;
    let (status, body) = app
        .call(Method::GET, "/api/v1/settings/server", &token, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["https"], "custom");
    assert_eq!(body["running"]["scheme"], "http");
    assert_eq!(body["running"]["https"], "off");
    assert_eq!(body["restart_required"], false);
    let problem = body["tls_problem"].as_str().unwrap_or_default();
    assert!(problem.contains("expired"), "{body}");

    // Nothing uploaded at all: the same, with its own reason.
    let app = spawn_app_with(|c| c.https = Some(HttpsMode::Custom)).await;
    assert!(app.address.starts_with("http://"));
    let token = admin(&app).await;
    let (_, body) = app
        .call(Method::GET, "/api/v1/settings/server", &token, None)
        .await;
    assert!(
        body["tls_problem"]
            .as_str()
            .is_some_and(|p| p.contains("no certificate has been uploaded")),
        "{body}"
    );
    plexward::healthcheck::run(app.config())
        .await
        .expect("healthcheck follows the fallback to HTTP");
}

// --- restart ------------------------------------------------------------------------------

#[tokio::test]
async fn restart_serves_https_on_the_new_port_and_leaves_the_old_one() {
    plexward::install_crypto_provider();
    let tmp = tempfile::tempdir().expect("tmp");
    let old_port = free_port();
    let config = Config {
        port: old_port,
        data_dir: tmp.path().join("data"),
        web_dir: tmp.path().join("no-web-ui"),
        ..Config::default()
    };
    let mut serve = crate::helpers::ServeLoop::start(&config);
    let (first_url, _) = serve.started().await;
    assert_eq!(first_url, format!("http://127.0.0.1:{old_port}"));

    let db = plexward::db::connect(&config.database_path()).expect("db");
    insert_account(&db, "root", "admin", false).await;
    let client = reqwest::Client::new();
    let old = format!("http://127.0.0.1:{old_port}");
    let token = client
        .post(format!("{old}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "root", "password": GOOD_PASSWORD}))
        .send()
        .await
        .expect("sent")
        .json::<serde_json::Value>()
        .await
        .expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();

    let new_port = free_port();
    let r = client
        .put(format!("{old}/api/v1/settings/server"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "port": new_port,
            "https": "self_signed",
            "hostnames": ["plexward.test"],
        }))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let r = client
        .post(format!("{old}/api/v1/system/restart"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 202);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["url"], format!("https://127.0.0.1:{new_port}"));

    // The certificate appears when the new server is built; then it must verify for its name.
    let cert_path = tls_file(&config.data_dir, "self_signed.crt");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cert_path.exists() {
        assert!(Instant::now() < deadline, "no self-signed certificate made");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tls_client = client_trusting(&std::fs::read(&cert_path).expect("cert"));
    let new = format!("https://plexward.test:{new_port}");
    wait_healthy(&tls_client, &format!("{new}/api/v1/health")).await;
    let fresh = reqwest::Client::new();
    assert!(
        fresh
            .get(format!("{old}/api/v1/health"))
            .send()
            .await
            .is_err(),
        "the old port no longer answers"
    );
    let body: serde_json::Value = tls_client
        .get(format!("{new}/api/v1/settings/server"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(body["running"]["port"], new_port);
    assert_eq!(body["running"]["scheme"], "https");
    assert_eq!(body["restart_required"], false);
    let restarts = plexward::db::run(&db, |conn| {
        plexward::db::audit::recent(conn, Some("system.restart"), 10)
    })
    .await
    .expect("audit");
    assert_eq!(restarts.len(), 1);

    let (second_url, handle) = serve.started().await;
    assert_eq!(second_url, format!("https://127.0.0.1:{new_port}"));
    serve.stop(handle).await;
}

#[tokio::test]
async fn the_spa_uploads_with_its_cookie_only_from_its_own_origin() {
    let app = spawn_app().await;
    app.create_account("root", "admin", false).await;
    let cookie = format!(
        "pw_access={}",
        app.login("root", GOOD_PASSWORD).await.access_cookie
    );
    let (chain, key) = Ca::new("Test CA").good_pair();
    let parts: &[(&str, &[u8])] = &[("cert", chain.as_bytes()), ("key", key.as_bytes())];
    let origin = app.address.clone();

    // A form on another site can send multipart with our cookie (were it not SameSite=Strict):
    // neither it nor a bare matching Origin — a weaker signal — is enough for a non-JSON body.
    for headers in [
        vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://evil.example"),
        ],
        vec![("sec-fetch-site", "same-site"), ("origin", origin.as_str())],
        vec![("origin", origin.as_str())],
    ] {
        let (status, body) = upload_with_cookie(&app, &cookie, &headers, parts).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        assert_eq!(body["error"]["code"], "cross_origin_refused", "{body}");
    }
    assert!(!tls_file(&app.config().data_dir, "custom.crt").exists());

    // The browser's own same-origin fetch of FormData passes and is validated like any upload.
    let same = [
        ("sec-fetch-site", "same-origin"),
        ("origin", origin.as_str()),
    ];
    let (status, body) =
        upload_with_cookie(&app, &cookie, &same, &[("cert", b"garbage"), ("key", b"x")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["cert"].is_string(), "{body}");
    let (status, body) = upload_with_cookie(&app, &cookie, &same, parts).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["certificate"]["kind"], "custom", "{body}");
}
