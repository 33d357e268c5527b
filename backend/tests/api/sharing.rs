//! Sharing settings per friend (downloads, Live TV, camera upload, content restrictions): read on
//! every sync, set with `PUT …/sharing` (dry run first), applied with the libraries in one write,
//! on both of plex.tv's APIs, and checked for drift.

use plex_sim::{FaultSpec, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, synced_on_clock};
use crate::helpers::{start_sync, wait_for};

const ALICE: u64 = 2_100_001;
const ERIN: u64 = 2_100_006;
const FRANK: u64 = 2_100_007;

fn downloads_and_kids_tv() -> Value {
    json!({
        "allow_downloads": true,
        "allow_live_tv": false,
        "allow_camera_upload": false,
        "restrictions": {"television": {"allow_ratings": ["TV-Y", "TV-G"], "deny_labels": ["Horror"]}}
    })
}

async fn set_sharing(t: &Synced, friend: i64, body: Value) -> (u16, Value) {
    t.call(
        Method::PUT,
        &format!("/api/v1/plex-users/{friend}/sharing"),
        Some(body),
    )
    .await
}

/// The simulator's settings for `user`'s share: (allowSync, allowChannels, filterTelevision).
fn plex_settings(t: &Synced, user: u64) -> Option<(bool, bool, String)> {
    t.sim
        .state()
        .shares
        .iter()
        .find(|s| s.user_id == user)
        .map(|s| {
            (
                s.settings.allow_sync,
                s.settings.allow_channels,
                s.settings.filter_television.clone(),
            )
        })
}

async fn sync(t: &Synced) {
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
}

async fn round_trip(t: &Synced, api: &str) {
    let alice = t.friend(ALICE).await;
    let before = plex_settings(t, ALICE);

    let (status, preview) = set_sharing(
        t,
        alice,
        json!({"sharing": downloads_and_kids_tv(), "dry_run": true}),
    )
    .await;
    assert_eq!(status, 200, "{api}: {preview}");
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["plan"]["action"], "update", "{api}: {preview}");
    assert_eq!(preview["plan"]["sharing"]["allow_downloads"], true);
    assert_eq!(preview["plan"]["added_library_ids"], json!([]));
    assert_eq!(
        plex_settings(t, ALICE),
        before,
        "{api}: a preview sends nothing"
    );
    assert!(t.writes().is_empty(), "{api}: {:?}", t.writes());

    let (status, body) = set_sharing(t, alice, json!({"sharing": downloads_and_kids_tv()})).await;
    assert_eq!(status, 200, "{api}: {body}");
    assert_eq!(body["plex_matches"], true, "{api}: {body}");
    assert_eq!(
        plex_settings(t, ALICE),
        Some((
            true,
            false,
            "contentRating=TV-G%2CTV-Y|label!=Horror".to_owned()
        )),
        "{api}"
    );
    // One write carried it (a retired route's 410 carried nothing).
    let carried: Vec<_> = t
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.status != 410)
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        carried.len(),
        1,
        "{api}: one write for settings: {carried:?}"
    );

    // A sync reads them back (on the same API) and the friend shows them, managed, no drift.
    sync(t).await;
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(
        detail["sharing"],
        downloads_and_kids_tv_normalized(),
        "{api}: {detail}"
    );
    assert_eq!(detail["sharing_managed"], true);
    assert_eq!(detail["sharing_drift"], false, "{api}: {detail}");
    assert_eq!(detail["plan"]["action"], "nothing", "{api}: {detail}");
    assert_eq!(detail["sharing_badges"], json!(["downloads", "restricted"]));
}

/// What the API answers for [`downloads_and_kids_tv`]: every list present, sorted.
fn downloads_and_kids_tv_normalized() -> Value {
    let empty =
        json!({"allow_ratings": [], "deny_ratings": [], "allow_labels": [], "deny_labels": []});
    json!({
        "allow_downloads": true,
        "allow_live_tv": false,
        "allow_camera_upload": false,
        "restrictions": {
            "movies": empty,
            "television": {"allow_ratings": ["TV-G", "TV-Y"], "deny_ratings": [], "allow_labels": [], "deny_labels": ["Horror"]},
            "music": empty,
        }
    })
}

