//! Server benchmark (not a test: numbers depend on the machine). Run it with
//! `bash scripts/bench.sh server` (builds the release binary first), or
//! `cargo run --release -p plexward --example bench_server [-- --friends N --duration S
//! --connections N --signins N]` after `cargo build --release -p plexward`.
//! `PLEXWARD_BIN` names another server binary to measure (default: `plexward` next to this
//! example), `PLEXWARD_WEB_DIR` the built SPA it serves (default: none, and no step 5).
//!
//! The server runs as a child process (its memory read from `/proc/<pid>/status`: VmRSS now,
//! VmHWM the peak since a reset through `clear_refs`) on the in-process simulator with 1,000
//! friends × 5 libraries:
//! 1. startup to healthy: spawn → first 200 from `GET /api/v1/health`, on a fresh data
//!    directory and again on the imported one;
//! 2. RSS idle, after the startup reconcile;
//! 3. under `wrk` with 50 connections (p50/p99 latency, requests/s, bytes, RSS during and after):
//!    a. `GET /api/v1/plex-users` (1,000 friends, 5 grants each);
//!    b. a page of it, `?limit=50&offset=0` ("n/a" when the build refuses or ignores paging);
//!    c. one friend, `GET /api/v1/plex-users/{id}`;
//!    d. the dashboard's `GET /api/v1/summary`;
//! 4. sign-in throughput (sequential and 2 at a time) and 200 concurrent sign-ins: all answered,
//!    their latency and the peak RSS meanwhile. The per-IP sign-in limit (burst 10, then one
//!    every 6 s) would refuse all but the first few, so the child runs with
//!    `PLEXWARD_LOGIN_RATE_BURST=1000000`: what is measured is the Argon2id cost;
//! 5. the dashboard's first load in Chromium (`bench_dashboard.mjs`): requests and bytes.
//!
//! Lines starting `ROW|` are the summary `scripts/bench.sh` tabulates (and compares).
//! Everything listens on 127.0.0.1 and nothing but the simulator is contacted.

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports on stdout; its output is the product"
)]

#[path = "bench_support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use plex_sim::{PlexSim, SimConfig, SimHandle};
use serde_json::{Value, json};

const FIRST_PASSWORD: &str = "initial Glacier walrus 4821";
const PASSWORD: &str = "copper kettle orbiting lantern";

