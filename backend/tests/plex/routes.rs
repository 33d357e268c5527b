//! Both sharing APIs (spec §2.6): with each route retired in turn (410 through a simulator
//! fault), every operation still reaches the simulator on the other API, the choice is
//! remembered, and a gone route is never read as "no shares" or "no such friend".

use std::collections::BTreeSet;
use std::sync::Arc;

use plex_sim::{FaultSpec, SimHandle};
use plexward::plex::{
    Api, FriendsSnapshot, Invitee, NonEmptySet, Operation, PlexClient, PlexError, RouteTable,
    Routes, ShareId,
};

use crate::operations::{ALICE, DEFAULT, ERIN, FRANK, TV};
use crate::support::{assert_clean_log, client_with, count, start};

const ALICE_SHARE: ShareId = ShareId(41_000_001);

/// A client whose operations all start on `api`.
fn client_on(sim: &SimHandle, api: Api) -> PlexClient {
    let mut table = RouteTable::default();
    for op in Operation::ALL {
        table.current.insert(op, api);
    }
    let routes = Arc::new(Routes::new(table));
    client_with(sim, |c| c.with_routes(routes))
}

/// What a snapshot says about access here: (user, share, libraries, pending), sorted.
fn access(s: &FriendsSnapshot) -> BTreeSet<(u64, u64, Vec<u64>, bool)> {
    s.shares
        .iter()
        .map(|sh| {
            let keys = sh.shared_keys().into_iter().map(|k| k.0).collect();
            (sh.user_id.0, sh.id.0, keys, sh.is_pending())
        })
        .collect()
}

/// The v1 and v2 routes of each operation as simulator fault globs.
fn route(op: Operation, api: Api) -> (&'static str, &'static str) {
    match (op, api) {
        (Operation::List, Api::V1) => ("GET", "/api/servers/*/shared_servers"),
        (Operation::List, Api::V2) => ("GET", "/api/v2/shared_servers/owned/accepted"),
        (Operation::Pending, Api::V1) => ("GET", "/api/servers/*/shared_servers"),
        (Operation::Pending, Api::V2) => ("GET", "/api/v2/shared_servers/owned/pending"),
        (Operation::Sections, Api::V1) => ("GET", "/api/servers/*"),
        (Operation::Sections, Api::V2) => ("GET", "/api/v2/servers/*"),
        (Operation::Create, Api::V1) => ("POST", "/api/servers/*/shared_servers"),
        (Operation::Create, Api::V2) => ("POST", "/api/v2/shared_servers"),
        (Operation::Update, Api::V1) => ("PUT", "/api/servers/*/shared_servers/*"),
        (Operation::Update, Api::V2) => ("POST", "/api/v2/shared_servers/*"),
        (Operation::Delete, Api::V1) => ("DELETE", "/api/servers/*/shared_servers/*"),
        (Operation::Delete, Api::V2) => ("DELETE", "/api/v2/shared_servers/*"),
        (Operation::RemoveFriend, Api::V1) => ("DELETE", "/api/v2/sharings/*"),
        (Operation::RemoveFriend, Api::V2) => ("DELETE", "/api/v2/friends/*"),
    }
}

#[tokio::test]
async fn both_apis_list_the_same_access() {
    let (sim, v1, mid) = start().await;
    let v2 = client_on(&sim, Api::V2);
    let on_v1 = v1.snapshot(&mid).await.expect("v1 snapshot");
    let on_v2 = v2.snapshot(&mid).await.expect("v2 snapshot");
    assert!(on_v1.friends_complete && !on_v2.friends_complete);
    assert_eq!(access(&on_v1), access(&on_v2));
    assert_eq!(on_v1.sections, on_v2.sections);
    // v2 knows the friends with a share here (with their names), not the others.
    let v2_friends: BTreeSet<u64> = on_v2.friends.iter().map(|f| f.id.0).collect();
    let with_share: BTreeSet<u64> = on_v1.shares.iter().map(|s| s.user_id.0).collect();
    assert_eq!(v2_friends, with_share);
    let alice = on_v2.friends.iter().find(|f| f.id == ALICE).expect("alice");
    assert_eq!(alice.username.as_deref(), Some("alice"));
    assert_eq!(count(&sim, "GET", "/api/v2/shared_servers/owned/*"), 2);
    assert_clean_log(&sim);
}

