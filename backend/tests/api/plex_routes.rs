//! Plex retires a sharing route (410): with each v1 route retired in turn, then each v2 route, a
//! sync, a grant change, an invite and a revoke still reach the simulator, and the health answer,
//! the audit trail and the stored choice name the switch. With both routes of an operation gone,
//! changes needing it answer 503 and nothing changes.

use plex_sim::{FaultSpec, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{DEFAULT, MOVIES, Synced, TV, ids, synced_on_clock};
use crate::helpers::{start_sync, wait_for};

const ALICE: u64 = 2_100_001;
const FRANK: u64 = 2_100_007;

/// The simulator fault globs of each operation's route on v1 and v2.
fn route(op: &str, api: &str) -> (&'static str, &'static str) {
    match (op, api) {
        ("list", "v1") => ("GET", "/api/users"),
        ("list", _) => ("GET", "/api/v2/shared_servers/owned/accepted"),
        ("pending", "v1") => ("GET", "/api/servers/*/shared_servers"),
        ("pending", _) => ("GET", "/api/v2/shared_servers/owned/pending"),
        ("sections", "v1") => ("GET", "/api/servers/*"),
        ("sections", _) => ("GET", "/api/v2/servers/*"),
        ("create", "v1") => ("POST", "/api/servers/*/shared_servers"),
        ("create", _) => ("POST", "/api/v2/shared_servers"),
        ("update", "v1") => ("PUT", "/api/servers/*/shared_servers/*"),
        ("update", _) => ("POST", "/api/v2/shared_servers/*"),
        ("delete", "v1") => ("DELETE", "/api/servers/*/shared_servers/*"),
        ("delete", _) => ("DELETE", "/api/v2/shared_servers/*"),
        _ => unreachable!("{op}"),
    }
}

/// Pending first: its v1 route is also the listing's second call, and on v2 it is only used
/// while the listing is on v2.
const OPERATIONS: [&str; 6] = ["pending", "list", "sections", "create", "update", "delete"];

async fn health(t: &Synced) -> Value {
    let (status, body) = t.call(Method::GET, "/api/v1/health", None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A sync, a grant change (alice), an invite and a revoke (frank): each must reach Plex.
async fn the_four_writes(t: &Synced, round: &str, alice: i64, frank: i64, flip: bool) {
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "succeeded", "{round}: sync {job}");
    assert_eq!(
        job["result"]["friends_departed"], 0,
        "{round}: a listing on another API never reads as friends gone"
    );

    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let (want, library) = if flip { (TV, tv) } else { (MOVIES, movies) };
    let (status, body) = t
        .set_grants(alice, json!([{ "library_id": library }]))
        .await;
    assert_eq!(status, 200, "{round}: grant change {body}");
    assert_eq!(body["plex_matches"], true, "{round}: {body}");
    assert_eq!(t.shared_sections(ALICE), Some(ids(&[want])), "{round}");

    let default = t.library(3).await;
    let (status, body) = t
        .set_grants(frank, json!([{ "library_id": default }]))
        .await;
    assert_eq!(status, 200, "{round}: invite {body}");
    assert_eq!(body["plan"]["action"], "invite", "{round}: {body}");
    assert_eq!(t.shared_sections(FRANK), Some(ids(&[DEFAULT])), "{round}");

    let (status, body) = t.set_grants(frank, json!([])).await;
    assert_eq!(status, 200, "{round}: revoke {body}");
    assert_eq!(body["plex_matches"], true, "{round}: {body}");
    assert_eq!(t.shared_sections(FRANK), None, "{round}: share removed");

    // What the friends list says agrees with Plex after the round.
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "succeeded", "{round}: {job}");
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(detail["shared"], true, "{round}: {detail}");
}

#[tokio::test]
async fn every_route_retired_in_turn_on_each_api_keeps_plexward_working() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let (alice, frank) = (t.friend(ALICE).await, t.friend(FRANK).await);
    let before = health(&t).await;
    for op in OPERATIONS {
        assert_eq!(before["plex_api"][op], "v1", "{before}");
    }
    assert_eq!(before["plex_api"]["retired"], json!([]));

    let mut flip = false;
    for (from, to) in [("v1", "v2"), ("v2", "v1")] {
        if from == "v2" {
            // Plex brings v1 back and retires v2 instead.
            t.sim.clear_faults();
        }
        for op in OPERATIONS {
            let (method, path) = route(op, from);
            t.sim.add_fault(FaultSpec::retire(method, path));
            flip = !flip;
            let round = format!("{op} retired on {from}");
            the_four_writes(&t, &round, alice, frank, flip).await;
            let h = health(&t).await;
            assert_eq!(h["plex_api"][op], to, "{round}: {h}");
            let retired = h["plex_api"]["retired"].as_array().expect("retired");
            assert!(
                retired
                    .iter()
                    .any(|r| r["operation"] == op && r["api"] == from && r["status"] == 410),
                "{round}: {h}"
            );
        }
    }

    // Every switch is in the audit trail and stored: a restart keeps the choice.
    let switches = t.app.audit_actions("plex.route_switched").await;
    let update = switches
        .iter()
        .find(|e| {
            let d: Value =
                serde_json::from_str(e.details.as_deref().unwrap_or("{}")).unwrap_or_default();
            d["operation"] == "update" && d["to"] == "v2"
        })
        .expect("the update switch is audited");
    assert_eq!(update.actor, "system");
    let stored = plexward::db::run(&t.app.db, plexward::settings::plex_routes::load)
        .await
        .expect("stored");
    assert!(stored.is_retired(plexward::plex::Operation::Update, plexward::plex::Api::V2));
}

