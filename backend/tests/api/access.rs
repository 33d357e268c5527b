//! Granting access with time windows and making Plex match, against the in-process simulator:
//! what Plexward sends (the simulator's request log) and what Plex ends up with (its state).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use plex_sim::{FaultSpec, PlexSim, Seed, SimConfig, SimHandle};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, app_on_clock_with, start_sync, wait_for};

const MID: &str = "5f3c1a9e2b7d4c6e8a0b1c2d3e4f5a6b7c8d9e0f";
// plex.tv section ids of the default seed (PMS keys 1–5).
pub(crate) const MOVIES: u64 = 118_181_361;
pub(crate) const TV: u64 = 118_251_661;
pub(crate) const DEFAULT: u64 = 118_278_994;

/// Plexward synced with a simulator, a moderator signed in.
pub(crate) struct Synced {
    pub(crate) sim: SimHandle,
    pub(crate) app: TestApp,
    pub(crate) token: String,
}

async fn synced(seed: Seed) -> Synced {
    synced_on_clock(seed, plexward::clock::system()).await
}

pub(crate) async fn synced_on_clock(seed: Seed, clock: plexward::clock::SharedClock) -> Synced {
    synced_with(seed, clock, |_| {}).await
}

/// [`synced_on_clock`] with more configuration.
pub(crate) async fn synced_with(
    seed: Seed,
    clock: plexward::clock::SharedClock,
    customize: impl FnOnce(&mut plexward::config::Config) + Send + 'static,
) -> Synced {
    let sim = PlexSim::start(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let (app, token) = app_on_clock_with(&sim, clock, customize).await;
    let job = wait_for(&app, &token, &start_sync(&app, &token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    sim.clear_requests();
    Synced { sim, app, token }
}

impl Synced {
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.app.call(method, path, &self.token, body).await
    }

    /// Plexward's id of the friend with plex.tv user id `plex_id`.
    pub(crate) async fn friend(&self, plex_id: u64) -> i64 {
        let (_, list) = self.call(Method::GET, "/api/v1/plex-users", None).await;
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|f| f["plex_account_id"] == plex_id)
            .and_then(|f| f["id"].as_i64())
            .expect("friend imported")
    }

    /// Plexward's id of the library with PMS key `key`.
    pub(crate) async fn library(&self, key: i64) -> i64 {
        let (_, list) = self.call(Method::GET, "/api/v1/libraries", None).await;
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|l| l["key"] == key)
            .and_then(|l| l["id"].as_i64())
            .expect("library imported")
    }

    pub(crate) async fn set_grants(&self, friend: i64, grants: Value) -> (u16, Value) {
        self.call(
            Method::PUT,
            &format!("/api/v1/plex-users/{friend}/grants"),
            Some(json!({ "grants": grants })),
        )
        .await
    }

    /// plex.tv section ids the simulator shares with `user` (`None`: no share).
    pub(crate) fn shared_sections(&self, user: u64) -> Option<BTreeSet<u64>> {
        self.sim
            .state()
            .shares
            .iter()
            .find(|s| s.user_id == user)
            .map(|s| s.section_ids.clone())
    }

    /// The requests Plexward sent that change shares (method, path, body).
    pub(crate) fn writes(&self) -> Vec<(String, String, String)> {
        self.sim
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| (r.method, r.path, r.body))
            .collect()
    }

    pub(crate) async fn set_anchor(&self, library: i64) {
        plexward::db::run(&self.app.db, move |conn| {
            let mut prefs = plexward::settings::plex::load(conn)?;
            prefs.anchor_library_id = Some(library);
            plexward::settings::plex::save(conn, &prefs)
        })
        .await
        .expect("anchor saved");
    }
}

pub(crate) fn ids(v: &[u64]) -> BTreeSet<u64> {
    v.iter().copied().collect()
}

pub(crate) fn in_minutes(m: i64) -> String {
    (chrono::Utc::now() + chrono::TimeDelta::minutes(m)).to_rfc3339()
}