#[tokio::test]
async fn settings_round_trip_through_the_v1_api() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    round_trip(&t, "v1").await;
    let writes = t.writes();
    assert!(
        writes
            .iter()
            .all(|w| w.0 != "POST" || !w.1.contains("/api/v2/")),
        "{writes:?}"
    );
}

#[tokio::test]
async fn settings_round_trip_through_the_v2_api() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    // Plex retires the v1 routes that list and update: settings go and come back through v2.
    t.sim.add_fault(FaultSpec::retire("GET", "/api/users"));
    t.sim
        .add_fault(FaultSpec::retire("PUT", "/api/servers/*/shared_servers/*"));
    sync(&t).await;
    t.sim.clear_requests();
    round_trip(&t, "v2").await;
    let (_, h) = t.call(Method::GET, "/api/v1/health", None).await;
    assert_eq!(h["plex_api"]["update"], "v2", "{h}");
    assert_eq!(h["plex_api"]["list"], "v2", "{h}");
}

#[tokio::test]
async fn an_invite_carries_managed_settings_in_its_one_write() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let frank = t.friend(FRANK).await;
    let (status, body) = set_sharing(&t, frank, json!({"sharing": {"allow_live_tv": true}})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["plan"]["action"], "nothing",
        "no share yet, nothing to send"
    );
    assert!(t.writes().is_empty());

    let (status, body) = t
        .set_grants(frank, json!([{ "library_id": t.library(3).await }]))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plan"]["action"], "invite");
    assert_eq!(body["plan"]["sharing"]["allow_live_tv"], true, "{body}");
    assert_eq!(plex_settings(&t, FRANK).map(|s| s.1), Some(true));
    assert_eq!(t.writes().len(), 1, "{:?}", t.writes());
}

#[tokio::test]
async fn a_change_on_plex_directly_is_drift() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(ALICE).await;
    let (status, body) =
        set_sharing(&t, alice, json!({"sharing": {"allow_downloads": true}})).await;
    assert_eq!(status, 200, "{body}");

    // Someone turns downloads off in Plex's own UI.
    t.sim.with_state(|s| {
        if let Some(share) = s.shares.iter_mut().find(|s| s.user_id == ALICE) {
            share.settings.allow_sync = false;
        }
    });
    sync(&t).await;
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(detail["sharing_drift"], true, "{detail}");
    assert_eq!(detail["drift"], true, "{detail}");
    // The plan would put it back; unmanaged settings of other friends are Plex's own.
    assert_eq!(detail["plan"]["action"], "update", "{detail}");
    assert_eq!(detail["plan"]["sharing"]["allow_downloads"], true);
    let erin = t.friend(ERIN).await;
    let (_, erin) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{erin}"), None)
        .await;
    assert_eq!(erin["sharing_managed"], false);
    assert_eq!(
        erin["sharing"]["allow_downloads"], true,
        "read from Plex: {erin}"
    );
    assert_eq!(erin["sharing_drift"], false);
}

