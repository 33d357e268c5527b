//! `spawn_app`: the real `Application` on 127.0.0.1 port 0, a fresh data directory, and a client.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plex_sim::SimHandle;
use plexward::config::Redacted;
use reqwest::Method;

use plexward::config::Config;
use plexward::jobs::Executor;
use plexward::jobs::apply_friend::ApplyQueue;
use plexward::scheduler::heartbeat::Heartbeat;
use plexward::startup::Application;
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub data_dir: TempDir,
    pub db: plexward::db::DbPool,
    /// The app's apalis queue of apply jobs.
    pub queue: ApplyQueue,
    /// The deadline worker's and the reconcile schedule's signs of life (what they have handled).
    pub deadlines: Heartbeat,
    pub schedule: Heartbeat,
    /// The executor every background job runs on.
    pub executor: Arc<Executor>,
    config: Config,
    handle: actix_web::dev::ServerHandle,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// A password every policy check accepts.
pub const GOOD_PASSWORD: &str = "violet kettle marching upstream";

/// The parts of a sign-in a test needs.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub access_cookie: String,
    pub refresh_cookie: String,
    pub body: serde_json::Value,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Creates an account directly in the database (no API, no audit), password already chosen.
    pub async fn create_account(&self, username: &str, role: &str, must_change: bool) -> i64 {
        insert_account(&self.db, username, role, must_change).await
    }

    /// The configuration the app was started with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The port the app listens on.
    pub fn port(&self) -> u16 {
        self.address
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("address has a port")
    }

    pub async fn login_response(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("sent")
    }

    /// Signs in and returns the bearer token and the cookies' values.
    pub async fn login(&self, username: &str, password: &str) -> SignedIn {
        let response = self.login_response(username, password).await;
        assert_eq!(response.status(), 200, "sign-in of {username}");
        let cookie = |name: &str| {
            response
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|v| {
                    v.strip_prefix(&format!("{name}="))
                        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
                })
                .unwrap_or_default()
        };
        let (access_cookie, refresh_cookie) = (cookie("pw_access"), cookie("pw_refresh"));
        let body: serde_json::Value = response.json().await.expect("json");
        SignedIn {
            token: body["token"].as_str().unwrap_or_default().to_owned(),
            access_cookie,
            refresh_cookie,
            body,
        }
    }

    /// A request with `Authorization: Bearer token`.
    pub fn bearer(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// Sends `body` (if any) as JSON with a bearer token; returns the status and the JSON body
    /// (`Null` when there is none).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.bearer(method, path, token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Creates an account `username` with `role` and signs it in: its bearer token.
    pub async fn token_for(&self, username: &str, role: &str) -> String {
        self.create_account(username, role, false).await;
        self.login(username, GOOD_PASSWORD).await.token
    }

    /// The id of the account named `username`.
    pub async fn account_id(&self, username: &str) -> i64 {
        let username = username.to_owned();
        plexward::db::run(&self.db, move |conn| {
            plexward::db::accounts::find_by_username(conn, &username)
        })
        .await
        .expect("read")
        .expect("account exists")
        .id
    }

    /// A request as the SPA sends it: cookie and same-origin `Origin`.
    pub fn with_cookie(&self, method: Method, path: &str, cookie: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("cookie", cookie)
            .header("origin", self.address.clone())
            .header("content-type", "application/json")
    }

    pub async fn audit_actions(&self, action: &str) -> Vec<plexward::db::audit::AuditEvent> {
        let action = action.to_owned();
        plexward::db::run(&self.db, move |conn| {
            plexward::db::audit::recent(conn, Some(&action), 100)
        })
        .await
        .expect("audit read")
    }

    /// Waits (deadline 20 s) until the reconcile Plexward starts with is over, so a test's own
    /// requests and counts are not mixed with it.
    pub async fn wait_for_startup_reconcile(&self) {
        self.wait_for_reconcile_after(None).await;
    }

    /// Waits (deadline 20 s) until a reconcile other than `previous` has ended; returns its id.
    pub async fn wait_for_reconcile_after(&self, previous: Option<&str>) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let job = plexward::db::run(&self.db, |conn| {
                plexward::db::jobs::latest_of_kind(conn, plexward::jobs::reconcile::KIND)
            })
            .await
            .expect("read jobs");
            if let Some(j) = &job
                && Some(j.id.as_str()) != previous
                && (j.state == "succeeded" || j.state == "failed")
            {
                return j.id.clone();
            }
            assert!(
                Instant::now() < deadline,
                "the reconcile did not end (latest: {job:?}; {} job(s) in flight)",
                self.executor.in_flight()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request is sent")
    }
}