#[tokio::test]
async fn a_grant_sends_one_put_with_the_plextv_section_ids() {
    let t = synced(Seed::default()).await;
    let alice = t.friend(2_100_001).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);

    let (status, body) = t
        .set_grants(
            alice,
            json!([
                { "library_id": movies },
                { "library_id": tv, "ends_at": in_minutes(2) },
            ]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plex_matches"], true);
    assert_eq!(body["apply"]["state"], "applied");
    assert_eq!(body["plan"]["action"], "update");
    assert_eq!(body["friend"]["plan"]["action"], "nothing");

    // Alice had Movies + Default; the grants say Movies + TV (Default was not kept).
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES, TV])));
    let writes = t.writes();
    assert_eq!(writes.len(), 1, "one plex.tv write: {writes:?}");
    let (method, path, sent) = &writes[0];
    assert_eq!(method, "PUT");
    assert_eq!(path, &format!("/api/servers/{MID}/shared_servers/41000001"));
    let sent: Value = serde_json::from_str(sent).expect("json body");
    let mut sent_ids: Vec<u64> = sent["shared_server"]["library_section_ids"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    sent_ids.sort_unstable();
    assert_eq!(sent_ids, vec![MOVIES, TV]);
    // Saving one friend's grants costs exactly one plex.tv request (the machine id and section
    // ids come from the last sync).
    assert_eq!(t.sim.requests().len(), 1);

    // Saving the same grants again sends nothing: Plex already matches.
    t.sim.clear_requests();
    let (status, body) = t.set_grants(alice, body["friend"]["grants"].clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plan"]["action"], "nothing");
    assert!(t.sim.requests().is_empty());

    // Audited with before and after, and shown in the friend's history.
    let (_, history) = t
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{alice}/history"),
            None,
        )
        .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    // Newest first: the second save (nothing to apply), the apply, the first save.
    assert_eq!(actions, ["grants.set", "plex.apply", "grants.set"]);
    let set = &history["items"][2];
    assert_eq!(set["actor"], "mod");
    assert_eq!(set["details"]["before"].as_array().map(Vec::len), Some(2));
    assert_eq!(set["details"]["after"].as_array().map(Vec::len), Some(2));
    let apply = &history["items"][1];
    assert_eq!(apply["details"]["action"], "update");
}

#[tokio::test]
async fn the_last_library_without_an_anchor_deletes_the_share() {
    let t = synced(Seed::default()).await;
    let alice = t.friend(2_100_001).await;
    let (status, body) = t.set_grants(alice, json!([])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plan"]["action"], "revoke");
    assert_eq!(body["plex_matches"], true);
    assert_eq!(t.shared_sections(2_100_001), None, "the share is gone");
    assert_eq!(
        t.writes()
            .iter()
            .map(|w| (w.0.as_str(), w.1.as_str()))
            .collect::<Vec<_>>(),
        [(
            "DELETE",
            format!("/api/servers/{MID}/shared_servers/41000001").as_str()
        )]
    );
    assert_eq!(body["friend"]["shared"], false);

    // A later grant invites again (a create with invited_id), and the friend is pending.
    let movies = t.library(1).await;
    let (status, body) = t.set_grants(alice, json!([{ "library_id": movies }])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plan"]["action"], "invite");
    assert_eq!(body["apply"]["state"], "pending_invite");
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES])));
}

