//! What happens when access ends, per friend: each end policy gives exactly the Plex state it
//! promises at the second the last window ends (a clock the test moves); `remove_friend` waits
//! for the last window, happens once, survives a sync (not "departed"), and is undone by
//! granting again (a new invite).

use plex_sim::Seed;
use plexward::clock::ManualClock;
use reqwest::Method;
use serde_json::json;

use crate::access::{DEFAULT, MOVIES, TV, ids, synced_on_clock};
use crate::helpers::{start_sync, wait_for};
use crate::scheduler::until_shared;

const ALICE: u64 = 2_100_001;
const BOB: u64 = 2_100_002;
const ERIN: u64 = 2_100_006;
const MUSIC: u64 = 118_300_417;
const H: i64 = 3_600_000;

fn at(ms: i64) -> String {
    plexward::db::time::from_ms(ms).to_rfc3339()
}

#[tokio::test]
async fn each_end_policy_gives_the_plex_state_it_promises() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    let (movies, tv, music) = (t.library(1).await, t.library(2).await, t.library(4).await);
    t.set_anchor(t.library(3).await).await;
    let (alice, bob, erin) = (
        t.friend(ALICE).await,
        t.friend(BOB).await,
        t.friend(ERIN).await,
    );
    for (friend, policy) in [
        (alice, "keep_friend"),
        (bob, "remove_share"),
        (erin, "remove_friend"),
    ] {
        // What it will do, in words, before saving.
        let (status, preview) = t
            .call(
                Method::PUT,
                &format!("/api/v1/plex-users/{friend}/end-policy"),
                Some(json!({"end_policy": policy, "dry_run": true})),
            )
            .await;
        assert_eq!(status, 200, "{preview}");
        assert_eq!(preview["dry_run"], true);
        assert_eq!(preview["friend"]["end_policy"]["effective"], policy);
        let words = preview["friend"]["end_policy"]["words"]
            .as_str()
            .expect("words");
        assert!(words.starts_with("When "), "{words}");
        let (status, saved) = t
            .call(
                Method::PUT,
                &format!("/api/v1/plex-users/{friend}/end-policy"),
                Some(json!({ "end_policy": policy })),
            )
            .await;
        assert_eq!(status, 200, "{saved}");
        assert_eq!(saved["friend"]["end_policy"]["chosen"], policy);
    }
    let erin_words = {
        let (_, d) = t
            .call(Method::GET, &format!("/api/v1/plex-users/{erin}"), None)
            .await;
        d["end_policy"]["words"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        erin_words.contains("removed from your Plex friends"),
        "{erin_words}"
    );

    let end = t0 + H;
    for (friend, grants) in [
        (alice, json!([{"library_id": movies, "ends_at": at(end)}])),
        (bob, json!([{"library_id": tv, "ends_at": at(end)}])),
        // A gap, then one more window: the friend is removed only after the last one.
        (
            erin,
            json!([
                {"library_id": tv, "ends_at": at(end)},
                {"library_id": music, "starts_at": at(end + H), "ends_at": at(end + 2 * H)},
            ]),
        ),
    ] {
        let (status, body) = t.set_grants(friend, grants).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(t.shared_sections(ALICE), Some(ids(&[MOVIES, DEFAULT])));
    assert_eq!(t.shared_sections(BOB), Some(ids(&[TV, DEFAULT])));
    assert_eq!(t.shared_sections(ERIN), Some(ids(&[TV, DEFAULT])));

    clock.set(end);
    until_shared(&t, ALICE, Some(ids(&[DEFAULT]))).await;
    until_shared(&t, BOB, None).await;
    until_shared(&t, ERIN, Some(ids(&[DEFAULT]))).await;
    let friends = t.sim.state().friends;
    assert!(friends.contains(&BOB), "remove_share keeps the friendship");
    assert!(friends.contains(&ERIN), "a gap is not the end");

    clock.set(end + H);
    until_shared(&t, ERIN, Some(ids(&[MUSIC, DEFAULT]))).await;
    t.sim.clear_requests();
    clock.set(end + 2 * H);
    until_shared(&t, ERIN, None).await;
    assert!(
        !t.sim.state().friends.contains(&ERIN),
        "removed from the friends"
    );
    let writes = t.writes();
    assert_eq!(
        writes,
        vec![(
            "DELETE".to_owned(),
            format!("/api/v2/sharings/{ERIN}"),
            String::new()
        )],
        "one request removes the friend"
    );
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{erin}"), None)
        .await;
    assert!(detail["removed_from_plex_at"].is_string(), "{detail}");
    assert_eq!(
        detail["plan"]["action"], "nothing",
        "removed once: {detail}"
    );
    let removal = t.app.audit_actions("plex.apply").await;
    assert!(
        removal.iter().any(|e| e
            .details
            .as_deref()
            .is_some_and(|d| d.contains("remove_friend"))),
        "the removal is audited"
    );

    // A sync does not take the removed friend for departed, and nothing is sent again.
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{erin}"), None)
        .await;
    assert_eq!(detail["departed"], false, "{detail}");
    t.app.deadlines_handled(end + 2 * H).await;
    assert_eq!(t.writes().len(), 1, "{:?}", t.writes());

    // Undo: granting again says it invites, and does.
    let grant = json!([{ "library_id": movies }]);
    let (status, preview) = t
        .call(
            Method::PUT,
            &format!("/api/v1/plex-users/{erin}/grants"),
            Some(json!({"grants": grant, "dry_run": true})),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["plan"]["action"], "invite", "{preview}");
    let (status, body) = t.set_grants(erin, grant).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(t.shared_sections(ERIN), Some(ids(&[MOVIES, DEFAULT])));
    assert!(t.sim.state().friends.contains(&ERIN));
    assert!(body["friend"]["removed_from_plex_at"].is_null(), "{body}");
    assert_eq!(body["friend"]["pending"], true, "a new invite to accept");
}

#[tokio::test]
async fn the_default_end_policy_is_a_setting_and_a_friend_may_follow_it() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    t.app.create_account("boss", "admin", false).await;
    let admin = t
        .app
        .login("boss", crate::helpers::GOOD_PASSWORD)
        .await
        .token;
    let (status, body) = t
        .app
        .call(
            Method::PUT,
            "/api/v1/settings/plex",
            &admin,
            Some(json!({"end_policy": "remove_share"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["end_policy"], "remove_share");
    assert!(
        body["end_policy_words"]
            .as_str()
            .is_some_and(|w| w.contains("share ends")),
        "{body}"
    );
    let (status, body) = t
        .app
        .call(
            Method::PUT,
            "/api/v1/settings/plex",
            &admin,
            Some(json!({"end_policy": "delete_everything"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    let alice = t.friend(ALICE).await;
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(detail["end_policy"]["chosen"], serde_json::Value::Null);
    assert_eq!(detail["end_policy"]["effective"], "remove_share");
    // A Home user is never removed from the owner's friends: at most their share ends.
    let kids = t.friend(2_100_004).await;
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/api/v1/plex-users/{kids}/end-policy"),
            Some(json!({"end_policy": "remove_friend", "dry_run": true})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["friend"]["end_policy"]["effective"], "remove_share");
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/api/v1/plex-users/{alice}/end-policy"),
            Some(json!({"end_policy": "sometimes"})),
        )
        .await;
    assert!(status == 400 || status == 422, "{status} {body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    let events = t.app.audit_actions("end_policy.set").await;
    assert!(events.is_empty(), "dry runs and refusals save nothing");
}
