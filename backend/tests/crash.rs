//! Crash recovery, end to end: the real `plexward` binary, wired to the in-process Plex simulator
//! answering slowly, is killed with SIGKILL while share writes are in flight — three times — and
//! started again on the same data directory each time. The simulator's state and request log
//! must then show the plan reached for every friend: no friend shared twice, never an empty
//! library list, every window that ended revoked. Nothing but the simulator on 127.0.0.1 is
//! contacted.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use plex_sim::ids::{MOVIES, TV};
use plex_sim::{LoggedRequest, PlexSim, Seed, SimConfig, SimHandle};
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

/// Generated friends of every kind (accepted, pending, no share, Home user, all libraries).
const FRIENDS: usize = 30;
/// plex.tv's answer time during the crashes: long enough that a kill finds writes under way.
const LATENCY: Duration = Duration::from_millis(250);
const ADMIN_PASSWORD: &str = "initial Glacier walrus 4821";
const NEW_PASSWORD: &str = "copper kettle orbiting lantern";
/// The first revoke's window ends this long after the grants are saved; the others follow
/// [`END_SPACING`] apart, so edges fall before, during and after the kills.
const FIRST_END: Duration = Duration::from_secs(5);
const END_SPACING: Duration = Duration::from_millis(300);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn rfc3339(ms: i64) -> String {
    plexward::db::time::from_ms(ms).to_rfc3339()
}

/// What a friend's grants do during the test, and what Plex must have in the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Gains Movies + TV (a bulk change: invites for those without a share).
    Gain,
    /// Movies for good, TV until a window end a few seconds away.
    LoseTv,
    /// Movies only, until a window end a few seconds away: the share is deleted then.
    LoseAll,
}

impl Role {
    fn of(index: usize) -> Self {
        // 3 roles × 5 kinds of friends (coprime): every role meets every kind twice.
        [Role::Gain, Role::LoseTv, Role::LoseAll][index % 3]
    }

    /// The plex.tv section ids Plex must share once every window has ended (`None`: no share).
    fn final_sections(self) -> Option<BTreeSet<u64>> {
        match self {
            Role::Gain => Some(BTreeSet::from([MOVIES, TV])),
            Role::LoseTv => Some(BTreeSet::from([MOVIES])),
            Role::LoseAll => None,
        }
    }
}

#[derive(Debug)]
struct Friend {
    /// Plexward's id.
    id: i64,
    plex_id: u64,
    role: Role,
}

/// A running `plexward serve`. Dropping it kills the process, so a failing test leaves none.
struct Plexward {
    child: Child,
    url: String,
}

