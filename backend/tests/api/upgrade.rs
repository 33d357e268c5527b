//! Upgrades: a database made by an earlier release (its own schema and a set of data, from
//! `backend/tests/fixtures/upgrade/`, made by `scripts/make-upgrade-fixture.py`) is migrated to
//! the current schema at start-up with nothing lost. Every release adds its fixture here.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with};

/// The fixtures' accounts' password.
const PASSWORD: &str = "plexward-upgrade-test";

/// Plexward started on a data directory holding `fixture` as its database.
async fn upgraded(fixture: &str) -> TestApp {
    spawn_app_with(|c| {
        // The fixtures' events are dated a year and more back: retention (a policy, not the
        // migration under test) would prune them at start.
        c.audit_retention_days = 0;
        std::fs::create_dir_all(&c.data_dir).expect("data dir");
        let path = c.database_path();
        let mut conn = diesel::SqliteConnection::establish(path.to_str().expect("utf-8"))
            .expect("fixture database");
        conn.batch_execute(fixture).expect("fixture loads");
    })
    .await
}

#[tokio::test]
async fn a_database_of_v0_1_0_migrates_with_nothing_lost() {
    let app = upgraded(include_str!("../fixtures/upgrade/v0.1.0.sql")).await;

    // The accounts: the owner signs in with the same password; flags and roles are kept.
    let owner = app.login("owner", PASSWORD).await.token;
    let (status, accounts) = app
        .call(Method::GET, "/api/v1/accounts", &owner, None)
        .await;
    assert_eq!(status, 200, "{accounts}");
    let by_name = |name: &str| -> Value {
        accounts["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|a| a["username"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} kept: {accounts}"))
    };
    assert_eq!(by_name("mo")["role"], "moderator");
    assert_eq!(by_name("mo")["must_change_password"], true);
    assert_eq!(by_name("gone")["disabled"], true);
    let (_, tokens) = app.call(Method::GET, "/api/v1/tokens", &owner, None).await;
    assert_eq!(tokens["items"][0]["name"], "home assistant", "{tokens}");

    // Friends, their grants (windows to the millisecond), Plex's state and the apply states.
    let (status, friends) = app
        .call(Method::GET, "/api/v1/plex-users", &owner, None)
        .await;
    assert_eq!(status, 200, "{friends}");
    assert_eq!(friends["total"], 4, "{friends}");
    let friend = |plex_id: u64| -> Value {
        friends["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|f| f["plex_account_id"] == plex_id)
            .cloned()
            .unwrap_or_else(|| panic!("friend {plex_id} kept"))
    };
    let alice = friend(2_100_001);
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["actual_library_ids"], serde_json::json!([1, 3]));
    let (_, alice) = app
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{}", alice["id"]),
            &owner,
            None,
        )
        .await;
    let grants = alice["grants"].as_array().expect("grants");
    assert_eq!(grants.len(), 2, "{alice}");
    let movies = grants
        .iter()
        .find(|g| g["library_id"] == 1)
        .expect("the Movies grant");
    assert_eq!(movies["ends_at"], "2025-12-24T16:00:00.000Z", "{alice}");
    let bob = friend(2_100_002);
    assert_eq!(bob["pending"], true);
    let (_, bob) = app
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{}", bob["id"]),
            &owner,
            None,
        )
        .await;
    assert_eq!(
        bob["grants"][0]["starts_at"], "2025-11-25T16:00:00.000Z",
        "{bob}"
    );
    assert_eq!(
        bob["grants"][0]["ends_at"], "2025-12-02T16:00:00.000Z",
        "{bob}"
    );
    assert_eq!(friend(2_100_004)["home"], true);
    assert_eq!(friend(2_100_009)["departed"], true);
    let (_, libraries) = app
        .call(Method::GET, "/api/v1/libraries", &owner, None)
        .await;
    let titles: Vec<&str> = libraries["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|l| l["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Old Stuff"),
        "removed libraries are kept: {titles:?}"
    );

    // Settings.
    let (_, plex) = app
        .call(Method::GET, "/api/v1/settings/plex", &owner, None)
        .await;
    assert_eq!(plex["server_url"], "http://192.168.1.10:32400", "{plex}");
    assert_eq!(plex["time_zone"], "Europe/Berlin");
    assert_eq!(plex["drift_policy"], "report");
    assert_eq!(plex["anchor_library_id"], 3);
    let (_, schedule) = app
        .call(Method::GET, "/api/v1/scheduler", &owner, None)
        .await;
    assert_eq!(schedule["settings"]["daily_at"], "04:30", "{schedule}");
    let (_, server) = app
        .call(Method::GET, "/api/v1/settings/server", &owner, None)
        .await;
    assert_eq!(
        server["hostnames"],
        serde_json::json!(["plex.lan"]),
        "{server}"
    );

    // The audit trail: every event, with what it said.
    let (_, audit) = app
        .call(Method::GET, "/api/v1/audit?actor=owner", &owner, None)
        .await;
    let set = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["action"] == "grants.set")
        .cloned()
        .expect("the grants.set event");
    assert_eq!(set["details"]["friend"], "alice");
    assert_eq!(set["count"], 1);
    let (_, failed) = app
        .call(
            Method::GET,
            "/api/v1/audit?action=auth.login&outcome=failure",
            &owner,
            None,
        )
        .await;
    assert_eq!(failed["total"], 1, "{failed}");
    assert_eq!(failed["items"][0]["actor"], "anonymous (mallory)");
    assert_eq!(failed["items"][0]["ip"], "10.0.0.9");
}