struct Options {
    friends: usize,
    duration_secs: u64,
    connections: usize,
    signins: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut o = Options {
        friends: 1_000,
        duration_secs: 20,
        connections: 50,
        signins: 200,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().context("a value after each option")?;
        match arg.as_str() {
            "--friends" => o.friends = value.parse()?,
            "--duration" => o.duration_secs = value.parse()?,
            "--connections" => o.connections = value.parse()?,
            "--signins" => o.signins = value.parse()?,
            other => anyhow::bail!(
                "unknown option {other} (--friends, --duration, --connections, --signins)"
            ),
        }
    }
    let binary = match std::env::var_os("PLEXWARD_BIN") {
        Some(path) => PathBuf::from(path),
        None => release_binary()?,
    };
    let web_dir = std::env::var_os("PLEXWARD_WEB_DIR")
        .map(PathBuf::from)
        .filter(|d| d.join("index.html").is_file());
    println!(
        "Server: release binary {} ({:.1} MB), {} friends × 5 libraries\n",
        binary.display(),
        std::fs::metadata(&binary)?.len() as f64 / 1e6,
        o.friends
    );
    println!(
        "SPA served from: {}\n",
        web_dir
            .as_deref()
            .map_or("(none)".into(), Path::to_string_lossy)
    );
    let sim = PlexSim::start(SimConfig {
        seed: support::seed_all_libraries(o.friends),
        ..SimConfig::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let client = reqwest::Client::new();

    // 1. Startup to healthy, fresh then with the imported data.
    let (child, base, fresh) =
        start(&binary, web_dir.as_deref(), dir.path(), &sim, &client).await?;
    let token = first_sign_in(&client, &base).await?;
    support::wait_for_last_reconcile(&client, &base, &token).await?;
    stop(child)?;
    let (child, base, again) =
        start(&binary, web_dir.as_deref(), dir.path(), &sim, &client).await?;
    let child = Running(child);
    println!(
        "1. Startup to healthy (spawn → first 200 from /api/v1/health, polled every 2 ms): \
         fresh data directory {}, with {} friends imported {}",
        support::ms(fresh),
        o.friends,
        support::ms(again)
    );
    let pid = child.0.id();

    // 2. Idle, once the startup reconcile has ended.
    support::wait_for_last_reconcile(&client, &base, &token).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle, idle_peak) = support::memory_kib(pid)?;
    println!(
        "2. RSS idle (startup reconcile over, 2 s later): {} (peak so far {})",
        support::mib(idle),
        support::mib(idle_peak)
    );
    println!("   ({})", support::memory_split(pid)?);
    println!("ROW|RSS idle|{}", support::mib(idle));

    // 3. The friends list, a page of it and one friend, under load.
    let body = get_ok(&client, &base, &token, "/api/v1/plex-users").await?;
    let list: Value = serde_json::from_slice(&body)?;
    let items = list["items"].as_array().context("items")?;
    let grants: usize = items
        .iter()
        .map(|f| f["granted_library_ids"].as_array().map_or(0, Vec::len))
        .sum();
    anyhow::ensure!(
        items.len() == o.friends && grants == o.friends * 5,
        "{} friends, {grants} grants listed",
        items.len()
    );
    let first_id = items[0]["id"].as_i64().context("a friend id")?;
    println!(
        "3. Under wrk -t2 -c{} -d{}s --latency (closed loop, no Accept-Encoding: bodies as JSON):",
        o.connections, o.duration_secs
    );
    let list_row = Endpoint {
        row: "list",
        title: format!(
            "a. GET /api/v1/plex-users ({} friends, {grants} grants)",
            items.len()
        ),
        path: "/api/v1/plex-users".to_owned(),
    };
    measure(&client, &base, &token, pid, &o, &list_row).await?;

    let paged = "/api/v1/plex-users?limit=50&offset=0";
    let answer = client
        .get(format!("{base}{paged}"))
        .bearer_auth(&token)
        .send()
        .await?;
    let status = answer.status();
    let page: Value = answer.json().await.unwrap_or_default();
    let listed = page["items"].as_array().map(Vec::len);
    match (status.as_u16(), listed) {
        (200, Some(n)) if n <= 50 && page["total"].as_u64().is_some() => {
            let row = Endpoint {
                row: "page",
                title: format!("b. GET {paged} ({n} of {} friends)", page["total"]),
                path: paged.to_owned(),
            };
            measure(&client, &base, &token, pid, &o, &row).await?;
        }
        (code, listed) => {
            let why = match listed {
                Some(n) if code == 200 => format!("answered all {n} friends, no `total`"),
                _ => format!("answered {status}"),
            };
            println!("   b. GET {paged}: n/a (not supported by this build: it {why})");
            for field in ["req/s", "p50", "p99", "bytes"] {
                println!("ROW|page {field}|n/a");
            }
        }
    }

    let friend = Endpoint {
        row: "friend",
        title: format!("c. GET /api/v1/plex-users/{first_id} (one friend)"),
        path: format!("/api/v1/plex-users/{first_id}"),
    };
    measure(&client, &base, &token, pid, &o, &friend).await?;

    let summary = Endpoint {
        row: "summary",
        title: "d. GET /api/v1/summary (the dashboard's cards)".to_owned(),
        path: "/api/v1/summary".to_owned(),
    };
    let has_summary = client
        .get(format!("{base}/api/v1/summary"))
        .bearer_auth(&token)
        .send()
        .await?
        .status()
        .is_success();
    if has_summary {
        measure(&client, &base, &token, pid, &o, &summary).await?;
    } else {
        // Builds from before issue #15 have no summary: the before column says so.
        println!("   d. GET /api/v1/summary: n/a (not in this build)");
        for field in ["req/s", "p50", "p99", "bytes"] {
            println!("ROW|summary {field}|n/a");
        }
    }

    // 4. Sign-ins.
    println!("4. Sign-ins (Argon2id m=19 MiB t=2 p=1, at most 2 hashes at once):");
    let sequential = sign_ins(&client, &base, 1, 20).await?;
    println!(
        "   sequential: {:.1} sign-ins/s (20, p50 {})",
        sequential.per_sec,
        support::ms(sequential.p50)
    );
    let parallel = sign_ins(&client, &base, 2, 20).await?;
    println!(
        "   2 at a time: {:.1} sign-ins/s (2 × 20, p50 {})",
        parallel.per_sec,
        support::ms(parallel.p50)
    );
    let before = support::memory_kib(pid)?.0;
    let burst = under_load(pid, || async {
        sign_ins(&client, &base, o.signins, 1).await
    })
    .await?;
    let b = burst.result?;
    println!(
        "   {} at once: {} of {} answered 200 in {} ({:.1}/s); latency p50 {}, p99 {}, max {}",
        o.signins,
        b.ok,
        o.signins,
        support::ms(b.wall),
        b.per_sec,
        support::ms(b.p50),
        support::ms(b.p99),
        support::ms(b.max)
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = support::memory_kib(pid)?.0;
    println!(
        "   RSS before {}, peak during {}, 2 s after {}",
        support::mib(before),
        support::mib(burst.peak_kib),
        support::mib(after)
    );
    println!(
        "ROW|RSS peak during {} sign-ins|{}",
        o.signins,
        support::mib(burst.peak_kib)
    );
    println!("ROW|RSS 2 s after the sign-ins|{}", support::mib(after));
    anyhow::ensure!(b.ok == o.signins, "not every sign-in succeeded");

    // 5. The dashboard in a browser.
    match &web_dir {
        Some(_) => dashboard(&base).await?,
        None => {
            println!(
                "5. Dashboard first load: skipped (no PLEXWARD_WEB_DIR: the SPA is not served)"
            );
            for field in ["api requests", "api bytes"] {
                println!("ROW|dashboard {field}|n/a");
            }
        }
    }
    drop(child);
    sim.stop().await;
    Ok(())
}

/// `target/release/plexward`, next to the directory this example runs from.
fn release_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .map(|release| release.join("plexward"))
        .context("the target directory")?;
    anyhow::ensure!(
        binary.is_file() && !cfg!(debug_assertions),
        "{} missing: run `cargo build --release -p plexward` and this example with --release",
        binary.display()
    );
    Ok(binary)
}

/// The child, killed if it is dropped while still running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = stop_ref(&mut self.0);
    }
}

