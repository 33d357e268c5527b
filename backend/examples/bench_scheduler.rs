//! Scheduler benchmark (not a test: numbers depend on the machine). Run it with
//! `bash scripts/bench.sh scheduler` or
//! `cargo run --release -p plexward --example bench_scheduler [-- --deadlines N --grants N]`.
//!
//! 1. Deadline → Plex latency: Plexward (in-process, real clock) on the in-process simulator,
//!    N friends (default 120) sharing Movies + TV, each TV window ending at its own moment
//!    over the next ~30 s. For each end: when the simulator answered the `PUT` that removed TV,
//!    minus the end. Reports p50/p95/p99/max.
//! 2. Pass cost: a database with 10,000 grants (2,000 friends × 5 libraries), the deadline
//!    worker's queries (edges in an interval, due retries, the next wake-up) timed over many
//!    iterations, plus `EXPLAIN QUERY PLAN` showing the indexes are used.
//!
//! Everything listens on 127.0.0.1 and nothing but the simulator is contacted.

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports on stdout; its output is the product"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use plex_sim::ids::{MOVIES, TV};
use plex_sim::{PlexSim, Seed, Share, ShareSettings, SimConfig};
use plexward::config::{Config, Redacted};
use plexward::db::{self, DbPool};
use plexward::scheduler::deadline;
use plexward::startup::Application;

/// The first TV window ends this long after set-up; the others follow [`SPACING`] apart. The
/// spacing is coprime with the tick (250 ms) and the worker's poll (100 ms), so the ends fall
/// at every phase of both.
const LEAD: Duration = Duration::from_secs(3);
const SPACING: Duration = Duration::from_millis(230);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    plexward::install_crypto_provider();
    let mut deadlines = 120_usize;
    let mut friends = 2_000_usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().context("a value after each option")?;
        match arg.as_str() {
            "--deadlines" => deadlines = value.parse()?,
            "--grants" => friends = value.parse::<usize>()? / LIBRARIES,
            other => anyhow::bail!("unknown option {other} (--deadlines N, --grants N)"),
        }
    }
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("Plexward scheduler benchmark — {cores} cores, {profile} build");
    println!(
        "(the deadline worker sleeps until the next edge, at most {:?}; edges are applied at \
         once, without a queue)\n",
        deadline::MAX_SLEEP
    );
    latency(deadlines).await?;
    tick_cost(friends).await?;
    Ok(())
}

// ---- 1. Deadline → Plex latency ----

/// Every generated friend shares exactly Movies + TV, so the only change to come is TV ending.
fn seed(friends: usize) -> Seed {
    let mut seed = Seed::default().with_generated_friends(friends);
    seed.shares = seed
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| Share {
            id: 60_000_000 + i as u64,
            user_id: a.id,
            all_libraries: false,
            section_ids: BTreeSet::from([MOVIES, TV]),
            settings: ShareSettings::default(),
            invited_at: plex_sim::SEED_EPOCH,
            accepted_at: Some(plex_sim::SEED_EPOCH),
            access_token: String::new(),
            deleted_at: None,
        })
        .collect();
    seed
}

