//! Secret canary (issue #8, suite 4): the real `plexward` binary, logging at `debug`, gets a Plex
//! token and passwords set to unique canary strings. Then every GET endpoint of the OpenAPI
//! document and the important writes (test connection, sync, grants, extend, scheduler run,
//! logs, audit export, metrics, the log archive) are exercised. Not one canary — nor its base64
//! or hex form — may appear in any response body or header, in any file of the data directory
//! (logs, the SQLite database, its WAL), or in the process' own output.

use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use plex_sim::{PlexSim, SimConfig, SimHandle};
use reqwest::Method;
use serde_json::{Value, json};

/// The Plex token: only lowercase letters, digits and dashes, so its JSON, URL and header forms
/// are the string itself.
const TOKEN_CANARY: &str = "canarytoken-7f3e2a91c4d85b06e1f9";
/// The bootstrap admin password (from the environment) and the one it is changed to.
const BOOTSTRAP_CANARY: &str = "canary-bootstrap-pass-5c0d8e2b71a4";
const PASSWORD_CANARY: &str = "canary-changed-pass-93b6f1d40e7c";
/// A second account's initial password, set through the API.
const ACCOUNT_CANARY: &str = "canary-account-pass-2e8a7c05d9f3";
const CANARIES: [&str; 4] = [
    TOKEN_CANARY,
    BOOTSTRAP_CANARY,
    PASSWORD_CANARY,
    ACCOUNT_CANARY,
];

/// Each canary's byte patterns: itself, its hex, and its base64 (standard and URL-safe) at the
/// three alignments it can have inside a longer encoded value.
fn patterns() -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for canary in CANARIES {
        all.push((canary.to_owned(), canary.as_bytes().to_vec()));
        all.push((
            format!("hex({canary})"),
            hex(canary.as_bytes()).into_bytes(),
        ));
        for engine in [
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            for shift in 0..3 {
                let mut input = vec![0u8; shift];
                input.extend(canary.as_bytes());
                let encoded = engine.encode(&input);
                // Skip the characters that mix in the padding bytes and the tail.
                let skip = (shift * 4).div_ceil(3);
                let core = &encoded[skip..encoded.len() - 2];
                all.push((format!("base64({canary})"), core.as_bytes().to_vec()));
            }
        }
    }
    all
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a canary was found, or nothing.
fn leaks(what: &str, bytes: &[u8]) -> Vec<String> {
    patterns()
        .into_iter()
        .filter(|(_, p)| bytes.windows(p.len()).any(|w| w == p.as_slice()))
        .map(|(name, _)| format!("{name} in {what}"))
        .collect()
}

/// A running `plexward serve`; dropping it kills the process.
struct Plexward {
    child: Child,
    url: String,
}

