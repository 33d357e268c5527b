//! The real binary on a temporary data directory against the in-process simulator: start,
//! SIGKILL, start again; calls to its API; what the simulator's log says about share writes.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use plex_sim::{LoggedRequest, SimHandle};
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

pub(crate) const ADMIN_PASSWORD: &str = "initial Glacier walrus 4821";
pub(crate) const NEW_PASSWORD: &str = "copper kettle orbiting lantern";
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub(crate) fn rfc3339(ms: i64) -> String {
    plexward::db::time::from_ms(ms).to_rfc3339()
}

/// A running `plexward serve`. Dropping it kills the process, so a failing test leaves none.
pub(crate) struct Plexward {
    pub(crate) child: Child,
    pub(crate) url: String,
}

impl Plexward {
    /// SIGTERM, then waits (deadline 30 s) for a clean exit: the stop a restart policy sees.
    pub(crate) async fn terminate(mut self) {
        let pid = rustix::process::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"))
            .expect("a live child has a pid");
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM sent");
        let deadline = Instant::now() + Duration::from_secs(30);
        let exit = loop {
            if let Some(exit) = self.child.try_wait().expect("status") {
                break exit;
            }
            assert!(Instant::now() < deadline, "no clean stop within 30 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(exit.success(), "exit {exit}");
    }

    /// SIGKILL: no shutdown code runs, whatever was in flight is cut off.
    pub(crate) fn kill(mut self) {
        self.child.kill().expect("SIGKILL sent");
        self.child.wait().expect("process reaped");
    }
}

impl Drop for Plexward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The data directory, logs and HTTP client shared by every run of the binary.
pub(crate) struct Harness {
    pub(crate) dir: TempDir,
    pub(crate) pms_url: String,
    pub(crate) plextv_url: String,
    pub(crate) token: String,
    pub(crate) client: reqwest::Client,
}

impl Harness {
    pub(crate) fn new(sim: &SimHandle) -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            pms_url: sim.pms_url().to_owned(),
            plextv_url: sim.plextv_url().to_owned(),
            token: String::new(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
        }
    }

    pub(crate) fn log_path(&self) -> PathBuf {
        self.dir.path().join("plexward.log")
    }

    /// The end of the binary's output (every run), for failure messages.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Starts the binary on the data directory and waits (deadline 30 s) until it listens.
    pub(crate) async fn start(&self) -> Plexward {
        let log = self.log_path();
        let offset = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        let err = out.try_clone().expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_plexward"));
        // Only this test's settings: none inherited from the environment, and no
        // `plexward.toml` from the working directory.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PLEXWARD_") {
                command.env_remove(name);
            }
        }
        let child = command
            .arg("serve")
            .current_dir(self.dir.path())
            .env("PLEXWARD_BIND", "127.0.0.1")
            .env("PLEXWARD_PORT", "0")
            .env("PLEXWARD_DATA_DIR", self.dir.path().join("data"))
            .env("PLEXWARD_WEB_DIR", self.dir.path().join("no-web-ui"))
            .env("PLEXWARD_LOG", "info")
            .env("PLEXWARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("PLEXWARD_PLEX_URL", &self.pms_url)
            .env("PLEXWARD_PLEXTV_URL", &self.plextv_url)
            .env("PLEXWARD_PLEX_TOKEN", plex_sim::DEFAULT_OWNER_TOKEN)
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
            if let Some(url) = listening_url(&log, offset) {
                running.url = url;
                return running;
            }
            if let Some(status) = running.child.try_wait().expect("status") {
                panic!("plexward exited with {status}:\n{}", self.log_tail());
            }
            assert!(
                Instant::now() < deadline,
                "plexward did not listen within 30 s:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub(crate) async fn call(
        &self,
        app: &Plexward,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", app.url))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The first sign-in of the bootstrap admin, with the forced password change. The session
    /// outlives the restarts (its key and row are in the data directory).
    pub(crate) async fn sign_in(&mut self, app: &Plexward) {
        let response = self
            .client
            .post(format!("{}/api/v1/auth/login", app.url))
            .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "admin sign-in");
        let body: Value = response.json().await.expect("json");
        self.token = body["token"].as_str().expect("token").to_owned();
        let (status, body) = self
            .call(
                app,
                Method::PUT,
                "/api/v1/me/password",
                Some(json!({ "current_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD })),
            )
            .await;
        assert!(status == 200 || status == 204, "{status} {body}");
    }

    /// The first run: started, the admin signed in, the startup reconcile over and a sync of
    /// the simulator's friends and libraries done.
    pub(crate) async fn start_synced(&mut self) -> Plexward {
        let app = self.start().await;
        self.sign_in(&app).await;
        self.wait_for_reconcile(&app, None).await;
        let (status, sync) = self.call(&app, Method::POST, "/api/v1/sync", None).await;
        assert_eq!(status, 202, "{sync}");
        let job = self
            .wait_for_job(&app, sync["job_id"].as_str().expect("job id"))
            .await;
        assert_eq!(job["state"], "succeeded", "{job}");
        app
    }

    /// Waits (deadline 30 s) until the reconcile this run started with has ended.
    pub(crate) async fn wait_for_reconcile(
        &self,
        app: &Plexward,
        previous: Option<&str>,
    ) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, body) = self.call(app, Method::GET, "/api/v1/scheduler", None).await;
            let run = &body["last_run"];
            if let Some(id) = run["job_id"].as_str()
                && Some(id) != previous
                && (run["state"] == "succeeded" || run["state"] == "failed")
            {
                return id.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "no reconcile ended: {body}\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn wait_for_job(&self, app: &Plexward, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, job) = self
                .call(app, Method::GET, &format!("/api/v1/jobs/{id}"), None)
                .await;
            if job["state"] == "succeeded" || job["state"] == "failed" {
                return job;
            }
            assert!(Instant::now() < deadline, "job still {}", job["state"]);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn friends(&self, app: &Plexward) -> Vec<Value> {
        let (status, list) = self
            .call(app, Method::GET, "/api/v1/plex-users", None)
            .await;
        assert_eq!(status, 200, "{list}");
        list["items"].as_array().expect("items").clone()
    }
}

/// The address from the line "Plexward listening on http://…" written after `offset`.
pub(crate) fn listening_url(log: &Path, offset: u64) -> Option<String> {
    let text = std::fs::read(log).ok()?;
    let text = String::from_utf8_lossy(text.get(offset as usize..)?);
    let at = text.find("listening on http://")? + "listening on ".len();
    let url: String = text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"')
        .collect();
    url.rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()))
        .then_some(url)
}

pub(crate) fn is_share_write(method: &str, path: &str) -> bool {
    method != "GET" && path.contains("/shared_servers")
}

/// Waits until a share write (of `method`, or any) sent after request `after_seq` is in flight
/// toward the simulator — once `done_first` such writes were answered, and not before
/// `not_before` (ms) — so a kill now cuts an apply off mid-request. Returns what was in flight.
pub(crate) async fn until_write_in_flight(
    sim: &SimHandle,
    method: Option<&str>,
    after_seq: u64,
    done_first: usize,
    not_before: i64,
    within: Duration,
) -> plex_sim::InFlight {
    let deadline = Instant::now() + within;
    loop {
        let answered = sim
            .requests()
            .iter()
            .filter(|r| r.seq > after_seq && is_share_write(&r.method, &r.path))
            .count();
        if answered >= done_first
            && now_ms() >= not_before
            && let Some(write) = sim.in_flight().into_iter().find(|r| {
                r.seq > after_seq
                    && is_share_write(&r.method, &r.path)
                    && method.is_none_or(|m| r.method == m)
            })
        {
            return write;
        }
        assert!(
            Instant::now() < deadline,
            "no share write in flight within {within:?} ({answered} answered since #{after_seq})"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The newest request's sequence number, answered or not: a request the killed process left
/// in flight is older than anything the next run sends.
pub(crate) fn last_seq(sim: &SimHandle) -> u64 {
    let answered = sim.requests().last().map_or(0, |r| r.seq);
    let open = sim.in_flight().last().map_or(0, |r| r.seq);
    answered.max(open)
}

/// Library id lists in a share write's body (plex.tv v1 and v2 spellings).
pub(crate) fn library_lists(body: &Value) -> Vec<&Vec<Value>> {
    let mut found = Vec::new();
    let mut stack = vec![body];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (key, value) in map {
                    if key == "library_section_ids" || key == "librarySectionIds" {
                        if let Value::Array(list) = value {
                            found.push(list);
                        }
                    } else {
                        stack.push(value);
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// The plex.tv user a share creation invites.
pub(crate) fn invited_user(r: &LoggedRequest) -> Option<u64> {
    let body = r.json_body()?;
    let id = &body["shared_server"]["invited_id"];
    id.as_u64().or_else(|| id.as_str()?.parse().ok())
}
