//! Background applies as apalis jobs (`ApplyFriend` on the apply queue), against the simulator:
//! a pushed job makes Plex match, a waiting friend is queued once, and jobs survive a restart
//! (waiting ones, and ones a crash left started).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use plex_sim::{FaultSpec, PlexSim, Seed, SimConfig, SimHandle};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{GOOD_PASSWORD, TestApp, app_on, start_sync, wait_for};

const ALICE: u64 = 2_100_001;
// plex.tv section id of the default seed's TV library (PMS key 2).
const TV: u64 = 118_251_661;

/// A synced app whose friend Alice was granted TV only while Plex failed: the grants are saved,
/// Plex still has Alice's old libraries, and her retry is 30 s away (so only a pushed job can
/// apply it during the test). Returns Alice's Plexward id.
async fn alice_waiting_for_an_apply() -> (SimHandle, TestApp, String, i64) {
    let sim = PlexSim::start(SimConfig {
        seed: Seed::default(),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let (app, token) = app_on(&sim).await;
    let job = wait_for(&app, &token, &start_sync(&app, &token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let (_, friends) = app
        .call(Method::GET, "/api/v1/plex-users", &token, None)
        .await;
    let alice = friends["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|f| f["plex_account_id"] == ALICE)
        .and_then(|f| f["id"].as_i64())
        .expect("alice");
    let (_, libraries) = app
        .call(Method::GET, "/api/v1/libraries", &token, None)
        .await;
    let tv = libraries["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["key"] == 2)
        .and_then(|l| l["id"].as_i64())
        .expect("tv");

    sim.add_fault(FaultSpec {
        method: Some("PUT".into()),
        path: "/api/servers/*/shared_servers/*".into(),
        count: 0,
        status: Some(400),
        ..FaultSpec::default()
    });
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/plex-users/{alice}/grants"),
            &token,
            Some(json!({ "grants": [{ "library_id": tv }] })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["apply"]["state"], "failed", "{body}");
    sim.clear_faults();
    sim.clear_requests();
    assert_ne!(tv_only(&sim), Some(true), "Plex does not match yet");
    (sim, app, token, alice)
}

/// Whether Plex shares exactly TV with Alice (`None`: no share).
fn tv_only(sim: &SimHandle) -> Option<bool> {
    sim.state()
        .shares
        .iter()
        .find(|s| s.user_id == ALICE)
        .map(|s| s.section_ids == BTreeSet::from([TV]))
}

/// The share writes Plexward sent to plex.tv since the last `clear_requests`.
fn writes(sim: &SimHandle) -> usize {
    sim.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .count()
}

async fn wait_until_plex_matches(sim: &SimHandle) -> Duration {
    let started = Instant::now();
    while tv_only(sim) != Some(true) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "Plex never matched"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    started.elapsed()
}

async fn apply_state(app: &TestApp, token: &str, friend: i64) -> serde_json::Value {
    let (status, detail) = app
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{friend}"),
            token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{detail}");
    detail["apply"].clone()
}

/// Jobs of the apply queue in `status`, counted in the database.
async fn jobs_in(app: &TestApp, status: &'static str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    plexward::db::run(&app.db, move |conn| {
        use diesel::prelude::*;
        diesel::sql_query("SELECT COUNT(*) AS n FROM Jobs WHERE job_type = ? AND status = ?")
            .bind::<diesel::sql_types::Text, _>(plexward::jobs::apply_friend::QUEUE)
            .bind::<diesel::sql_types::Text, _>(status)
            .get_result::<Count>(conn)
    })
    .await
    .expect("jobs counted")
    .n
}

/// Jobs of the apply queue whose handler has started (it cleared their waiting key).
async fn jobs_started(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    plexward::db::run(&app.db, move |conn| {
        use diesel::prelude::*;
        diesel::sql_query(
            "SELECT COUNT(*) AS n FROM Jobs WHERE job_type = ? AND idempotency_key IS NULL",
        )
        .bind::<diesel::sql_types::Text, _>(plexward::jobs::apply_friend::QUEUE)
        .get_result::<Count>(conn)
    })
    .await
    .expect("jobs counted")
    .n
}

/// Every apply job's status and result, for failure messages.
async fn job_results(app: &TestApp) -> Vec<(String, Option<String>)> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        last_result: Option<String>,
    }
    plexward::db::run(&app.db, move |conn| {
        use diesel::prelude::*;
        diesel::sql_query("SELECT status, last_result FROM Jobs WHERE job_type = ?")
            .bind::<diesel::sql_types::Text, _>(plexward::jobs::apply_friend::QUEUE)
            .load::<Row>(conn)
    })
    .await
    .expect("jobs read")
    .into_iter()
    .map(|r| (r.status, r.last_result))
    .collect()
}

#[tokio::test]
async fn a_pushed_apply_job_makes_plex_match() {
    let (sim, app, token, alice) = alice_waiting_for_an_apply().await;

    app.queue.push(alice).await.expect("pushed");
    let took = wait_until_plex_matches(&sim).await;
    eprintln!("push → Plex changed: {took:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(writes(&sim), 1, "one plex.tv write: {:?}", sim.requests());
    app.assert_no_jobs_left().await;
    assert_eq!(apply_state(&app, &token, alice).await["state"], "applied");
    assert_eq!(jobs_in(&app, "Done").await, 1);
    // Who asked is audited as the system.
    let applied = app.audit_actions("plex.apply").await;
    assert!(
        applied
            .iter()
            .any(|e| e.outcome == "success" && e.actor == "system"),
        "{applied:?}"
    );
}

#[tokio::test]
async fn a_job_queued_before_a_shutdown_runs_once_after_the_restart() {
    let (sim, mut app, _, alice) = alice_waiting_for_an_apply().await;
    app.stop().await;

    // Producers racing the shutdown: three pushes for one waiting friend make one job.
    for _ in 0..3 {
        app.queue.push(alice).await.expect("pushed");
    }
    app.queue.push_many(&[alice, alice]).await.expect("pushed");
    assert_eq!(jobs_in(&app, "Pending").await, 1, "one waiting job");
    assert_eq!(tv_only(&sim), Some(false), "nothing ran while stopped");

    let app = app.restart(plexward::clock::system()).await;
    wait_until_plex_matches(&sim).await;
    app.assert_no_jobs_left().await;
    assert_eq!(writes(&sim), 1, "applied once: {:?}", sim.requests());
    let token = app.login("mod", GOOD_PASSWORD).await.token;
    assert_eq!(apply_state(&app, &token, alice).await["state"], "applied");
}

#[tokio::test]
async fn a_job_a_crash_left_running_runs_again_at_the_next_start() {
    let (sim, mut app, _, alice) = alice_waiting_for_an_apply().await;
    app.stop().await;
    app.queue.push(alice).await.expect("pushed");
    // As a crash leaves it: started by a worker that is gone.
    plexward::db::run(&app.db, move |conn| {
        use diesel::prelude::*;
        diesel::sql_query(
            "INSERT INTO Workers (id, worker_type, storage_name, last_seen) \
             VALUES ('crashed', ?, 'SqliteStorage', strftime('%s', 'now'))",
        )
        .bind::<diesel::sql_types::Text, _>(plexward::jobs::apply_friend::QUEUE)
        .execute(conn)?;
        diesel::sql_query(
            "UPDATE Jobs SET status = 'Running', lock_by = 'crashed', \
             lock_at = strftime('%s', 'now'), idempotency_key = NULL",
        )
        .execute(conn)
    })
    .await
    .expect("job marked running");

    let app = app.restart(plexward::clock::system()).await;
    wait_until_plex_matches(&sim).await;
    app.assert_no_jobs_left().await;
    assert_eq!(writes(&sim), 1, "applied once: {:?}", sim.requests());
}

#[tokio::test]
async fn stopping_lets_the_apply_in_flight_finish() {
    let (sim, mut app, _, alice) = alice_waiting_for_an_apply().await;
    // plex.tv answers slowly: the stop arrives while the job waits for it.
    sim.set_latency(Duration::from_millis(300));
    app.queue.push(alice).await.expect("pushed");
    // The handler's first step releases the job's waiting key: it has started.
    let deadline = Instant::now() + Duration::from_secs(5);
    while jobs_started(&app).await == 0 {
        assert!(Instant::now() < deadline, "the job never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(sim.requests().is_empty(), "plex.tv has not answered yet");
    app.stop().await;
    assert_eq!(
        tv_only(&sim),
        Some(true),
        "the apply finished before the stop returned"
    );
    assert_eq!(
        jobs_in(&app, "Done").await,
        1,
        "and was acknowledged: {:?}",
        job_results(&app).await
    );
    app.assert_no_jobs_left().await;
}