/// A `GET` that must answer 200: its body.
async fn get_ok(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
) -> anyhow::Result<Vec<u8>> {
    let answer = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await?;
    anyhow::ensure!(answer.status() == 200, "GET {path}: {}", answer.status());
    Ok(answer.bytes().await?.to_vec())
}

/// One endpoint to load: its `ROW|` prefix, its title, its path and query.
struct Endpoint {
    row: &'static str,
    title: String,
    path: String,
}

/// The endpoint's size (as JSON and as sent to a client accepting compression), then wrk on it
/// with the child's RSS sampled: prints the result and its `ROW|` lines.
async fn measure(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    pid: u32,
    o: &Options,
    e: &Endpoint,
) -> anyhow::Result<()> {
    let plain = get_ok(client, base, token, &e.path).await?;
    let compressed = client
        .get(format!("{base}{}", e.path))
        .bearer_auth(token)
        .header("Accept-Encoding", "br, gzip")
        .send()
        .await?;
    let encoding = compressed
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_owned();
    let wire = compressed.bytes().await?.len();
    println!(
        "   {}: {:.1} KB of JSON ({:.1} KB when the client accepts br/gzip: {encoding})",
        e.title,
        plain.len() as f64 / 1e3,
        wire as f64 / 1e3
    );
    let load = under_load(pid, || wrk(base, token, &e.path, o)).await?;
    let w = load.result?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = support::memory_kib(pid)?.0;
    println!(
        "      latency p50 {}  p75 {}  p90 {}  p99 {}  (max {}); {} requests/s; non-2xx: {}",
        w.p50, w.p75, w.p90, w.p99, w.max, w.requests_per_sec, w.non_2xx
    );
    println!(
        "      RSS during the load: mean {}, peak {}; 2 s after: {}",
        support::mib(load.mean_kib),
        support::mib(load.peak_kib),
        support::mib(after)
    );
    println!("      2 s after: {}", support::memory_split(pid)?);
    let r = e.row;
    println!("ROW|{r} req/s|{}", w.requests_per_sec);
    println!("ROW|{r} p50|{}", w.p50);
    println!("ROW|{r} p99|{}", w.p99);
    println!(
        "ROW|{r} bytes|{:.1} KB JSON, {:.1} KB {encoding}",
        plain.len() as f64 / 1e3,
        wire as f64 / 1e3
    );
    if r == "list" {
        println!(
            "ROW|RSS under list load (peak)|{}",
            support::mib(load.peak_kib)
        );
        println!("ROW|RSS after list load (2 s)|{}", support::mib(after));
    }
    anyhow::ensure!(w.non_2xx == 0, "{} answers were not 2xx", w.non_2xx);
    Ok(())
}