async fn latency(deadlines: usize) -> anyhow::Result<()> {
    println!("1. Deadline → Plex latency ({deadlines} window ends)");
    let sim = PlexSim::start(SimConfig {
        seed: seed(deadlines),
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
    let app = Application::build(&config).await?;
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());
    let pool = db::connect(&config.database_path())?;

    // The startup reconcile imports the friends: Movies and TV, undated.
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let job = db::run(&pool, |conn| {
            db::jobs::latest_of_kind(conn, plexward::jobs::reconcile::KIND)
        })
        .await?;
        match job.as_ref().map(|j| j.state.as_str()) {
            Some("succeeded") => break,
            Some("failed") => anyhow::bail!("the startup reconcile failed: {job:?}"),
            _ if Instant::now() > until => anyhow::bail!("no startup reconcile within 60 s"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }

    // Each friend's TV grant gets its end, written straight into the database as a saved
    // change would (the tick reads the grants; no apply is needed now: Plex matches until then).
    let first = chrono::Utc::now().timestamp_millis() + LEAD.as_millis() as i64;
    let ends: BTreeMap<i64, i64> = db::run(&pool, move |conn| {
        let friends: Vec<(i64, i64)> = db::schema::plex_users::table
            .select((
                db::schema::plex_users::id,
                db::schema::plex_users::plex_user_id,
            ))
            .order(db::schema::plex_users::plex_user_id)
            .load(conn)?;
        let tv: i64 = db::schema::libraries::table
            .filter(db::schema::libraries::pms_key.eq(2))
            .select(db::schema::libraries::id)
            .first(conn)?;
        let mut ends = BTreeMap::new();
        for (i, (id, plex_id)) in friends.into_iter().enumerate() {
            let end = first + i as i64 * SPACING.as_millis() as i64;
            let set = diesel::update(
                db::schema::grants::table
                    .filter(db::schema::grants::plex_user_id.eq(id))
                    .filter(db::schema::grants::library_id.eq(tv)),
            )
            .set(db::schema::grants::ends_at.eq(end))
            .execute(conn)?;
            if set == 1 {
                ends.insert(plex_id, end);
            }
        }
        Ok(ends)
    })
    .await?;
    anyhow::ensure!(
        ends.len() == deadlines,
        "{} of {deadlines} friends have a TV grant",
        ends.len()
    );
    sim.clear_requests();
    let share_of: BTreeMap<u64, u64> = sim
        .state()
        .shares
        .iter()
        .map(|s| (s.id, s.user_id))
        .collect();

    // Wait until every TV is gone (or give up 15 s after the last end).
    let last = ends.values().max().copied().unwrap_or(first);
    loop {
        let left = sim
            .state()
            .shares
            .iter()
            .filter(|s| s.section_ids.contains(&TV))
            .count();
        if left == 0 {
            break;
        }
        if chrono::Utc::now().timestamp_millis() > last + 15_000 {
            anyhow::bail!("{left} friends still have TV 15 s after the last end");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The first successful PUT per friend that no longer lists TV.
    let mut late: Vec<i64> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut writes = 0;
    for r in sim.requests() {
        if r.method == "GET" {
            continue;
        }
        writes += 1;
        let Some(user) = r
            .path
            .rsplit('/')
            .next()
            .and_then(|id| id.parse::<u64>().ok())
            .and_then(|share| share_of.get(&share))
        else {
            continue;
        };
        let without_tv = !r.body.contains(&TV.to_string());
        if r.method == "PUT" && (200..300).contains(&r.status) && without_tv && seen.insert(*user) {
            late.push(r.answered_ms - ends[&(*user as i64)]);
        }
    }
    anyhow::ensure!(
        late.len() == deadlines,
        "measured {} of {deadlines}",
        late.len()
    );
    anyhow::ensure!(late.iter().all(|ms| *ms >= 0), "a change before its end");
    late.sort_unstable();
    println!(
        "   end → simulator answered the PUT: p50 {} ms, p95 {} ms, p99 {} ms, max {} ms \
         (min {} ms, mean {:.0} ms)",
        percentile(&late, 50.0),
        percentile(&late, 95.0),
        percentile(&late, 99.0),
        late.last().copied().unwrap_or_default(),
        late.first().copied().unwrap_or_default(),
        late.iter().sum::<i64>() as f64 / late.len() as f64
    );
    println!("   plex.tv writes: {writes} for {deadlines} ends (one each)\n");

    handle.stop(true).await;
    running.await??;
    sim.stop().await;
    Ok(())
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

// ---- 2. Tick cost ----

const LIBRARIES: usize = 5;
/// Window ends are this far apart, in order of (friend, library): 10,000 ends over ~30 days.
const END_STEP_MS: i64 = 259_200;

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Integer)]
    parent: i32,
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Friends, libraries, 5 grants per friend (two undated, three windows: starts in the past,
/// ends spread over a month) and an apply state for each (1 in 20 failed, retry in the future).
fn fill(conn: &mut SqliteConnection, friends: usize, base: i64) -> QueryResult<()> {
    conn.immediate_transaction(|conn| {
        for key in 1..=LIBRARIES as i64 {
            diesel::sql_query(
                "INSERT INTO libraries (pms_key, plextv_id, title, kind, created_at, updated_at) \
                 VALUES (?, ?, ?, 'movie', ?, ?)",
            )
            .bind::<BigInt, _>(key)
            .bind::<BigInt, _>(1_000 + key)
            .bind::<Text, _>(format!("Library {key}"))
            .bind::<BigInt, _>(base)
            .bind::<BigInt, _>(base)
            .execute(conn)?;
        }
        for f in 0..friends as i64 {
            diesel::sql_query(
                "INSERT INTO plex_users (id, plex_user_id, title, \
                 first_seen_at, last_synced_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind::<BigInt, _>(f + 1)
            .bind::<BigInt, _>(5_000_000 + f)
            .bind::<Text, _>(format!("friend{f:05}"))
            .bind::<BigInt, _>(base)
            .bind::<BigInt, _>(base)
            .execute(conn)?;
            diesel::sql_query(
                "INSERT INTO actual_libraries (plex_user_id, pms_key) \
                 SELECT ?, value FROM json_each('[1,2,3,4,5]')",
            )
            .bind::<BigInt, _>(f + 1)
            .execute(conn)?;
            for l in 0..LIBRARIES as i64 {
                let windowed = l >= 2;
                let n = f * LIBRARIES as i64 + l;
                diesel::sql_query(
                    "INSERT INTO grants (plex_user_id, library_id, starts_at, ends_at, \
                     created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind::<BigInt, _>(f + 1)
                .bind::<BigInt, _>(l + 1)
                .bind::<diesel::sql_types::Nullable<BigInt>, _>(
                    windowed.then_some(base - 86_400_000 + n),
                )
                .bind::<diesel::sql_types::Nullable<BigInt>, _>(
                    windowed.then_some(base + 1_000 + n * END_STEP_MS),
                )
                .bind::<BigInt, _>(base)
                .bind::<BigInt, _>(base)
                .execute(conn)?;
            }
            let failed = f % 20 == 0;
            diesel::sql_query(
                "INSERT INTO apply_states (plex_user_id, state, attempts, next_retry_at, \
                 applied_at, applied_libraries, updated_at) VALUES (?, ?, ?, ?, ?, '[1,2,3,4,5]', ?)",
            )
            .bind::<BigInt, _>(f + 1)
            .bind::<Text, _>(if failed { "failed" } else { "applied" })
            .bind::<BigInt, _>(i64::from(failed))
            .bind::<diesel::sql_types::Nullable<BigInt>, _>(
                failed.then_some(base + 3_600_000 + f),
            )
            .bind::<BigInt, _>(base)
            .bind::<BigInt, _>(base)
            .execute(conn)?;
        }
        Ok(())
    })
}

fn explain(conn: &mut SqliteConnection, title: &str, sql: &str, binds: &[i64]) -> QueryResult<()> {
    println!("   EXPLAIN QUERY PLAN — {title}:");
    let mut query = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).into_boxed();
    for b in binds {
        query = query.bind::<BigInt, _>(*b);
    }
    let rows: Vec<PlanRow> = query.load(conn)?;
    let depth: BTreeMap<i32, usize> = rows.iter().fold(BTreeMap::new(), |mut d, r| {
        let level = d.get(&r.parent).map_or(0, |p| p + 1);
        d.insert(r.id, level);
        d
    });
    for r in &rows {
        println!(
            "     {}{}",
            "  ".repeat(depth.get(&r.id).copied().unwrap_or(0)),
            r.detail
        );
    }
    Ok(())
}

struct Stats {
    mean_us: f64,
    p50_us: f64,
    p99_us: f64,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort_unstable();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let at = |p: f64| {
        let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
        us(samples[rank.clamp(1, samples.len()) - 1])
    };
    Stats {
        mean_us: samples.iter().map(|d| us(*d)).sum::<f64>() / samples.len() as f64,
        p50_us: at(50.0),
        p99_us: at(99.0),
    }
}

fn report(what: &str, s: &Stats) {
    println!(
        "   {what:<50} mean {:>7.1} µs   p50 {:>7.1} µs   p99 {:>7.1} µs",
        s.mean_us, s.p50_us, s.p99_us
    );
}

async fn time_async<F, Fut, T>(iterations: usize, mut f: F) -> anyhow::Result<Stats>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    for _ in 0..iterations / 10 {
        f().await?;
    }
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        f().await?;
        samples.push(started.elapsed());
    }
    Ok(stats(samples))
}

async fn tick_cost(friends: usize) -> anyhow::Result<()> {
    let grants = friends * LIBRARIES;
    println!("2. Deadline tick cost ({friends} friends × {LIBRARIES} libraries = {grants} grants)");
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plexward.db");
    let pool: DbPool = db::connect(&path)?;
    let base = chrono::Utc::now().timestamp_millis();
    {
        let started = Instant::now();
        fill(&mut *pool.get()?, friends, base)?;
        let n = diesel::sql_query("SELECT COUNT(*) AS n FROM grants")
            .get_result::<Count>(&mut *pool.get()?)?
            .n;
        println!(
            "   {n} grants inserted in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        diesel::sql_query("ANALYZE").execute(&mut *pool.get()?)?;
    }
    // Intervals as the tick sees them: 250 ms with no edge (the usual case), 250 ms holding one
    // window end (library 4 of a friend 70 % down the list), and a 12-hour catch-up (a tick
    // after a suspend) holding about a hundred.
    let edge = base + 1_000 + ((friends * 7 / 10 * LIBRARIES) as i64 + 3) * END_STEP_MS;
    let intervals = [
        ("250 ms, no edge", edge + 10_000, edge + 10_250),
        ("250 ms, 1 edge", edge - 100, edge + 150),
        ("12 h catch-up", edge - 1, edge + 12 * 3_600_000),
    ];
    let mut conn = pool.get()?;
    for (name, after, upto) in intervals {
        let found = db::plex_users::with_edges_between(&mut conn, after, upto)?.len();
        println!("   interval {name}: {found} friend(s) with an edge");
    }
    drop(conn);

    let iterations = 2_000;
    for (name, after, upto) in intervals {
        let pool = pool.clone();
        let s = time_async(iterations, || {
            let pool = pool.clone();
            async move {
                Ok(db::run(&pool, move |conn| {
                    db::plex_users::with_edges_between(conn, after, upto)
                })
                .await?)
            }
        })
        .await?;
        report(&format!("edges query, {name}"), &s);
    }
    {
        let pool = pool.clone();
        let s = time_async(iterations, || {
            let pool = pool.clone();
            async move {
                let now = chrono::Utc::now().timestamp_millis();
                Ok(db::run(&pool, move |conn| {
                    db::apply_states::claim_due_retries(conn, now, now + 60_000)
                })
                .await?)
            }
        })
        .await?;
        report(
            &format!("due-retries claim ({} failed, none due)", friends / 20),
            &s,
        );
    }
    for (name, after, _) in intervals {
        let pool = pool.clone();
        let s = time_async(iterations, || {
            let pool = pool.clone();
            async move {
                Ok(db::run(&pool, move |conn| {
                    Ok((
                        db::grant_edges::next_edge_after(conn, after)?,
                        db::grant_edges::next_retry_at(conn)?,
                    ))
                })
                .await?)
            }
        })
        .await?;
        report(
            &format!("next wake-up (next edge + next retry), after {name}"),
            &s,
        );
    }

    let mut conn = pool.get()?;
    explain(
        &mut conn,
        "window edges (db::plex_users::with_edges_between)",
        &edges_sql(),
        &[edge, edge + 250, edge, edge + 250],
    )?;
    explain(
        &mut conn,
        "due retries (db::apply_states::due_retries)",
        "SELECT plex_user_id FROM apply_states WHERE next_retry_at <= ? ORDER BY next_retry_at",
        &[base],
    )?;
    Ok(())
}

/// The SQL diesel generates for `with_edges_between`'s query (the same builder calls; binds
/// are `?`).
fn edges_sql() -> String {
    use db::schema::grants;
    let starting = grants::table
        .filter(grants::starts_at.gt(0))
        .filter(grants::starts_at.le(0))
        .select((grants::plex_user_id, grants::starts_at.assume_not_null()));
    let ending = grants::table
        .filter(grants::ends_at.gt(0))
        .filter(grants::ends_at.le(0))
        .select((grants::plex_user_id, grants::ends_at.assume_not_null()));
    let query = starting.union(ending);
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    sql.split(" -- binds:")
        .next()
        .unwrap_or_default()
        .to_owned()
}
