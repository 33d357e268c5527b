//! What the benchmarks share (included with `#[path]`, not an example of its own): the seed of
//! N friends × every library, percentiles, the simulator's request log grouped by endpoint,
//! memory from `/proc`, and the API calls they all make.

#![allow(
    dead_code,
    reason = "each benchmark includes this module and uses only part of it"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::Context;
use plex_sim::{Host, LoggedRequest, Seed, Share, ShareSettings};
use serde_json::{Value, json};

/// `Seed::with_generated_friends(n)`, every friend holding an accepted share of all five
/// libraries listed one by one: Plexward imports 5 grants per friend, and Plex matches them.
pub fn seed_all_libraries(friends: usize) -> Seed {
    let mut seed = Seed::default().with_generated_friends(friends);
    let sections: BTreeSet<u64> = seed.libraries.iter().map(|l| l.plex_id).collect();
    seed.shares = seed
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| Share {
            id: 70_000_000 + i as u64,
            user_id: a.id,
            all_libraries: false,
            section_ids: sections.clone(),
            settings: ShareSettings::default(),
            invited_at: plex_sim::SEED_EPOCH,
            accepted_at: Some(plex_sim::SEED_EPOCH),
            access_token: String::new(),
            deleted_at: None,
        })
        .collect();
    seed
}

/// The value at percentile `p` (nearest rank) of ascending `sorted`.
pub fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Requests per listener, method and path, numbers in the path folded to `{id}` and the
/// server's machine identifier to `{machine}` (one line per endpoint, not per friend).
pub fn requests_by_endpoint(log: &[LoggedRequest]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in log {
        let host = match r.host {
            Host::Pms => "PMS",
            Host::Plextv => "plex.tv",
        };
        let path: Vec<&str> = r
            .path
            .split('/')
            .map(|part| {
                if !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()) {
                    "{id}"
                } else if part.len() >= 32 && part.chars().all(|c| c.is_ascii_hexdigit()) {
                    "{machine}"
                } else {
                    part
                }
            })
            .collect();
        *counts
            .entry(format!("{host:<7} {:<6} {}", r.method, path.join("/")))
            .or_insert(0) += 1;
    }
    counts
}

/// VmRSS and VmHWM (peak RSS) of `pid` in KiB, from `/proc/<pid>/status`.
pub fn memory_kib(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .with_context(|| format!("{name} in /proc/{pid}/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// RSS split as `/proc/<pid>/status` counts it: anonymous (heap, stacks), file-backed (the
/// binary's pages read so far, shared libraries) and shared memory, e.g. "anon 30.1 MiB, file …".
pub fn memory_split(pid: u32) -> anyhow::Result<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<u64>().ok())
            .unwrap_or_default()
    };
    Ok(format!(
        "anon {}, file {}, shmem {}; {} threads",
        mib(field("RssAnon:")),
        mib(field("RssFile:")),
        mib(field("RssShmem:")),
        field("Threads:")
    ))
}

/// Resets the peak RSS (VmHWM) of `pid` to its current RSS, so the next reading is the peak of
/// what follows (Linux ≥ 4.0, `clear_refs` value 5).
pub fn reset_peak(pid: u32) -> anyhow::Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .with_context(|| format!("resetting the peak RSS of {pid}"))
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Signs `username` in: the bearer token.
pub async fn login(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await?;
    anyhow::ensure!(
        response.status() == 200,
        "sign-in of {username}: {}",
        response.status()
    );
    let body: Value = response.json().await?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .context("a token in the sign-in answer")
}

/// `POST /api/v1/scheduler/run`, then polls `/api/v1/jobs/{id}` every 5 ms until it ends
/// (deadline 10 min): the finished job and the time from the request to seeing it end.
pub async fn run_reconcile(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<(Value, Duration)> {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/v1/scheduler/run"))
        .bearer_auth(token)
        .send()
        .await?;
    anyhow::ensure!(response.status() == 202, "run now: {}", response.status());
    let id = response.json::<Value>().await?["job_id"]
        .as_str()
        .context("job_id")?
        .to_owned();
    let job = wait_for_job(client, base, token, &id).await?;
    Ok((job, started.elapsed()))
}

/// Polls `/api/v1/jobs/{id}` every 5 ms until the job has ended (deadline 10 min).
pub async fn wait_for_job(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
) -> anyhow::Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let job: Value = client
            .get(format!("{base}/api/v1/jobs/{id}"))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        match job["state"].as_str() {
            Some("succeeded") => return Ok(job),
            Some("failed") => anyhow::bail!("job {id} failed: {job}"),
            _ if Instant::now() > deadline => anyhow::bail!("job {id} still {}", job["state"]),
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// Waits (deadline 10 min) until the latest reconcile (`GET /api/v1/scheduler`) has ended.
pub async fn wait_for_last_reconcile(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let body: Value = client
            .get(format!("{base}/api/v1/scheduler"))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        let run = &body["last_run"];
        match run["state"].as_str() {
            Some("succeeded") => return Ok(run.clone()),
            Some("failed") => anyhow::bail!("the reconcile failed: {run}"),
            _ if Instant::now() > deadline => anyhow::bail!("no reconcile ended: {body}"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}