impl TestApp {
    /// Stops the app as SIGTERM would and waits until it has returned (workers included).
    pub async fn stop(&mut self) {
        self.handle.stop(true).await;
        if let Some(running) = self.running.take() {
            running
                .await
                .expect("the app did not panic")
                .expect("the app stopped cleanly");
        }
    }

    /// Stops the app and starts it again on the same data directory and configuration, with
    /// the access logic on `clock`.
    pub async fn restart(mut self, clock: plexward::clock::SharedClock) -> TestApp {
        self.stop().await;
        // `TestApp` implements `Drop`: take the data directory out, leaving an empty one.
        let placeholder = tempfile::tempdir().expect("placeholder dir");
        let data_dir = std::mem::replace(&mut self.data_dir, placeholder);
        start(self.config.clone(), data_dir, clock).await
    }

    /// Waits (deadline 5 s) until the deadline worker has handled everything due up to `at` on
    /// the access clock and the applies it started have ended: after this, whatever an edge
    /// up to `at` causes has happened.
    pub async fn deadlines_handled(&self, at: i64) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.deadlines.covered() < at || self.executor.in_flight() > 0 {
            assert!(
                Instant::now() < deadline,
                "the deadline worker has covered only up to {} (want {at}); {} job(s) in flight",
                self.deadlines.covered(),
                self.executor.in_flight()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits (deadline 5 s) until the reconcile schedule was evaluated at `at` or later on the
    /// access clock: a reconcile due by then has been started.
    pub async fn schedule_evaluated(&self, at: i64) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.schedule.covered() < at {
            assert!(
                Instant::now() < deadline,
                "the schedule was last evaluated at {} (want {at})",
                self.schedule.covered()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits (up to 10 s) until no apply job is waiting, running or due for another attempt,
    /// and no notification is left undelivered in the outbox, and fails the test if one is
    /// left: a test that waited for convergence leaves none.
    pub async fn assert_no_jobs_left(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let jobs = self.queue.outstanding().await.expect("jobs counted");
            let outbox = plexward::db::run(&self.db, plexward::db::notifications::undelivered)
                .await
                .expect("outbox counted");
            assert!(
                outbox == 0 || Instant::now() < deadline,
                "{outbox} notification(s) left undelivered in the outbox"
            );
            let left = jobs + outbox;
            if left == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{left} apply job(s) left over in the queue"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends with the test anyway.
        drop(self.handle.stop(false));
    }
}

/// Inserts an account directly in the database (no API, no audit), password [`GOOD_PASSWORD`].
pub async fn insert_account(
    db: &plexward::db::DbPool,
    username: &str,
    role: &str,
    must_change: bool,
) -> i64 {
    let hash = plexward::auth::password::hash(GOOD_PASSWORD.to_owned())
        .await
        .expect("hash");
    let (username, role) = (username.to_owned(), role.to_owned());
    plexward::db::run(db, move |conn| {
        let now = plexward::db::time::now_ms();
        plexward::db::accounts::insert(
            conn,
            &plexward::db::accounts::NewAccount {
                username: &username,
                password_hash: &hash,
                role: &role,
                must_change_password: must_change,
                created_at: now,
                updated_at: now,
            },
        )
        .map(|a| a.id)
    })
    .await
    .expect("account inserted")
}

/// Starts Plexward with defaults and no built web UI.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts Plexward after `customize` has adjusted the configuration.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on_clock(customize, plexward::clock::system()).await
}

/// [`spawn_app_with`] with the access logic (windows, deadlines, retries) on `clock`.
pub async fn spawn_app_on_clock(
    customize: impl FnOnce(&mut Config),
    clock: plexward::clock::SharedClock,
) -> TestApp {
    plexward::install_crypto_provider();
    // As the binary does: every test app's connections and streams share this process.
    static FD_LIMIT: std::sync::Once = std::sync::Once::new();
    FD_LIMIT.call_once(|| {
        plexward::process::raise_fd_limit();
    });
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let mut config = Config {
        port: 0,
        data_dir: data_dir.path().join("data"),
        web_dir: data_dir.path().join("no-web-ui"),
        ..Config::default()
    };
    customize(&mut config);
    start(config, data_dir, clock).await
}

/// [`spawn_app`] with sessions on `auth_clock` (their lifetimes, the refresh race window), so a
/// test steps past a window instead of sleeping through it.
pub async fn spawn_app_on_auth_clock(auth_clock: plexward::clock::SharedClock) -> TestApp {
    plexward::install_crypto_provider();
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let config = Config {
        port: 0,
        data_dir: data_dir.path().join("data"),
        web_dir: data_dir.path().join("no-web-ui"),
        ..Config::default()
    };
    start_with_clocks(config, data_dir, plexward::clock::system(), auth_clock).await
}

/// Builds and runs the application for `config`, whose data directory is inside `data_dir`.
async fn start(config: Config, data_dir: TempDir, clock: plexward::clock::SharedClock) -> TestApp {
    start_with_clocks(config, data_dir, clock, plexward::clock::system()).await
}

async fn start_with_clocks(
    config: Config,
    data_dir: TempDir,
    clock: plexward::clock::SharedClock,
    auth_clock: plexward::clock::SharedClock,
) -> TestApp {
    let app = Application::build_with_clocks(&config, clock, auth_clock)
        .await
        .expect("application builds");
    let db = plexward::db::connect(&config.database_path()).expect("test pool");
    let address = app.url();
    let handle = app.handle();
    let queue = app.apply_queue();
    let (deadlines, schedule, executor) =
        (app.heartbeat(), app.schedule_heartbeat(), app.executor());
    let running = tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Idle connections are dropped before the server's keep-alive (5 s) closes them:
            // reusing one the server is closing at that moment fails the request
            // (`IncompleteMessage`), which a slow test (a peer starting on a busy CI machine)
            // ran into between two calls.
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .expect("client"),
        data_dir,
        db,
        queue,
        deadlines,
        schedule,
        executor,
        config,
        handle,
        running: Some(running),
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
<base href=\"/\" /><script type=\"module\">import init from '/plexward-web-0123456789abcdef.js';await init();</script>\
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

/// Plexward connected to `sim`, with a moderator signed in: `(app, moderator token)`.
pub async fn app_on(sim: &SimHandle) -> (TestApp, String) {
    app_on_clock(sim, plexward::clock::system()).await
}

/// [`app_on`] with the access logic on `clock`.
pub async fn app_on_clock(
    sim: &SimHandle,
    clock: plexward::clock::SharedClock,
) -> (TestApp, String) {
    app_on_clock_with(sim, clock, |_| {}).await
}

/// [`app_on_clock`] with more configuration.
pub async fn app_on_clock_with(
    sim: &SimHandle,
    clock: plexward::clock::SharedClock,
    customize: impl FnOnce(&mut Config) + Send + 'static,
) -> (TestApp, String) {
    let (pms, plextv, token) = (
        sim.pms_url().to_owned(),
        sim.plextv_url().to_owned(),
        sim.owner_token(),
    );
    let app = spawn_app_on_clock(
        move |c| {
            c.plex_url = Some(pms);
            c.plextv_url = plextv;
            c.plex_token = Some(Redacted(token));
            customize(c);
        },
        clock,
    )
    .await;
    app.wait_for_startup_reconcile().await;
    app.create_account("mod", "moderator", false).await;
    let token = app.login("mod", GOOD_PASSWORD).await.token;
    (app, token)
}

pub async fn start_sync(app: &TestApp, token: &str) -> String {
    let r = app
        .bearer(Method::POST, "/api/v1/sync", token)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 202);
    r.json::<serde_json::Value>().await.expect("json")["job_id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Polls the job until it ends (deadline 20 s) and returns it.
pub async fn wait_for(app: &TestApp, token: &str, id: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let job: serde_json::Value = app
            .bearer(Method::GET, &format!("/api/v1/jobs/{id}"), token)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        if job["state"] == "succeeded" || job["state"] == "failed" {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job still {} after 20 s",
            job["state"]
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The boundary [`multipart`] bodies use.
pub const BOUNDARY: &str = "plexward-test-boundary-7d3f0c";

/// A `multipart/form-data` body of file `parts` (name, bytes), split by [`BOUNDARY`].
pub fn multipart(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, data) in parts {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Plexward run by its restartable serve loop (`startup::serve`, as `main` runs it), with
/// `config`: each start's URL and handle arrive on `starts`.
pub struct ServeLoop {
    pub starts: tokio::sync::mpsc::UnboundedReceiver<(String, actix_web::dev::ServerHandle)>,
    pub serving: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl ServeLoop {
    pub fn start(config: &Config) -> Self {
        plexward::install_crypto_provider();
        let (started, starts) = tokio::sync::mpsc::unbounded_channel();
        let config = config.clone();
        let serving = tokio::spawn(async move {
            plexward::startup::serve(&config, move |app| {
                let _ = started.send((app.url(), app.handle()));
            })
            .await
        });
        Self { starts, serving }
    }

    /// The next start's URL and handle.
    pub async fn started(&mut self) -> (String, actix_web::dev::ServerHandle) {
        self.starts.recv().await.expect("a start")
    }

    /// Stops the running server with `handle` and waits for the loop to end cleanly.
    pub async fn stop(self, handle: actix_web::dev::ServerHandle) {
        handle.stop(true).await;
        self.serving
            .await
            .expect("no panic")
            .expect("a stop ends the serve loop cleanly");
    }
}
