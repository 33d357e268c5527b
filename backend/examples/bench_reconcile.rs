//! Reconcile benchmark (not a test: numbers depend on the machine). Run it with
//! `bash scripts/bench.sh reconcile` or
//! `cargo run --release -p plexward --example bench_reconcile [-- --friends N --changed N --latency-ms N]`.
//!
//! Plexward (in-process) on the in-process simulator with 1,000 friends, each sharing all five
//! libraries (so 5,000 grants once imported). Each reconcile is started with
//! `POST /api/v1/scheduler/run` and followed with `GET /api/v1/jobs/{id}` (every 5 ms); the
//! simulator's request log, cleared before each run, gives the Plex requests by endpoint.
//! Runs: nothing changed; 200 friends changed (one grant removed each, written through the db
//! layer as a saved change that was never applied); then both again with 50 ms latency on
//! every Plex request (both listeners).
//!
//! Everything listens on 127.0.0.1 and nothing but the simulator is contacted.

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports on stdout; its output is the product"
)]

#[path = "bench_support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use anyhow::Context;
use plex_sim::{PlexSim, SimConfig, SimHandle, ids};
use plexward::config::{Config, Redacted};
use plexward::db::{self, DbPool};
use plexward::startup::Application;
use serde_json::Value;

const PASSWORD: &str = "violet kettle marching upstream";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    plexward::install_crypto_provider();
    let (mut friends, mut changed, mut latency_ms) = (1_000_usize, 200_usize, 50_u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().context("a value after each option")?;
        match arg.as_str() {
            "--friends" => friends = value.parse()?,
            "--changed" => changed = value.parse()?,
            "--latency-ms" => latency_ms = value.parse()?,
            other => anyhow::bail!("unknown option {other} (--friends, --changed, --latency-ms)"),
        }
    }
    anyhow::ensure!(
        2 * changed <= friends,
        "--changed at most half of --friends"
    );
    println!("Reconcile: {friends} friends × 5 libraries, {changed} changed\n");

    let sim = PlexSim::start(SimConfig {
        seed: support::seed_all_libraries(friends),
        ..SimConfig::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let config = Config {
        port: 0,
        data_dir: dir.path().join("data"),
        web_dir: dir.path().join("no-web-ui"),
        plex_url: Some(sim.pms_url().to_owned()),
        plextv_url: sim.plextv_url().to_owned(),
        plex_token: Some(Redacted(sim.owner_token())),
        ..Config::default()
    };
    // The benchmark's admin exists before the first start, so no bootstrap admin is made.
    plexward::data_dir::ensure(&config.data_dir)?;
    let pool = db::connect(&config.database_path())?;
    create_admin(&pool).await?;
    let started = Instant::now();
    let app = Application::build(&config).await?;
    let base = app.url();
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let token = support::login(&client, &base, "bench", PASSWORD).await?;

    let import = support::wait_for_last_reconcile(&client, &base, &token).await?;
    let imported = started.elapsed();
    let grants = db::run(&pool, db::plex_users::all_grants)
        .await?
        .values()
        .map(Vec::len)
        .sum::<usize>();
    anyhow::ensure!(grants == friends * 5, "{grants} grants imported");
    println!(
        "0. First start (import of {friends} friends, {grants} grants): {} from build to the \
         startup reconcile's end; {} Plex requests\n   result {}\n",
        support::ms(imported),
        sim.requests().len(),
        import["result"]
    );

    let tv = key_of(&sim, ids::TV)?;
    let music = key_of(&sim, ids::MUSIC)?;
    run(
        &sim,
        &client,
        &base,
        &token,
        "1. Nothing changed, no latency",
        0,
    )
    .await?;
    remove_grant(&pool, 0..changed, tv).await?;
    let job = run(
        &sim,
        &client,
        &base,
        &token,
        "2. Changed, no latency",
        changed,
    )
    .await?;
    check_applied(&sim, &job, changed, ids::TV)?;

    sim.set_latency(Duration::from_millis(latency_ms));
    let title = format!("3. Nothing changed, {latency_ms} ms latency");
    run(&sim, &client, &base, &token, &title, 0).await?;
    remove_grant(&pool, changed..2 * changed, music).await?;
    let title = format!("4. Changed, {latency_ms} ms latency");
    let job = run(&sim, &client, &base, &token, &title, changed).await?;
    check_applied(&sim, &job, changed, ids::MUSIC)?;

    handle.stop(true).await;
    running.await??;
    sim.stop().await;
    Ok(())
}

/// An admin account, written through the db layer.
async fn create_admin(pool: &DbPool) -> anyhow::Result<()> {
    let hash = plexward::auth::password::hash(PASSWORD.to_owned()).await?;
    db::run(pool, move |conn| {
        let now = db::time::now_ms();
        db::accounts::insert(
            conn,
            &db::accounts::NewAccount {
                username: "bench",
                password_hash: &hash,
                role: "admin",
                must_change_password: false,
                created_at: now,
                updated_at: now,
            },
        )
    })
    .await?;
    Ok(())
}

fn key_of(sim: &SimHandle, plex_id: u64) -> anyhow::Result<i64> {
    sim.state()
        .libraries
        .iter()
        .find(|l| l.plex_id == plex_id)
        .map(|l| l.key as i64)
        .context("library in the seed")
}

/// Removes the grant of the library with PMS key `key` from the friends at `positions` (in
/// id order), as a saved change whose apply never ran: only a reconcile brings Plex along.
async fn remove_grant(
    pool: &DbPool,
    positions: std::ops::Range<usize>,
    key: i64,
) -> anyhow::Result<()> {
    db::run(pool, move |conn| {
        let now = db::time::now_ms();
        let mut friends = db::plex_users::list(conn)?;
        friends.sort_by_key(|f| f.id);
        for friend in &friends[positions.clone()] {
            let keep: Vec<_> = db::plex_users::grants_of(conn, friend.id)?
                .into_iter()
                .filter(|(_, pms_key, ..)| *pms_key != key)
                .map(|(library, _, starts, ends, repeat)| (library, starts, ends, repeat))
                .collect();
            db::plex_users::replace_grants(conn, friend.id, &keep, now)?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// One reconcile: wall time, the job's result and the Plex requests by endpoint.
async fn run(
    sim: &SimHandle,
    client: &reqwest::Client,
    base: &str,
    token: &str,
    title: &str,
    changed: usize,
) -> anyhow::Result<Value> {
    sim.clear_requests();
    let (job, wall) = support::run_reconcile(client, base, token).await?;
    let log = sim.requests();
    let writes = log.iter().filter(|r| r.method != "GET").count();
    println!(
        "{title}: wall {} (POST /scheduler/run → job seen succeeded); {} Plex requests \
         ({} reads, {writes} writes)",
        support::ms(wall),
        log.len(),
        log.len() - writes
    );
    for (endpoint, n) in support::requests_by_endpoint(&log) {
        println!("     {n:>5}  {endpoint}");
    }
    println!("   result {}\n", job["result"]);
    anyhow::ensure!(
        changed > 0 || writes == 0,
        "writes when nothing changed: {writes}"
    );
    Ok(job)
}

/// The job applied `changed` friends and that many shares on the simulator lack `plex_id`.
fn check_applied(sim: &SimHandle, job: &Value, changed: usize, plex_id: u64) -> anyhow::Result<()> {
    let applied = job["result"]["applied"].as_u64().unwrap_or_default() as usize;
    anyhow::ensure!(applied == changed, "applied {applied} of {changed}");
    let without = sim
        .state()
        .shares
        .iter()
        .filter(|s| !s.section_ids.contains(&plex_id))
        .count();
    anyhow::ensure!(
        without == changed,
        "{without} shares lack the library, {changed} expected"
    );
    Ok(())
}