/// Step 5: `bench_dashboard.mjs` (next to this file's source) in Chromium; its output shown,
/// its summary line turned into `ROW|` lines.
async fn dashboard(base: &str) -> anyhow::Result<()> {
    println!("5. Dashboard first load in Chromium (admin signs in through the form):");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench_dashboard.mjs");
    let base = base.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args([&base, "admin", PASSWORD])
            .stderr(Stdio::inherit())
            .output()
    })
    .await?
    .context("running node (the browser tests' playwright-core and /usr/bin/chromium)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "bench_dashboard.mjs failed:\n{text}"
    );
    let mut summary = None;
    for line in text.lines() {
        match line.trim().strip_prefix("DASHBOARD ") {
            Some(json) => summary = Some(serde_json::from_str::<Value>(json)?),
            None => println!("{line}"),
        }
    }
    let s = summary.context("bench_dashboard.mjs printed no summary")?;
    let kb = |v: &Value| v.as_f64().unwrap_or_default() / 1e3;
    println!("ROW|dashboard api requests|{}", s["first"]["requests"]);
    println!(
        "ROW|dashboard api bytes|{:.1} KB wire, {:.1} KB decoded",
        kb(&s["first"]["wire"]),
        kb(&s["first"]["body"])
    );
    println!(
        "ROW|first visit (sign-in page)|{} requests, {:.1} KB wire",
        s["shell"]["requests"],
        kb(&s["shell"]["wire"])
    );
    Ok(())
}