impl Plexward {
    /// SIGKILL: no shutdown code runs, whatever was in flight is cut off.
    fn kill(mut self) {
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
struct Harness {
    dir: TempDir,
    pms_url: String,
    plextv_url: String,
    token: String,
    client: reqwest::Client,
}

impl Harness {
    fn new(sim: &SimHandle) -> Self {
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

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("plexward.log")
    }

    /// The end of the binary's output (every run), for failure messages.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Starts the binary on the data directory and waits (deadline 30 s) until it listens.
    async fn start(&self) -> Plexward {
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

    async fn call(
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
    async fn sign_in(&mut self, app: &Plexward) {
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

    /// Waits (deadline 30 s) until the reconcile this run started with has ended.
    async fn wait_for_reconcile(&self, app: &Plexward, previous: Option<&str>) -> String {
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

    async fn wait_for_job(&self, app: &Plexward, id: &str) -> Value {
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

    async fn friends(&self, app: &Plexward) -> Vec<Value> {
        let (status, list) = self
            .call(app, Method::GET, "/api/v1/plex-users", None)
            .await;
        assert_eq!(status, 200, "{list}");
        list["items"].as_array().expect("items").clone()
    }
}

/// The address from the line "Plexward listening on http://…" written after `offset`.
fn listening_url(log: &Path, offset: u64) -> Option<String> {
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

fn is_share_write(method: &str, path: &str) -> bool {
    method != "GET" && path.contains("/shared_servers")
}

/// Waits until a share write (of `method`, or any) sent after request `after_seq` is in flight
/// toward the simulator — once `done_first` such writes were answered, and not before
/// `not_before` (ms) — so a kill now cuts an apply off mid-request. Returns what was in flight.
async fn until_write_in_flight(
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
fn last_seq(sim: &SimHandle) -> u64 {
    let answered = sim.requests().last().map_or(0, |r| r.seq);
    let open = sim.in_flight().last().map_or(0, |r| r.seq);
    answered.max(open)
}

/// Library id lists in a share write's body (plex.tv v1 and v2 spellings).
fn library_lists(body: &Value) -> Vec<&Vec<Value>> {
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
fn invited_user(r: &LoggedRequest) -> Option<u64> {
    let body = r.json_body()?;
    let id = &body["shared_server"]["invited_id"];
    id.as_u64().or_else(|| id.as_str()?.parse().ok())
}

#[tokio::test]
async fn killed_mid_apply_three_times_plex_converges_without_duplicates_or_lost_revokes() {
    let started = Instant::now();
    let sim = PlexSim::start(SimConfig {
        seed: Seed::default().with_generated_friends(FRIENDS),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let mut h = Harness::new(&sim);
    let app = h.start().await;
    h.sign_in(&app).await;
    h.wait_for_reconcile(&app, None).await;
    let (status, sync) = h.call(&app, Method::POST, "/api/v1/sync", None).await;
    assert_eq!(status, 202, "{sync}");
    let job = h
        .wait_for_job(&app, sync["job_id"].as_str().expect("job id"))
        .await;
    assert_eq!(job["state"], "succeeded", "{job}");

    let (_, libraries) = h.call(&app, Method::GET, "/api/v1/libraries", None).await;
    let library = |key: i64| {
        libraries["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|l| l["key"] == key)
            .and_then(|l| l["id"].as_i64())
            .expect("library imported")
    };
    let (movies, tv) = (library(1), library(2));
    let mut friends: Vec<Friend> = h
        .friends(&app)
        .await
        .iter()
        .map(|f| {
            let plex_id = f["plex_user_id"].as_u64().expect("plex id");
            Friend {
                id: f["id"].as_i64().expect("id"),
                plex_id,
                role: Role::of((plex_id - 3_000_000) as usize),
            }
        })
        .collect();
    friends.sort_by_key(|f| f.plex_id);
    assert_eq!(friends.len(), FRIENDS, "every generated friend imported");
    sim.clear_requests();

    // Revokes to come: saved (and applied) while Plex is fast, ending a few seconds from now.
    let first_end = now_ms() + FIRST_END.as_millis() as i64;
    let mut last_end = first_end;
    for (k, f) in friends.iter().filter(|f| f.role != Role::Gain).enumerate() {
        last_end = first_end + k as i64 * END_SPACING.as_millis() as i64;
        let end = rfc3339(last_end);
        let grants = match f.role {
            Role::LoseTv => json!([{ "library_id": movies }, { "library_id": tv, "ends_at": end }]),
            _ => json!([{ "library_id": movies, "ends_at": end }]),
        };
        let (status, body) = h
            .call(
                &app,
                Method::PUT,
                &format!("/api/v1/plex-users/{}/grants", f.id),
                Some(json!({ "grants": grants })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["plex_matches"], true, "{body}");
    }
    let saved_at = now_ms();
    assert!(
        saved_at < first_end,
        "saving the revokes took {} ms; the first window already ended",
        saved_at - (first_end - FIRST_END.as_millis() as i64)
    );

    // Gains: one bulk change, applied in the background while plex.tv answers slowly.
    sim.set_latency(LATENCY);
    let gainers: Vec<i64> = friends
        .iter()
        .filter(|f| f.role == Role::Gain)
        .map(|f| f.id)
        .collect();
    let before_bulk = last_seq(&sim);
    let (status, body) = h
        .call(
            &app,
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({
                "plex_user_ids": gainers,
                "action": { "kind": "set_libraries", "library_ids": [movies, tv] },
            })),
        )
        .await;
    assert_eq!(status, 202, "{body}");

    // Kill 1: while an invite is in flight — the moment a restart could share twice.
    let cut = until_write_in_flight(
        &sim,
        Some("POST"),
        before_bulk,
        1,
        0,
        Duration::from_secs(20),
    )
    .await;
    eprintln!(
        "kill 1 at +{} ms of the first end: {} {} in flight",
        now_ms() - first_end,
        cut.method,
        cut.path
    );
    app.kill();
    let mut cuts = vec![cut];

    // Kill 2: once windows have started ending, so deadline jobs are queued or running too.
    let app = h.start().await;
    let restarted = last_seq(&sim);
    let cut = until_write_in_flight(
        &sim,
        None,
        restarted,
        1,
        first_end + 1_000,
        Duration::from_secs(30),
    )
    .await;
    eprintln!(
        "kill 2 at +{} ms of the first end: {} {} in flight",
        now_ms() - first_end,
        cut.method,
        cut.path
    );
    app.kill();
    cuts.push(cut);

    // Kill 3: at the first share write of the next run (the startup reconcile catching up).
    let app = h.start().await;
    let restarted = last_seq(&sim);
    let cut = until_write_in_flight(&sim, None, restarted, 0, 0, Duration::from_secs(30)).await;
    eprintln!(
        "kill 3 at +{} ms of the first end: {} {} in flight",
        now_ms() - first_end,
        cut.method,
        cut.path
    );
    app.kill();
    cuts.push(cut);

    // Last run: Plex must reach the plan for every friend once every window has ended — which
    // is also the proof that no revoke was lost: an ended window left in Plex fails here.
    let app = h.start().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = sim.state();
        let wrong: Vec<String> = friends
            .iter()
            .filter_map(|f| {
                let shares: Vec<_> = state
                    .shares
                    .iter()
                    .filter(|s| s.user_id == f.plex_id)
                    .collect();
                let now = shares
                    .first()
                    .map(|s| (s.all_libraries, s.section_ids.clone()));
                let want = f.role.final_sections().map(|ids| (false, ids));
                (shares.len() > 1 || now != want)
                    .then(|| format!("{} ({:?}): {now:?}, want {want:?}", f.plex_id, f.role))
            })
            .collect();
        if wrong.is_empty() && now_ms() > last_end {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Plex did not converge within 60 s:\n{}\n--- plexward log ---\n{}",
            wrong.join("\n"),
            h.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let converged = started.elapsed();

    let log = sim.requests();
    // No duplicate share: at most one successful creation per friend (a refused second
    // invite is allowed: it is how Plexward learns of a share a crash kept it from recording).
    let mut created: BTreeMap<u64, usize> = BTreeMap::new();
    let mut refused = 0;
    for r in log
        .iter()
        .filter(|r| r.is("POST", "/api/servers/*/shared_servers"))
    {
        let user = invited_user(r).unwrap_or_else(|| panic!("invite without a user: {r:?}"));
        if (200..300).contains(&r.status) {
            *created.entry(user).or_default() += 1;
        } else {
            refused += 1;
        }
    }
    for (user, n) in &created {
        assert_eq!(*n, 1, "friend {user} was shared {n} times");
    }
    // Never an empty library list (plex.tv reads it as "every library").
    for r in log
        .iter()
        .filter(|r| r.method == "POST" || r.method == "PUT")
    {
        if !is_share_write(&r.method, &r.path) {
            continue;
        }
        let body = r.json_body().unwrap_or(Value::Null);
        let lists = library_lists(&body);
        assert!(
            !lists.is_empty() && lists.iter().all(|l| !l.is_empty()),
            "a share write without libraries: {} {} {}",
            r.method,
            r.path,
            r.body
        );
    }
    // Whether plex.tv carried out the requests the kills cut off (it answers no one then).
    let carried_out: Vec<bool> = cuts
        .iter()
        .map(|cut| {
            log.iter()
                .any(|r| r.seq == cut.seq && (200..300).contains(&r.status))
        })
        .collect();
    let share_writes = log
        .iter()
        .filter(|r| is_share_write(&r.method, &r.path))
        .count();

    // Plexward's own record agrees: every friend applied, Plex as granted, nothing pending.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let listed = h.friends(&app).await;
        let wrong: Vec<String> = friends
            .iter()
            .filter_map(|f| {
                let row = listed
                    .iter()
                    .find(|r| r["id"] == f.id)
                    .expect("friend listed");
                let sorted = |v: &Value| {
                    let mut ids: Vec<i64> = v
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_i64).collect())
                        .unwrap_or_default();
                    ids.sort_unstable();
                    ids
                };
                let want = match f.role {
                    Role::Gain => vec![movies.min(tv), movies.max(tv)],
                    Role::LoseTv => vec![movies],
                    Role::LoseAll => vec![],
                };
                let state = row["apply"]["state"].as_str().unwrap_or_default();
                let ok = sorted(&row["granted_library_ids"]) == want
                    && sorted(&row["actual_library_ids"]) == want
                    && (state == "applied" || state == "pending_invite")
                    && row["drift"] == false;
                (!ok).then(|| {
                    format!(
                        "{} ({:?}): granted {} actual {} apply {}",
                        f.plex_id,
                        f.role,
                        row["granted_library_ids"],
                        row["actual_library_ids"],
                        row["apply"]
                    )
                })
            })
            .collect();
        if wrong.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Plexward's record differs:\n{}\n--- plexward log ---\n{}",
            wrong.join("\n"),
            h.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A clean stop is possible after all that, and leaves no apply job behind.
    let mut app = app;
    let pid = rustix::process::Pid::from_raw(i32::try_from(app.child.id()).expect("pid"))
        .expect("a live child has a pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM sent");
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = app.child.try_wait().expect("status") {
            break exit;
        }
        assert!(Instant::now() < deadline, "no clean stop within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit}\n{}", h.log_tail());
    let pool = plexward::db::connect(&h.dir.path().join("data").join("plexward.db")).expect("db");
    let left = plexward::db::run(&pool, |conn| {
        use diesel::prelude::*;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(
            "SELECT COUNT(*) AS n FROM Jobs WHERE job_type = ? \
             AND status NOT IN ('Done', 'Killed', 'Failed')",
        )
        .bind::<diesel::sql_types::Text, _>(plexward::jobs::apply_friend::QUEUE)
        .get_result::<Count>(conn)
        .map(|c| c.n)
    })
    .await
    .expect("jobs counted");
    assert_eq!(left, 0, "apply jobs left behind");
    eprintln!(
        "converged after 3 kills in {converged:?} (whole test {:?}); {share_writes} share writes, \
         {} invites, {refused} refused re-invites; cut-off writes carried out by Plex: \
         {carried_out:?}",
        started.elapsed(),
        created.len()
    );
}
