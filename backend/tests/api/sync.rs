use std::time::Duration;

use plex_sim::{PlexSim, SimConfig};
use reqwest::Method;

use crate::helpers::{GOOD_PASSWORD, TestApp, app_on, spawn_app, start_sync, wait_for};

async fn get(app: &TestApp, token: &str, path: &str) -> serde_json::Value {
    app.bearer(Method::GET, path, token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn the_first_sync_imports_everything_and_changes_nothing_on_plex() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let before = sim.state();
    // The first sync is the reconcile Plexward runs at startup (`app_on` waits for it).
    let (app, token) = app_on(&sim).await;
    let reconcile = plexward::db::run(&app.db, |conn| {
        plexward::db::jobs::latest_of_kind(conn, plexward::jobs::reconcile::KIND)
    })
    .await
    .expect("jobs")
    .expect("a startup reconcile");
    let job = get(&app, &token, &format!("/api/v1/jobs/{}", reconcile.id)).await;

    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["progress"]["done"], job["progress"]["total"]);
    assert_eq!(
        job["result"]["applied"], 0,
        "nothing to apply after importing"
    );
    let report = &job["result"]["sync"];
    assert_eq!(
        report["libraries"].as_u64(),
        Some(before.libraries.len() as u64)
    );
    assert_eq!(report["friends_added"], report["friends"]);
    assert!(report["grants_imported"].as_u64().is_some_and(|n| n > 0));

    let writes: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/__sim"))
        .collect();
    assert!(writes.is_empty(), "a sync never writes to Plex: {writes:?}");

    let libraries = get(&app, &token, "/api/v1/libraries").await;
    assert!(
        libraries["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|l| l["title"] == "Default")
    );
    let users = get(&app, &token, "/api/v1/plex-users").await;
    let items = users["items"].as_array().expect("items");
    let home = items
        .iter()
        .find(|u| u["home"] == true)
        .expect("the Home user is imported");
    assert!(home["username"].is_null() && home["email"].is_null());
    assert!(
        items.iter().any(|u| u["pending"] == true),
        "a pending invite is imported"
    );
    assert!(
        items.iter().any(|u| u["shared"] == false),
        "a friend without a share is imported"
    );
    let alice = items
        .iter()
        .find(|u| u["username"] == "alice")
        .expect("alice");
    assert_eq!(
        alice["actual_library_ids"].as_array().map(Vec::len),
        Some(2),
        "only shared=\"1\" libraries"
    );
    assert_eq!(app.audit_actions("scheduler.reconcile").await.len(), 1);
    // A sync started by hand after it finds nothing new.
    let job = wait_for(&app, &token, &start_sync(&app, &token).await).await;
    assert_eq!(job["result"]["friends_added"], 0, "{job}");
    assert_eq!(app.audit_actions("plex.sync").await.len(), 1);
}

#[tokio::test]
async fn later_syncs_mark_removed_libraries_and_departed_friends_and_import_nothing_twice() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let (app, token) = app_on(&sim).await;
    wait_for(&app, &token, &start_sync(&app, &token).await).await;

    assert!(
        sim.remove_library(4),
        "Music is PMS key 4 in the default seed"
    );
    sim.with_state(|s| {
        let frank = s
            .accounts
            .iter()
            .find(|a| a.username == "frank")
            .map(|a| a.id);
        if let Some(id) = frank {
            s.friends.remove(&id);
        }
    });

    let job = wait_for(&app, &token, &start_sync(&app, &token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["friends_added"], 0);
    assert_eq!(job["result"]["grants_imported"], 0);
    assert_eq!(job["result"]["libraries_removed"], 1);
    assert_eq!(job["result"]["friends_departed"], 1);

    let libraries = get(&app, &token, "/api/v1/libraries").await;
    let music = libraries["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["title"] == "Music")
        .cloned()
        .expect("kept");
    assert_eq!(music["removed"], true);
    let users = get(&app, &token, "/api/v1/plex-users").await;
    let frank = users["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["username"] == "frank")
        .cloned()
        .expect("kept");
    assert_eq!(frank["departed"], true);
}

#[tokio::test]
async fn two_syncs_never_run_at_once() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    sim.set_latency(Duration::from_millis(300));
    let (app, token) = app_on(&sim).await;

    let first = start_sync(&app, &token).await;
    let second = start_sync(&app, &token).await;

    assert_eq!(
        first, second,
        "the running sync is returned, not a second one"
    );
    assert_eq!(wait_for(&app, &token, &first).await["state"], "succeeded");
}

#[tokio::test]
async fn a_sync_without_plex_settings_fails_with_a_reason() {
    let app = spawn_app().await;
    app.create_account("mod", "moderator", false).await;
    let token = app.login("mod", GOOD_PASSWORD).await.token;

    let job = wait_for(&app, &token, &start_sync(&app, &token).await).await;

    assert_eq!(job["state"], "failed");
    assert!(
        job["error"]
            .as_str()
            .is_some_and(|e| e.contains("not configured")),
        "{job}"
    );
}

#[tokio::test]
async fn a_bad_token_fails_the_sync_and_says_why() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    sim.revoke_token(&sim.owner_token());
    let (app, token) = app_on(&sim).await;

    let job = wait_for(&app, &token, &start_sync(&app, &token).await).await;

    assert_eq!(job["state"], "failed");
    assert!(
        job["error"].as_str().is_some_and(|e| e.contains("401")),
        "{job}"
    );
}

/// A sync lists friends, sections and shares once each and reads the account's Plex Pass: four
/// plex.tv requests whether the server has 8 friends or 1,000 (python-plexapi would need one
/// more per friend).
#[tokio::test]
async fn a_sync_costs_four_plextv_requests_however_many_friends() {
    for seed in [
        plex_sim::Seed::default(),
        plex_sim::Seed::default().with_generated_friends(1_000),
    ] {
        let sim = PlexSim::start(SimConfig {
            seed,
            ..SimConfig::default()
        })
        .await
        .expect("sim");
        let (app, token) = app_on(&sim).await;
        sim.clear_requests();
        let job = wait_for(&app, &token, &start_sync(&app, &token).await).await;
        assert_eq!(job["state"], "succeeded", "{job}");
        let requests = sim.requests();
        let plextv = requests
            .iter()
            .filter(|r| r.host == plex_sim::Host::Plextv)
            .count();
        let pms = requests.len() - plextv;
        let friends = job["result"]["friends"].as_u64().expect("friends");
        eprintln!("sync of {friends} friends: {plextv} plex.tv + {pms} PMS requests");
        assert_eq!(plextv, 4, "{friends} friends");
        assert_eq!(
            pms, 4,
            "server identity, libraries, the watch history (one page) and the sessions"
        );
    }
}