#[tokio::test]
async fn with_an_anchor_the_last_library_leaves_the_anchor() {
    let t = synced(Seed::default()).await;
    t.set_anchor(t.library(3).await).await;
    let erin = t.friend(2_100_006).await;
    let (status, body) = t.set_grants(erin, json!([])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plan"]["action"], "update");
    assert_eq!(t.shared_sections(2_100_006), Some(ids(&[DEFAULT])));
    assert!(
        t.writes().iter().all(|w| w.0 == "PUT"),
        "no delete, no invite"
    );
    // The anchor is marked in the detail and the libraries list.
    let (_, libs) = t.call(Method::GET, "/api/v1/libraries", None).await;
    let default = libs["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["key"] == 3)
        .cloned()
        .expect("Default");
    assert_eq!(default["anchor"], true);
}

#[tokio::test]
async fn a_friend_without_a_share_is_invited_once_then_updated() {
    let t = synced(Seed::default()).await;
    let frank = t.friend(2_100_007).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let (status, body) = t.set_grants(frank, json!([{ "library_id": movies }])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plan"]["action"], "invite");
    assert_eq!(body["apply"]["state"], "pending_invite");
    assert_eq!(body["friend"]["pending"], true);
    let writes = t.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].0, "POST");
    let sent: Value = serde_json::from_str(&writes[0].2).expect("json");
    assert_eq!(sent["shared_server"]["invited_id"], 2_100_007);

    // Changing the pending invite updates it: no second invite.
    t.sim.clear_requests();
    let (status, body) = t
        .set_grants(
            frank,
            json!([{ "library_id": movies }, { "library_id": tv }]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plan"]["action"], "update");
    assert!(t.writes().iter().all(|w| w.0 == "PUT"), "{:?}", t.writes());
    let shares = t.sim.state().shares;
    assert_eq!(shares.iter().filter(|s| s.user_id == 2_100_007).count(), 1);
    assert_eq!(t.shared_sections(2_100_007), Some(ids(&[MOVIES, TV])));
}

#[tokio::test]
async fn a_pending_invite_and_a_home_user_are_updated_by_share_id() {
    let t = synced(Seed::default()).await;
    let movies = t.library(1).await;
    for (plex_id, share) in [(2_100_002_u64, 41_000_002_u64), (2_100_004, 41_000_004)] {
        t.sim.clear_requests();
        let friend = t.friend(plex_id).await;
        let (status, body) = t
            .set_grants(friend, json!([{ "library_id": movies }]))
            .await;
        assert_eq!(status, 200, "{body}");
        let writes = t.writes();
        assert_eq!(writes.len(), 1, "{writes:?}");
        assert_eq!(writes[0].0, "PUT");
        assert_eq!(
            writes[0].1,
            format!("/api/servers/{MID}/shared_servers/{share}")
        );
        assert_eq!(t.shared_sections(plex_id), Some(ids(&[MOVIES])));
    }
}

#[tokio::test]
async fn a_departed_friend_is_kept_but_cannot_be_changed() {
    let t = synced(Seed::default()).await;
    let alice = t.friend(2_100_001).await;
    t.sim.with_state(|s| {
        s.friends.remove(&2_100_001);
        s.shares.retain(|sh| sh.user_id != 2_100_001);
    });
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["result"]["friends_departed"], 1, "{job}");
    t.sim.clear_requests();

    let (status, body) = t.set_grants(alice, json!([])).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "friend_departed");
    assert!(t.sim.requests().is_empty());
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(detail["departed"], true);
    assert_eq!(detail["apply"]["state"], "departed");
    let (_, departed) = t
        .call(Method::GET, "/api/v1/plex-users?status=departed", None)
        .await;
    assert_eq!(departed["total"], 1);
}

#[tokio::test]
async fn a_dry_run_plans_and_sends_and_saves_nothing() {
    let t = synced(Seed::default()).await;
    let alice = t.friend(2_100_001).await;
    let tv = t.library(2).await;
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/api/v1/plex-users/{alice}/grants?dry_run=true"),
            Some(json!({ "grants": [{ "library_id": tv }] })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["plan"]["action"], "update");
    assert_eq!(body["plan"]["added_library_ids"], json!([tv]));
    assert_eq!(
        body["plan"]["removed_library_ids"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(t.sim.requests().is_empty(), "a dry run sends nothing");
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES, DEFAULT])));
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(
        detail["grants"].as_array().map(Vec::len),
        Some(2),
        "nothing saved"
    );
}

