//! Demo mode with the simulator: the first run seeds plans, windows that move (scheduled and
//! weekly) and a pending invite, so the dashboard's "coming up" is not empty; a restart keeps
//! what is there instead of seeding again.

use std::time::{Duration, Instant};

use plex_sim::{PlexSim, SimConfig};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, app_on_clock_with};

async fn latest_seed(app: &TestApp) -> Option<plexward::db::jobs::Job> {
    plexward::db::run(&app.db, |conn| {
        plexward::db::jobs::latest_of_kind(conn, plexward::jobs::demo_seed::KIND)
    })
    .await
    .expect("jobs")
}

async fn until_seeded(app: &TestApp, token: &str) -> (Value, Value) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, plans) = app.call(Method::GET, "/api/v1/plans", token, None).await;
        let (_, invites) = app.call(Method::GET, "/api/v1/invites", token, None).await;
        if plans["total"] == 3 && invites["total"] == 1 {
            return (plans, invites);
        }
        assert!(Instant::now() < deadline, "not seeded: {plans} {invites}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn demo_mode_seeds_plans_windows_and_an_invite_once() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let (app, token) = app_on_clock_with(&sim, plexward::clock::system(), |c| c.demo = true).await;
    let (plans, invites) = until_seeded(&app, &token).await;
    let names: Vec<&str> = plans["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(names.contains(&"Weekend movie nights"), "{names:?}");
    assert_eq!(invites["items"][0]["state"], "pending");
    assert_eq!(invites["items"][0]["identifier"], "cousin@example.com");

    let deadline = Instant::now() + Duration::from_secs(10);
    let summary = loop {
        let (_, summary) = app.call(Method::GET, "/api/v1/summary", &token, None).await;
        if summary["upcoming"]["total"].as_u64().unwrap_or(0) >= 3 {
            break summary;
        }
        assert!(Instant::now() < deadline, "nothing coming up: {summary}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        summary["upcoming"]["friends"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );
    let (_, friends) = app
        .call(Method::GET, "/api/v1/plex-users", &token, None)
        .await;
    let weekly = friends["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|f| f["username"] == "alice")
        .and_then(|f| f["id"].as_i64())
        .expect("alice");
    let (_, alice) = app
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{weekly}"),
            &token,
            None,
        )
        .await;
    assert!(
        alice["grants"]
            .as_array()
            .expect("grants")
            .iter()
            .any(|g| g["repeat"].is_object()),
        "a weekly window: {alice}"
    );

    let first = latest_seed(&app).await.expect("the seeding job").id;
    let app = app.restart(plexward::clock::system()).await;
    app.wait_for_startup_reconcile().await;
    let token = app.login("mod", crate::helpers::GOOD_PASSWORD).await.token;
    // The second start's seeding job finds the content there and adds nothing.
    let deadline = Instant::now() + Duration::from_secs(10);
    let again = loop {
        match latest_seed(&app).await {
            Some(job) if job.id != first && job.finished_at.is_some() => break job,
            _ => {}
        }
        assert!(Instant::now() < deadline, "no second seeding job");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(again.state, "succeeded", "{:?}", again.error);
    assert!(
        again
            .result
            .as_deref()
            .is_some_and(|r| r.contains("\"seeded\":false")),
        "{again:?}"
    );
    let (plans, invites) = until_seeded(&app, &token).await;
    assert_eq!(plans["total"], 3);
    assert_eq!(invites["total"], 1);
    app.assert_no_jobs_left().await;
}