#[tokio::test]
async fn both_routes_retired_refuses_changes_with_503_and_changes_nothing() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(ALICE).await;
    for api in ["v1", "v2"] {
        let (method, path) = route("update", api);
        t.sim.add_fault(FaultSpec::retire(method, path));
    }
    let path = format!("/api/v1/plex-users/{alice}");
    let (_, before) = t.call(Method::GET, &path, None).await;
    let shares_before = t.sim.state().shares;
    let tv = t.library(2).await;

    // The change that finds out is undone; every later one is refused before saving.
    for attempt in ["first", "second"] {
        let (status, body) = t.set_grants(alice, json!([{ "library_id": tv }])).await;
        assert_eq!(status, 503, "{attempt}: {body}");
        assert_eq!(
            body["error"]["code"], "plex_unavailable",
            "{attempt}: {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("retired both")),
            "{attempt}: {body}"
        );
        let (_, after) = t.call(Method::GET, &path, None).await;
        assert_eq!(after["grants"], before["grants"], "{attempt}: grants kept");
        assert_eq!(
            t.sim.state().shares,
            shares_before,
            "{attempt}: Plex untouched"
        );
    }
    let h = health(&t).await;
    assert_eq!(h["plex_api"]["update"], "none", "{h}");
    assert_eq!(h["plex_api"]["list"], "v1", "{h}");
    let reverted = t.app.audit_actions("grants.reverted").await;
    assert_eq!(reverted.len(), 1, "the first change was undone");

    // A bulk change that needs the update route is refused whole.
    let (status, body) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({"friend_ids": [alice], "action": {"kind": "add_libraries", "library_ids": [tv]}})),
        )
        .await;
    assert_eq!(status, 503, "{body}");

    // A sync needs no update route: it still runs.
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
}

#[tokio::test]
async fn a_sync_with_both_listing_routes_retired_is_refused_with_503() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    for api in ["v1", "v2"] {
        let (method, path) = route("sections", api);
        t.sim.add_fault(FaultSpec::retire(method, path));
    }
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "failed", "{job}");
    assert!(
        job["error"]
            .as_str()
            .is_some_and(|e| e.contains("retired both")),
        "{job}"
    );
    let (status, body) = t.call(Method::POST, "/api/v1/sync", None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "plex_unavailable");
    let (_, list) = t.call(Method::GET, "/api/v1/plex-users", None).await;
    assert!(
        list["items"]
            .as_array()
            .is_some_and(|items| items.iter().all(|f| f["departed"] != true)),
        "nobody is taken as gone: {list}"
    );
}