impl Drop for Plexward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Plexward {
    /// SIGTERM and wait (deadline 30 s), so every log line and database page is written.
    async fn stop(mut self) {
        let pid = rustix::process::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"))
            .expect("pid");
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM sent");
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().expect("status").is_none() {
            assert!(Instant::now() < deadline, "plexward did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn start(dir: &Path, sim: &SimHandle) -> Plexward {
    let output = dir.join("stdout.log");
    let out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&output)
        .expect("output file");
    let err = out.try_clone().expect("output file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_plexward"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PLEXWARD_") {
            command.env_remove(name);
        }
    }
    let child = command
        .arg("serve")
        .current_dir(dir)
        .env("PLEXWARD_BIND", "127.0.0.1")
        .env("PLEXWARD_PORT", "0")
        .env("PLEXWARD_DATA_DIR", dir.join("data"))
        .env("PLEXWARD_WEB_DIR", dir.join("no-web-ui"))
        // What an operator chasing a problem sets: every Plexward event, requests included.
        .env("PLEXWARD_LOG", "debug")
        .env("PLEXWARD_ADMIN_PASSWORD", BOOTSTRAP_CANARY)
        .env("PLEXWARD_PLEX_URL", sim.pms_url())
        .env("PLEXWARD_PLEXTV_URL", sim.plextv_url())
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .expect("plexward starts");
    let mut running = Plexward {
        child,
        url: String::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text =
            String::from_utf8_lossy(&std::fs::read(&output).unwrap_or_default()).into_owned();
        if let Some(at) = text.find("listening on http://") {
            let url: String = text[at + "listening on ".len()..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"')
                .collect();
            running.url = url;
            return running;
        }
        if let Some(status) = running.child.try_wait().expect("status") {
            panic!("plexward exited with {status}:\n{text}");
        }
        assert!(
            Instant::now() < deadline,
            "plexward did not listen:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends requests and keeps every answer's status line, headers and body for the scan.
struct Recorder {
    client: reqwest::Client,
    base: String,
    token: String,
    seen: Vec<(String, Vec<u8>)>,
}

impl Recorder {
    async fn send(&mut self, request: reqwest::RequestBuilder, what: String) -> (u16, Vec<u8>) {
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        let mut head = format!("{status}\n");
        for (name, value) in response.headers() {
            head.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        let body = response.bytes().await.expect("body").to_vec();
        let mut all = head.into_bytes();
        all.extend_from_slice(&body);
        self.seen.push((what, all));
        (status, body)
    }

    async fn call(&mut self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, bytes) = self.send(request, format!("{method} {path}")).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn login(&mut self, username: &str, password: &str) -> (u16, Value) {
        let request = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "username": username, "password": password }));
        let (status, bytes) = self.send(request, format!("login {username}")).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Polls a job until it ends (deadline 30 s).
    async fn wait_for_job(&mut self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, job) = self
                .call(Method::GET, &format!("/api/v1/jobs/{id}"), None)
                .await;
            if job["state"] == "succeeded" || job["state"] == "failed" {
                return job;
            }
            assert!(Instant::now() < deadline, "job {id} did not end: {job}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The first seconds of the live log stream (it never ends by itself).
    async fn stream_briefly(&mut self, path: &str) {
        let mut response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("stream opened");
        let mut bytes = format!("{}\n", response.status()).into_bytes();
        let until = tokio::time::Instant::now() + Duration::from_secs(2);
        while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(until, response.chunk()).await {
            bytes.extend_from_slice(&chunk);
        }
        self.seen.push((format!("GET {path}"), bytes));
    }
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_in_answers_logs_or_the_database() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    // The simulator accepts the canary as the owner's token.
    sim.with_state(|s| s.valid_tokens.insert(TOKEN_CANARY.to_owned()));
    let dir = tempfile::tempdir().expect("temp dir");
    let app = start(dir.path(), &sim).await;
    let mut r = Recorder {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        base: app.url.clone(),
        token: String::new(),
        seen: Vec::new(),
    };

    // --- passwords: bootstrap sign-in, forced change, failed sign-ins, a new account ---------
    let (status, body) = r.login("admin", BOOTSTRAP_CANARY).await;
    assert_eq!(status, 200, "{body}");
    r.token = body["token"].as_str().expect("token").to_owned();
    let (status, body) = r
        .call(
            Method::PUT,
            "/api/v1/me/password",
            Some(json!({ "current_password": BOOTSTRAP_CANARY, "new_password": PASSWORD_CANARY })),
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let (status, body) = r.login("admin", PASSWORD_CANARY).await;
    assert_eq!(status, 200, "{body}");
    r.token = body["token"].as_str().expect("token").to_owned();
    for (user, password) in [("admin", BOOTSTRAP_CANARY), ("nobody", PASSWORD_CANARY)] {
        let (status, _) = r.login(user, password).await;
        assert_eq!(status, 401, "a wrong sign-in of {user} is refused");
    }
    let (status, body) = r
        .call(
            Method::POST,
            "/api/v1/accounts",
            Some(json!({ "username": "auditor1", "password": ACCOUNT_CANARY, "role": "auditor" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let account_id = body["id"].as_i64().expect("account id");
    // A refused change whose value contains the canary (too short a new password).
    r.call(
        Method::PUT,
        "/api/v1/me/password",
        Some(json!({ "current_password": PASSWORD_CANARY, "new_password": "x" })),
    )
    .await;
    let (status, _) = r
        .call(
            Method::PUT,
            "/api/v1/me/password",
            Some(json!({ "current_password": ACCOUNT_CANARY, "new_password": PASSWORD_CANARY })),
        )
        .await;
    assert!(status >= 400, "a wrong current password is refused");

    // --- the Plex token: a refused value, then the real one, used for everything ----------
    let (status, _) = r
        .call(
            Method::PUT,
            "/api/v1/settings/plex",
            Some(json!({ "token": format!("{TOKEN_CANARY} with spaces") })),
        )
        .await;
    assert_eq!(status, 422, "a token with spaces is refused");
    let (status, body) = r
        .call(
            Method::PUT,
            "/api/v1/settings/plex",
            Some(json!({ "token": TOKEN_CANARY })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = r
        .call(Method::POST, "/api/v1/settings/plex/test", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ok"], true, "the canary token works: {body}");
    let (status, body) = r.call(Method::POST, "/api/v1/sync", None).await;
    assert_eq!(status, 202, "{body}");
    let sync_job = body["job_id"].as_str().expect("job id").to_owned();
    assert_eq!(r.wait_for_job(&sync_job).await["state"], "succeeded");

    let (_, friends) = r.call(Method::GET, "/api/v1/plex-users", None).await;
    let friend = friends["items"][0]["id"].as_i64().expect("a friend");
    let (_, libraries) = r.call(Method::GET, "/api/v1/libraries", None).await;
    let library = libraries["items"][0]["id"].as_i64().expect("a library");
    let (status, body) = r
        .call(
            Method::PUT,
            &format!("/api/v1/plex-users/{friend}/grants"),
            Some(json!({ "grants": [{ "library_id": library }] })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = r
        .call(
            Method::POST,
            &format!("/api/v1/plex-users/{friend}/extend"),
            Some(json!({ "period": "week" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = r.call(Method::POST, "/api/v1/scheduler/run", None).await;
    assert_eq!(status, 202, "{body}");
    if let Some(job) = body["job_id"].as_str() {
        r.wait_for_job(job).await;
    }
    // A token Plex refuses: the error path must not echo it either.
    sim.revoke_token(TOKEN_CANARY);
    let (status, body) = r
        .call(Method::POST, "/api/v1/settings/plex/test", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ok"], false, "a revoked token fails the test: {body}");
    sim.restore_token(TOKEN_CANARY);
    let (_, body) = r.call(Method::POST, "/api/v1/sync", None).await;
    if let Some(job) = body["job_id"].as_str() {
        r.wait_for_job(job).await;
    }

    // --- every GET of the OpenAPI document, path parameters filled with real ids ------------
    let (status, document) = r.call(Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    let (_, tokens) = r
        .call(
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({ "name": "canary-check" })),
        )
        .await;
    let mut walked = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        if item.get("get").is_none() {
            continue;
        }
        let filled = path
            .replace(
                "{id}",
                &id_for(path, account_id, friend, &sync_job, &tokens),
            )
            .to_string();
        let full = if filled.starts_with("/api/v1") {
            filled
        } else {
            format!("/api/v1{filled}")
        };
        if full.ends_with("/logs/stream") || full.ends_with("/audit/stream") {
            r.stream_briefly(&full).await;
        } else {
            let (status, body) = r.call(Method::GET, &full, None).await;
            assert!(status < 500, "GET {full}: {status} {body}");
        }
        walked += 1;
    }
    assert!(walked >= 20, "only {walked} GET endpoints in the document");
    for path in [
        "/api/v1/logs?file=error&lines=1000",
        "/api/v1/logs?file=app&lines=1000&level=debug",
        "/api/v1/logs/download?file=error",
        "/api/v1/audit/export",
        "/api/v1/audit?limit=500",
        "/metrics",
    ] {
        let (status, body) = r.call(Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
    }
    // The archive of every log file, unpacked so compression cannot hide a canary.
    let request = r
        .client
        .get(format!("{}/api/v1/logs/download?all=true", r.base))
        .bearer_auth(&r.token);
    let (status, archive) = r.send(request, "log archive".into()).await;
    assert_eq!(status, 200);
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(archive.as_slice())
        .read_to_end(&mut unpacked)
        .expect("a gzip archive");
    assert!(unpacked.len() > 1024, "the archive holds the logs");
    r.seen.push(("log archive, unpacked".into(), unpacked));

    // --- scan ------------------------------------------------------------------------------
    app.stop().await;
    let mut found = Vec::new();
    for (what, bytes) in &r.seen {
        found.extend(leaks(&format!("the answer to {what}"), bytes));
    }
    let mut scanned = Vec::new();
    for file in files(dir.path()) {
        let bytes = std::fs::read(&file).expect("readable");
        let name = file
            .strip_prefix(dir.path())
            .expect("inside")
            .display()
            .to_string();
        found.extend(leaks(&name, &bytes));
        scanned.push(format!("{name} ({} bytes)", bytes.len()));
    }
    let output = std::fs::read_to_string(dir.path().join("stdout.log")).expect("output");
    assert!(output.contains("DEBUG"), "the binary logged at debug level");
    for must in ["stdout.log", "plexward.db", "app.log"] {
        assert!(
            scanned.iter().any(|s| s.contains(must)),
            "{must} was not scanned: {scanned:?}"
        );
    }
    assert!(
        found.is_empty(),
        "secrets leaked:\n{}\n(scanned {} answers and {scanned:?})",
        found.join("\n"),
        r.seen.len()
    );
}

#[test]
fn the_scan_finds_each_canary_in_every_encoding() {
    let canary = TOKEN_CANARY.as_bytes();
    let mut forms = vec![
        format!("token={TOKEN_CANARY}&x=1").into_bytes(),
        format!("X-Plex-Token: {}", hex(canary)).into_bytes(),
    ];
    for prefix in ["", "a", "ab", "abc"] {
        let input = [prefix.as_bytes(), canary, b"-tail"].concat();
        forms.push(
            base64::engine::general_purpose::STANDARD
                .encode(&input)
                .into_bytes(),
        );
        forms.push(
            base64::engine::general_purpose::URL_SAFE
                .encode(&input)
                .into_bytes(),
        );
    }
    for form in forms {
        assert!(
            !leaks("probe", &form).is_empty(),
            "{}",
            String::from_utf8_lossy(&form)
        );
    }
    assert!(leaks("probe", b"canarytoken-7f3e2a91c4d85b06e1f").is_empty());
}

/// A real id for the `{id}` of `path`.
fn id_for(path: &str, account: i64, friend: i64, job: &str, token: &Value) -> String {
    if path.starts_with("/accounts") || path.starts_with("/api/v1/accounts") {
        account.to_string()
    } else if path.contains("plex-users") {
        friend.to_string()
    } else if path.contains("jobs") {
        job.to_owned()
    } else if path.contains("tokens") {
        token["id"]
            .as_i64()
            .map(|id| id.to_string())
            .or_else(|| token["id"].as_str().map(str::to_owned))
            .unwrap_or_default()
    } else {
        "1".to_owned()
    }
}