#[tokio::test]
async fn bad_grants_get_field_errors_and_change_nothing() {
    let t = synced(Seed::default()).await;
    let alice = t.friend(2_100_001).await;
    let movies = t.library(1).await;
    let (status, body) = t
        .set_grants(
            alice,
            json!([
                { "library_id": 999 },
                { "library_id": movies, "starts_at": "1 December 2026", "ends_at": "2026-11-01T00:00:00Z" },
                { "library_id": movies, "starts_at": "2026-12-02T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z" },
            ]),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields = &body["error"]["fields"];
    assert!(fields["grants[0].library_id"].is_string(), "{fields}");
    assert!(fields["grants[1].starts_at"].is_string(), "{fields}");
    assert!(fields["grants[2].library_id"].is_string(), "{fields}");
    assert!(fields["grants[2].ends_at"].is_string(), "{fields}");
    assert!(t.sim.requests().is_empty());

    let (status, _) = t
        .call(
            Method::PUT,
            "/api/v1/plex-users/999999/grants",
            Some(json!({ "grants": [] })),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn extend_moves_the_end_from_the_current_end() {
    let t = synced(Seed::default()).await;
    let alice = t.friend(2_100_001).await;
    let movies = t.library(1).await;
    let end = chrono::Utc::now() + chrono::TimeDelta::days(2);
    t.set_grants(
        alice,
        json!([{ "library_id": movies, "ends_at": end.to_rfc3339() }]),
    )
    .await;
    let (status, body) = t
        .call(
            Method::POST,
            &format!("/api/v1/plex-users/{alice}/extend"),
            Some(json!({ "period": "week" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let new_end: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["friend"]["grants"][0]["ends_at"].clone()).expect("end");
    // Stored with millisecond precision.
    let moved = (new_end - end).num_milliseconds();
    assert!(
        (moved - 7 * 86_400_000).abs() < 2,
        "a week after the old end: {moved} ms"
    );
    let (status, body) = t
        .call(
            Method::POST,
            &format!("/api/v1/plex-users/{alice}/extend"),
            Some(json!({ "period": "unlimited" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["friend"]["grants"][0]["ends_at"], Value::Null);
    let (status, body) = t
        .call(
            Method::POST,
            &format!("/api/v1/plex-users/{alice}/extend"),
            Some(json!({ "period": "fortnight" })),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn a_plex_failure_leaves_the_friend_failed_and_a_later_success_clears_it() {
    // The save waits for the whole apply (its retries against a failing Plex take ~24 s), so the
    // answer carries the final outcome; `a_save_answers_within_the_apply_wait…` covers the bound.
    let t = synced_with(Seed::default(), plexward::clock::system(), |c| {
        c.apply_wait_ms = 60_000;
    })
    .await;
    let alice = t.friend(2_100_001).await;
    let tv = t.library(2).await;
    t.sim.add_fault(FaultSpec {
        method: Some("PUT".into()),
        path: "/api/servers/*/shared_servers/*".into(),
        count: 0,
        status: Some(500),
        ..FaultSpec::default()
    });
    let (status, body) = t.set_grants(alice, json!([{ "library_id": tv }])).await;
    assert_eq!(
        status, 200,
        "the grants are saved even though Plex failed: {body}"
    );
    assert_eq!(body["plex_matches"], false);
    assert_eq!(body["apply"]["state"], "failed");
    assert!(
        body["apply"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("500")),
        "{body}"
    );
    assert!(body["apply"]["next_retry_at"].is_string());
    let (_, failed) = t
        .call(Method::GET, "/api/v1/plex-users?status=failed", None)
        .await;
    assert_eq!(failed["total"], 1);

    // Plex recovers; the retry comes due (moved to now rather than waiting 30 s) and the
    // background retry loop applies it.
    t.sim.clear_faults();
    plexward::db::run(&t.app.db, move |conn| {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE apply_states SET next_retry_at = 0 WHERE plex_user_id = ?")
            .bind::<diesel::sql_types::BigInt, _>(alice)
            .execute(conn)
    })
    .await
    .expect("retry made due");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, detail) = t
            .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
            .await;
        if detail["apply"]["state"] == "applied" {
            assert_eq!(detail["apply"]["error"], Value::Null);
            assert_eq!(detail["apply"]["next_retry_at"], Value::Null);
            break;
        }
        assert!(Instant::now() < deadline, "still {}", detail["apply"]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[TV])));
    // The retry went through the apply queue, which is empty again.
    t.app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn bulk_changes_over_fifty_friends_apply_as_one_job() {
    let t = synced(Seed::default().with_generated_friends(60)).await;
    let (_, list) = t.call(Method::GET, "/api/v1/plex-users", None).await;
    let friends: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect();
    assert!(friends.len() >= 55, "{} friends", friends.len());
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let action =
        json!({ "kind": "set_libraries", "library_ids": [movies, tv], "ends_at": in_minutes(60) });

    let (status, preview) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({ "friend_ids": friends, "action": action, "dry_run": true })),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        preview["friends"].as_array().map(Vec::len),
        Some(friends.len())
    );
    assert!(t.sim.requests().is_empty(), "a preview sends nothing");

    let (status, started) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({ "friend_ids": friends, "action": action })),
        )
        .await;
    assert_eq!(status, 202, "{started}");
    let job = wait_for(&t.app, &t.token, started["job_id"].as_str().expect("job")).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["failed"], 0, "{job}");
    assert_eq!(job["progress"]["done"], friends.len());

    let state = t.sim.state();
    for user in &state.friends {
        let shares: Vec<_> = state.shares.iter().filter(|s| s.user_id == *user).collect();
        assert_eq!(shares.len(), 1, "exactly one share for {user}");
        assert_eq!(shares[0].section_ids, ids(&[MOVIES, TV]), "user {user}");
    }
    for r in t.sim.requests() {
        assert!(
            !r.body.contains("\"library_section_ids\":[]"),
            "never an empty library list: {}",
            r.body
        );
    }

    let (status, body) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({ "friend_ids": [friends[0], friends[0]], "action": { "kind": "revoke" } })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["friend_ids"].is_string());
}

#[tokio::test]
async fn friends_filter_and_sort_by_status_and_expiry() {
    let t = synced(Seed::default()).await;
    let (alice, erin, frank) = (
        t.friend(2_100_001).await,
        t.friend(2_100_006).await,
        t.friend(2_100_007).await,
    );
    let movies = t.library(1).await;
    t.set_grants(
        alice,
        json!([{ "library_id": movies, "ends_at": in_minutes(60 * 24 * 3) }]),
    )
    .await;
    t.set_grants(
        erin,
        json!([{ "library_id": movies, "ends_at": in_minutes(60) }]),
    )
    .await;
    t.set_grants(
        frank,
        json!([{ "library_id": movies, "starts_at": in_minutes(60 * 24) }]),
    )
    .await;

    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|f| f["username"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, expiring) = t
        .call(
            Method::GET,
            "/api/v1/plex-users?status=expiring&sort=expiry",
            None,
        )
        .await;
    assert_eq!(names(&expiring), ["erin", "alice"]);
    let (_, within_one_day) = t
        .call(
            Method::GET,
            "/api/v1/plex-users?status=expiring&within_days=1",
            None,
        )
        .await;
    assert_eq!(names(&within_one_day), ["erin"]);
    let (_, scheduled) = t
        .call(Method::GET, "/api/v1/plex-users?status=scheduled", None)
        .await;
    assert_eq!(names(&scheduled), ["frank"]);
    let (_, next) = t
        .call(Method::GET, "/api/v1/plex-users?sort=next_change&q=e", None)
        .await;
    assert_eq!(names(&next)[..2], ["erin", "frank"]);
    let (status, body) = t
        .call(
            Method::GET,
            "/api/v1/plex-users?status=expiring&within_days=0",
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_query");
    let (status, _) = t
        .call(Method::GET, "/api/v1/plex-users?status=sleepy", None)
        .await;
    assert_eq!(status, 400);
    // Erin's next change is the end of her Movies window.
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{erin}"), None)
        .await;
    assert_eq!(detail["next_change"]["library_id"], movies);
    assert_eq!(detail["next_change"]["starts"], false);
}

#[tokio::test]
async fn drift_on_plex_is_detected_by_the_next_sync() {
    let t = synced(Seed::default()).await;
    // Someone adds TV Shows to alice's share on plex.tv directly.
    t.sim.with_state(|s| {
        if let Some(share) = s.shares.iter_mut().find(|sh| sh.user_id == 2_100_001) {
            share.section_ids.insert(TV);
        }
    });
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "succeeded");
    let (_, drift) = t
        .call(Method::GET, "/api/v1/plex-users?status=drift", None)
        .await;
    assert_eq!(drift["total"], 1, "{drift}");
    assert_eq!(drift["items"][0]["username"], "alice");
    // Its plan puts Plex back to the grants.
    let alice = t.friend(2_100_001).await;
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(detail["plan"]["action"], "update");
    assert_eq!(
        detail["plan"]["removed_library_ids"],
        json!([t.library(2).await])
    );
}

#[tokio::test]
async fn an_apply_waits_for_a_sync_in_progress_so_the_sync_never_stores_an_older_share() {
    // Without the exclusion, a share changed between the sync's listing and its write-back was
    // overwritten by the older listing, and the next apply sent the same change again.
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(2_100_001).await;
    let tv = t.library(2).await;
    t.sim.set_latency(Duration::from_millis(300));
    t.sim.clear_requests();
    let job = start_sync(&t.app, &t.token).await;
    // Save Alice's grants once the sync is listing the shares.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !t
        .sim
        .in_flight()
        .iter()
        .any(|r| r.path.ends_with("/shared_servers"))
    {
        assert!(
            Instant::now() < deadline,
            "the sync never listed the shares"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (status, body) = t.set_grants(alice, json!([{ "library_id": tv }])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plex_matches"], true, "{body}");
    let done = wait_for(&t.app, &t.token, &job).await;
    assert_eq!(done["state"], "succeeded", "{done}");

    let log = t.sim.requests();
    let listing = log
        .iter()
        .find(|r| r.method == "GET" && r.path.ends_with("/shared_servers"))
        .expect("the sync's listing");
    let writes: Vec<_> = log.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(writes.len(), 1, "one change, sent once: {writes:?}");
    assert!(
        writes[0].at_ms >= listing.answered_ms,
        "the apply waited for the sync: {log:?}"
    );
    // What Plexward recorded is what Plex has: nothing left to send, no drift.
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(detail["plan"]["action"], "nothing", "{detail}");
    assert_eq!(detail["drift"], false, "{detail}");
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[TV])));
}

/// A save whose apply takes longer than the server waits (`apply_wait_ms`) answers on time with
/// the outcome so far (`queued`) and the job applying it, which goes on and ends the apply.
#[tokio::test]
async fn a_save_answers_within_the_apply_wait_and_its_job_finishes_the_apply() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |c| {
        c.apply_wait_ms = 1_000;
    })
    .await;
    let alice = t.friend(2_100_001).await;
    let tv = t.library(2).await;
    // Plex fails every write until told otherwise: the apply is retrying when the answer goes.
    t.sim.add_fault(FaultSpec {
        method: Some("PUT".into()),
        path: "/api/servers/*/shared_servers/*".into(),
        count: 0,
        status: Some(500),
        ..FaultSpec::default()
    });
    let started = Instant::now();
    let (status, body) = t.set_grants(alice, json!([{ "library_id": tv }])).await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{body}");
    assert!(
        took < Duration::from_secs(4),
        "answered after {took:?}, not within the 1 s wait"
    );
    assert_eq!(body["dry_run"], false);
    assert_eq!(body["plex_matches"], false);
    assert_eq!(body["apply"]["state"], "queued", "{body}");
    let job_id = body["job_id"].as_str().expect("a job id").to_owned();
    let (_, job) = t
        .call(Method::GET, &format!("/api/v1/jobs/{job_id}"), None)
        .await;
    assert_eq!(job["kind"], "apply", "{job}");
    assert!(
        job["state"] == "running" || job["state"] == "queued",
        "{job}"
    );

    // Plex recovers: the job's next attempt goes through and the job says so.
    t.sim.clear_faults();
    let job = wait_for(&t.app, &t.token, &job_id).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["applied"], 1, "{job}");
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[TV])));
    t.app.assert_no_jobs_left().await;
}