#[tokio::test]
async fn restrictions_without_plex_pass_are_refused_with_422() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    t.sim.with_state(|s| s.owner.plex_pass = false);
    sync(&t).await;
    let (_, settings) = t.call(Method::GET, "/api/v1/settings/plex", None).await;
    assert_eq!(settings["plex_pass"], false, "{settings}");

    let alice = t.friend(ALICE).await;
    let before = plex_settings(&t, ALICE);
    let (status, body) = set_sharing(&t, alice, json!({"sharing": downloads_and_kids_tv()})).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["sharing.restrictions"]
            .as_str()
            .is_some_and(|m| m.contains("Plex Pass")),
        "{body}"
    );
    assert_eq!(plex_settings(&t, ALICE), before, "nothing sent");
    // Downloads need no Plex Pass.
    let (status, body) =
        set_sharing(&t, alice, json!({"sharing": {"allow_downloads": true}})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn bad_settings_are_field_errors_and_null_stops_managing() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(ALICE).await;
    let (status, body) = set_sharing(
        &t,
        alice,
        json!({"sharing": {"restrictions": {"movies": {"allow_ratings": ["R"], "deny_ratings": ["R"]}}}}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["sharing.restrictions.movies.deny_ratings"].is_string());
    let (status, body) = set_sharing(&t, alice, json!({"sharing": {"allow_4k": true}})).await;
    assert_eq!(status, 400, "unknown field: {body}");

    let (status, _) = set_sharing(&t, alice, json!({"sharing": {"allow_downloads": true}})).await;
    assert_eq!(status, 200);
    let (status, body) = set_sharing(&t, alice, json!({"sharing": null})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["friend"]["sharing_managed"], false, "{body}");
    assert_eq!(body["plan"]["action"], "nothing");
    let events = t.app.audit_actions("sharing.set").await;
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn a_bulk_change_sets_sharing_for_many_friends_after_a_preview() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let (alice, erin) = (t.friend(ALICE).await, t.friend(ERIN).await);
    let grants_before = t.sim.state().shares.clone();
    let bulk = |dry_run: bool| {
        json!({
            "friend_ids": [alice, erin],
            "action": {"kind": "sharing", "sharing": downloads_and_kids_tv()},
            "dry_run": dry_run,
        })
    };

    let (status, preview) = t
        .call(Method::POST, "/api/v1/plex-users/bulk", Some(bulk(true)))
        .await;
    assert_eq!(status, 200, "{preview}");
    for line in preview["friends"].as_array().expect("friends") {
        assert_eq!(line["plan"]["action"], "update", "{line}");
        assert_eq!(line["plan"]["sharing"], downloads_and_kids_tv_normalized());
        assert_eq!(line["changes"], json!([]), "grants are kept: {line}");
    }
    assert!(t.writes().is_empty(), "a preview sends nothing");

    let (status, body) = t
        .call(Method::POST, "/api/v1/plex-users/bulk", Some(bulk(false)))
        .await;
    assert_eq!(status, 202, "{body}");
    let job = body["job_id"].as_str().expect("a job").to_owned();
    let job = wait_for(&t.app, &t.token, &job).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    for user in [ALICE, ERIN] {
        assert_eq!(
            plex_settings(&t, user),
            Some((
                true,
                false,
                "contentRating=TV-G%2CTV-Y|label!=Horror".to_owned()
            )),
            "{user}"
        );
        let before = grants_before
            .iter()
            .find(|s| s.user_id == user)
            .expect("a share");
        let after_share = t.sim.state().shares.into_iter().find(|s| s.user_id == user);
        assert_eq!(
            after_share.map(|s| s.section_ids),
            Some(before.section_ids.clone()),
            "libraries untouched for {user}"
        );
    }
    for id in [alice, erin] {
        let (_, detail) = t
            .call(Method::GET, &format!("/api/v1/plex-users/{id}"), None)
            .await;
        assert_eq!(detail["sharing_managed"], true, "{detail}");
    }
    let events = t.app.audit_actions("sharing.bulk").await;
    assert_eq!(events.len(), 2, "one audit event per friend");
}

#[tokio::test]
async fn a_bulk_sharing_change_is_validated_before_anything_is_saved() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(ALICE).await;
    let (status, body) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({
                "friend_ids": [alice],
                "action": {"kind": "sharing", "sharing": {"restrictions": {"music": {"deny_labels": ["a,b"]}}}},
            })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["action.sharing.restrictions.music.deny_labels[0]"].is_string(),
        "{body}"
    );

    t.sim.with_state(|s| s.owner.plex_pass = false);
    sync(&t).await;
    let (status, body) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({
                "friend_ids": [alice],
                "action": {"kind": "sharing", "sharing": downloads_and_kids_tv()},
            })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["action.sharing.restrictions"]
            .as_str()
            .is_some_and(|m| m.contains("Plex Pass")),
        "{body}"
    );
    assert!(t.app.audit_actions("sharing.bulk").await.is_empty());
    assert!(t.writes().is_empty(), "{:?}", t.writes());
}