/// Starts `plexward serve` on a free port and waits (deadline 60 s) for a healthy answer:
/// the child, its URL and the time from spawn to healthy.
async fn start(
    binary: &Path,
    web_dir: Option<&Path>,
    dir: &Path,
    sim: &SimHandle,
    client: &reqwest::Client,
) -> anyhow::Result<(Child, String, Duration)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("plexward.log"))?;
    let mut command = Command::new(binary);
    // Only these settings: nothing inherited, no plexward.toml from the working directory.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PLEXWARD_") {
            command.env_remove(name);
        }
    }
    let started = Instant::now();
    let mut child = command
        .arg("serve")
        .current_dir(dir)
        .env("PLEXWARD_BIND", "127.0.0.1")
        .env("PLEXWARD_PORT", port.to_string())
        .env("PLEXWARD_DATA_DIR", dir.join("data"))
        .env(
            "PLEXWARD_WEB_DIR",
            web_dir.map_or_else(|| dir.join("no-web-ui"), Path::to_path_buf),
        )
        .env("PLEXWARD_LOG", "warn")
        .env("PLEXWARD_ADMIN_PASSWORD", FIRST_PASSWORD)
        .env("PLEXWARD_LOGIN_RATE_BURST", "1000000")
        .env("PLEXWARD_PLEX_URL", sim.pms_url())
        .env("PLEXWARD_PLEXTV_URL", sim.plextv_url())
        .env("PLEXWARD_PLEX_TOKEN", sim.owner_token())
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .spawn()?;
    let deadline = started + Duration::from_secs(60);
    loop {
        let healthy = client
            .get(format!("{base}/api/v1/health"))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if healthy {
            return Ok((child, base, started.elapsed()));
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("plexward exited with {status}; see its log");
        }
        if Instant::now() > deadline {
            stop_ref(&mut child)?;
            anyhow::bail!("plexward not healthy within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn stop(mut child: Child) -> anyhow::Result<()> {
    stop_ref(&mut child)
}

/// SIGTERM, then waits for the exit (SIGKILL after 30 s).
fn stop_ref(child: &mut Child) -> anyhow::Result<()> {
    if child.try_wait()?.is_some() {
        return Ok(());
    }
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id())?).context("pid")?;
    rustix::process::kill_process(pid, rustix::process::Signal::TERM)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            child.kill()?;
            child.wait()?;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// The bootstrap admin's first sign-in and forced password change: a bearer token that stays
/// valid across restarts.
async fn first_sign_in(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let token = support::login(client, base, "admin", FIRST_PASSWORD).await?;
    let changed = client
        .put(format!("{base}/api/v1/me/password"))
        .bearer_auth(&token)
        .json(&json!({ "current_password": FIRST_PASSWORD, "new_password": PASSWORD }))
        .send()
        .await?;
    anyhow::ensure!(
        changed.status().is_success(),
        "password change: {}",
        changed.status()
    );
    Ok(token)
}

/// What happened while a load ran: its result and the child's RSS, sampled every 50 ms, and
/// its peak (VmHWM after a reset).
struct Load<T> {
    result: T,
    mean_kib: u64,
    peak_kib: u64,
}

async fn under_load<F, Fut, T>(pid: u32, load: F) -> anyhow::Result<Load<T>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    support::reset_peak(pid)?;
    let done = Arc::new(AtomicBool::new(false));
    let (sum, samples) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let sampler = {
        let (done, sum, samples) = (done.clone(), sum.clone(), samples.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Ok((rss, _)) = support::memory_kib(pid) {
                    sum.fetch_add(rss, Ordering::Relaxed);
                    samples.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let result = load().await;
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    let (_, peak_kib) = support::memory_kib(pid)?;
    Ok(Load {
        result,
        mean_kib: sum.load(Ordering::Relaxed) / samples.load(Ordering::Relaxed).max(1),
        peak_kib,
    })
}

/// wrk's summary: percentiles as wrk prints them (with units), requests/s, non-2xx count.
struct Wrk {
    p50: String,
    p75: String,
    p90: String,
    p99: String,
    max: String,
    requests_per_sec: String,
    non_2xx: u64,
}

/// Runs wrk (2 threads, `connections`, `duration`) on `GET path` with a bearer
/// token and reads its `--latency` summary. wrk is closed-loop: each connection sends its next
/// request when the answer arrives, so at saturation the percentiles include queueing.
async fn wrk(base: &str, token: &str, path: &str, o: &Options) -> anyhow::Result<Wrk> {
    let args = [
        "-t2".to_owned(),
        format!("-c{}", o.connections),
        format!("-d{}s", o.duration_secs),
        "--latency".to_owned(),
        "--timeout".to_owned(),
        "10s".to_owned(),
        "-H".to_owned(),
        format!("Authorization: Bearer {token}"),
        format!("{base}{path}"),
    ];
    let output = tokio::task::spawn_blocking(move || Command::new("wrk").args(args).output())
        .await?
        .context("running wrk (apt-get install wrk; scripts/bench.sh installs it)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(output.status.success(), "wrk failed: {text}");
    let field = |prefix: &str, index: usize| -> anyhow::Result<String> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(index))
            .map(str::to_owned)
            .with_context(|| format!("`{prefix}` in wrk's output:\n{text}"))
    };
    let non_2xx = match field("Non-2xx or 3xx responses:", 4) {
        Ok(n) => n.parse()?,
        Err(_) => 0,
    };
    let errors = text.lines().find(|l| l.contains("Socket errors"));
    anyhow::ensure!(errors.is_none(), "wrk: {}", errors.unwrap_or_default());
    Ok(Wrk {
        p50: field("50%", 1)?,
        p75: field("75%", 1)?,
        p90: field("90%", 1)?,
        p99: field("99%", 1)?,
        max: field("Latency", 3)?,
        requests_per_sec: field("Requests/sec:", 1)?,
        non_2xx,
    })
}

/// Sign-ins run by `workers` tasks, `each` one after the other.
struct SignIns {
    ok: usize,
    per_sec: f64,
    wall: Duration,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

async fn sign_ins(
    client: &reqwest::Client,
    base: &str,
    workers: usize,
    each: usize,
) -> anyhow::Result<SignIns> {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (client, url) = (client.clone(), format!("{base}/api/v1/auth/login"));
        tasks.spawn(async move {
            let mut results = Vec::with_capacity(each);
            for _ in 0..each {
                let sent = Instant::now();
                let status = client
                    .post(&url)
                    .json(&json!({ "username": "admin", "password": PASSWORD }))
                    .timeout(Duration::from_secs(120))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                results.push((status, sent.elapsed()));
            }
            results
        });
    }
    let mut results = Vec::new();
    while let Some(done) = tasks.join_next().await {
        results.extend(done?);
    }
    let wall = started.elapsed();
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    latencies.sort_unstable();
    Ok(SignIns {
        ok,
        per_sec: ok as f64 / wall.as_secs_f64(),
        wall,
        p50: support::percentile(&latencies, 50.0),
        p99: support::percentile(&latencies, 99.0),
        max: latencies.last().copied().unwrap_or_default(),
    })
}