/// Retires `op`'s route on `from`, then runs the operation: it must succeed on the other API and
/// the client must now use that one.
async fn survives_retirement(op: Operation, from: Api) {
    let (sim, _, mid) = start().await;
    let client = client_on(&sim, from);
    let before = client_on(&sim, from)
        .snapshot(&mid)
        .await
        .expect("snapshot before");
    let (method, path) = route(op, from);
    sim.add_fault(FaultSpec::retire(method, path));
    let what = format!("{op} retired on {}", from.as_str());
    match op {
        Operation::List | Operation::Pending | Operation::Sections => {
            let after = client.snapshot(&mid).await.expect(&what);
            assert_eq!(access(&after), access(&before), "{what}: same shares");
            assert_eq!(after.sections, before.sections, "{what}");
        }
        Operation::Create => {
            let share = client
                .create_share(
                    &mid,
                    &Invitee::User(FRANK),
                    &NonEmptySet::one(DEFAULT),
                    None,
                )
                .await
                .expect(&what);
            assert_eq!(share.user_id, FRANK);
            assert!(sim.state().shares.iter().any(|s| s.user_id == FRANK.0));
        }
        Operation::Update => {
            client
                .replace_share_libraries(&mid, ALICE_SHARE, &NonEmptySet::one(TV), None)
                .await
                .expect(&what);
            let state = sim.state();
            let alice = state.shares.iter().find(|s| s.id == ALICE_SHARE.0);
            assert_eq!(
                alice.map(|s| s.section_ids.iter().copied().collect::<Vec<_>>()),
                Some(vec![TV.0]),
                "{what}"
            );
        }
        Operation::Delete => {
            client.delete_share(&mid, ALICE_SHARE).await.expect(&what);
            let state = sim.state();
            assert!(state.shares.iter().all(|s| s.id != ALICE_SHARE.0), "{what}");
            assert!(state.friends.contains(&ALICE.0), "{what}: still a friend");
        }
        Operation::RemoveFriend => {
            client.remove_friend(&mid, ERIN).await.expect(&what);
            assert!(!sim.state().friends.contains(&ERIN.0), "{what}");
        }
    }
    let table = client.routes().table();
    assert_eq!(table.api(op), from.other(), "{what}: {table:?}");
    assert!(table.is_retired(op, from), "{what}: {table:?}");
    assert!(!table.unusable(op), "{what}");
    // Remembered: the next call goes straight to the other API.
    sim.clear_requests();
    if matches!(op, Operation::List | Operation::Sections) {
        client.snapshot(&mid).await.expect("again");
        assert_eq!(count(&sim, method, path), 0, "{what}: not asked again");
    }
    assert_clean_log_if_any(&sim);
}

fn assert_clean_log_if_any(sim: &SimHandle) {
    if !sim.requests().is_empty() {
        assert_clean_log(sim);
    }
}

#[tokio::test]
async fn every_v1_route_retired_in_turn_falls_back_to_v2() {
    for op in Operation::ALL {
        survives_retirement(op, Api::V1).await;
    }
}

#[tokio::test]
async fn every_v2_route_retired_in_turn_falls_back_to_v1() {
    for op in Operation::ALL {
        survives_retirement(op, Api::V2).await;
    }
}

#[tokio::test]
async fn both_routes_retired_is_an_error_that_changes_nothing() {
    let (sim, client, mid) = start().await;
    for api in [Api::V1, Api::V2] {
        let (method, path) = route(Operation::Update, api);
        sim.add_fault(FaultSpec::retire(method, path));
    }
    let before = sim.state().shares;
    let err = client
        .replace_share_libraries(&mid, ALICE_SHARE, &NonEmptySet::one(TV), None)
        .await
        .expect_err("no route left");
    assert!(
        matches!(
            err,
            PlexError::Retired {
                operation: Operation::Update
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("retired both"), "{err}");
    assert_eq!(sim.state().shares, before);
    assert!(client.routes().unusable(Operation::Update));

    // Plex brings a route back: the operation heals on its next call.
    sim.clear_faults();
    client
        .replace_share_libraries(&mid, ALICE_SHARE, &NonEmptySet::one(TV), None)
        .await
        .expect("a route answers again");
    assert!(!client.routes().unusable(Operation::Update));
}

#[tokio::test]
async fn a_404_naming_the_route_switches_but_an_unknown_share_does_not() {
    let (sim, _, mid) = start().await;
    let client = client_on(&sim, Api::V2);
    // plex.tv's "unknown endpoint" 404 on a share that exists: the route is what is gone.
    sim.add_fault(
        FaultSpec {
            body: Some(
                r#"{"errors":[{"code":1002,"message":"The requested resource or endpoint could not be found","status":404}]}"#
                    .into(),
            ),
            ..FaultSpec::status("POST", "/api/v2/shared_servers/*", 404)
        }
        .times(0),
    );
    client
        .replace_share_libraries(&mid, ALICE_SHARE, &NonEmptySet::one(TV), None)
        .await
        .expect("done on v1");
    assert_eq!(client.routes().api(Operation::Update), Api::V1);

    // The same answer for a share that does not exist: the share is gone, not the route.
    let client = client_on(&sim, Api::V2);
    sim.clear_faults();
    let err = client
        .replace_share_libraries(&mid, ShareId(999), &NonEmptySet::one(TV), None)
        .await
        .expect_err("unknown share");
    assert!(matches!(err, PlexError::NotFound { .. }), "{err:?}");
    assert_eq!(client.routes().api(Operation::Update), Api::V2);
    assert!(client.routes().table().retired.is_empty());
}

#[tokio::test]
async fn probing_finds_retired_read_routes_and_never_writes() {
    let (sim, client, mid) = start().await;
    let (method, path) = route(Operation::Sections, Api::V1);
    sim.add_fault(FaultSpec::retire(method, path));
    let table = client.probe_routes(&mid).await.expect("probed");
    assert_eq!(table.api(Operation::Sections), Api::V2, "{table:?}");
    assert_eq!(table.api(Operation::List), Api::V1, "{table:?}");
    let log = sim.requests();
    assert!(log.iter().all(|r| r.method == "GET"), "{log:?}");
    assert_clean_log(&sim);
}
