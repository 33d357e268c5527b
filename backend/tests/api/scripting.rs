//! What scripts lean on: bulk actions that keep each friend's other windows, extend by any ISO
//! 8601 duration, and previews that show each library's old and new window.

use chrono::{DateTime, TimeDelta, Utc};
use plex_sim::Seed;
use plex_sim::ids::{MOVIES, MUSIC, TV};
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{ids, in_minutes, synced_with};
use crate::helpers::wait_for;

fn time(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v} is not a time: {e}"))
}

#[tokio::test]
async fn extend_takes_an_iso_duration_and_its_preview_shows_old_and_new_ends() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |_| {}).await;
    let alice = t.friend(2_100_001).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let end = Utc::now() + TimeDelta::days(2);
    let (status, _) = t
        .set_grants(
            alice,
            json!([
                { "library_id": movies, "ends_at": end.to_rfc3339() },
                { "library_id": tv },
            ]),
        )
        .await;
    assert_eq!(status, 200);
    t.sim.clear_requests();

    let path = format!("/api/v1/plex-users/{alice}/extend?dry_run=true");
    let (status, preview) = t
        .call(Method::POST, &path, Some(json!({ "period": "P10D" })))
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["dry_run"], true);
    let changes = preview["changes"].as_array().expect("changes");
    assert_eq!(
        changes.len(),
        1,
        "only Movies has an end to move: {preview}"
    );
    assert_eq!(changes[0]["library_id"], movies);
    assert_eq!(changes[0]["library"], "Movies");
    let (old, new) = (
        time(&changes[0]["before"]["ends_at"]),
        time(&changes[0]["after"]["ends_at"]),
    );
    assert!((old - end).num_milliseconds().abs() < 2, "old end {old}");
    assert_eq!(new - old, TimeDelta::days(10), "new end {new}");
    assert!(t.writes().is_empty(), "a preview sends nothing");
    // Nothing was saved: the friend still ends at the old time.
    let (_, friend) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    let saved = friend["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .find(|g| g["library_id"] == movies)
        .map(|g| time(&g["ends_at"]))
        .expect("movies grant");
    assert_eq!(saved, old);

    // For real, by a duration with time parts; the answer lists the same change.
    let (status, body) = t
        .call(
            Method::POST,
            &format!("/api/v1/plex-users/{alice}/extend"),
            Some(json!({ "period": "PT36H", "library_ids": [movies] })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["dry_run"], false);
    assert_eq!(
        time(&body["changes"][0]["after"]["ends_at"]) - old,
        TimeDelta::hours(36)
    );

    // A duration the server cannot read is refused, naming the value; so is a zero one.
    for bad in ["P10", "10D", "P0D", "fortnight"] {
        let (status, body) = t
            .call(
                Method::POST,
                &format!("/api/v1/plex-users/{alice}/extend"),
                Some(json!({ "period": bad })),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(bad)),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn bulk_adds_and_removes_one_library_keeping_each_friends_other_windows() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |_| {}).await;
    let (alice, bob) = (t.friend(2_100_001).await, t.friend(2_100_002).await);
    let (movies, tv, music) = (t.library(1).await, t.library(2).await, t.library(4).await);
    let alice_end = in_minutes(60 * 24 * 3);
    t.set_grants(
        alice,
        json!([{ "library_id": movies, "ends_at": alice_end }]),
    )
    .await;
    t.set_grants(bob, json!([{ "library_id": tv }])).await;

    let until = in_minutes(60 * 24 * 30);
    let add = json!({
        "friend_ids": [alice, bob],
        "action": { "kind": "add_libraries", "library_ids": [music], "ends_at": until },
    });
    let (status, preview) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({ "dry_run": true, "friend_ids": [alice, bob],
                         "action": add["action"] })),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    for friend in preview["friends"].as_array().expect("friends") {
        let changes = friend["changes"].as_array().expect("changes");
        assert_eq!(changes.len(), 1, "only Music changes: {friend}");
        assert_eq!(changes[0]["library_id"], music);
        assert_eq!(changes[0]["before"], Value::Null);
        assert_eq!(
            time(&changes[0]["after"]["ends_at"]).timestamp_millis(),
            time(&json!(until)).timestamp_millis()
        );
    }

    let (status, started) = t
        .call(Method::POST, "/api/v1/plex-users/bulk", Some(add))
        .await;
    assert_eq!(status, 202, "{started}");
    let job = wait_for(&t.app, &t.token, started["job_id"].as_str().expect("job")).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES, MUSIC])));
    assert_eq!(t.shared_sections(2_100_002), Some(ids(&[TV, MUSIC])));
    let (_, a) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    let movies_end = a["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .find(|g| g["library_id"] == movies)
        .map(|g| time(&g["ends_at"]))
        .expect("Movies kept");
    assert_eq!(
        movies_end.timestamp_millis(),
        time(&json!(alice_end)).timestamp_millis(),
        "Alice's own window kept"
    );

    let (status, started) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({
                "friend_ids": [alice, bob],
                "action": { "kind": "remove_libraries", "library_ids": [music] },
            })),
        )
        .await;
    assert_eq!(status, 202, "{started}");
    wait_for(&t.app, &t.token, started["job_id"].as_str().expect("job")).await;
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES])));
    assert_eq!(t.shared_sections(2_100_002), Some(ids(&[TV])));

    // Bad input is named: no libraries, an unknown one.
    for (library_ids, why) in [(json!([]), "at least one"), (json!([9999]), "9999")] {
        let (status, body) = t
            .call(
                Method::POST,
                "/api/v1/plex-users/bulk",
                Some(json!({
                    "friend_ids": [alice],
                    "action": { "kind": "add_libraries", "library_ids": library_ids },
                })),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["error"]["fields"]["action.library_ids"]
                .as_str()
                .is_some_and(|m| m.contains(why)),
            "{body}"
        );
    }
    t.app.assert_no_jobs_left().await;
}

/// An invite not accepted yet gives no access: such a friend is `pending` (or `invited`), never
/// `active`, even with grants that are active now.
#[tokio::test]
async fn an_invited_friend_is_not_active() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |_| {}).await;
    let usernames = |list: &Value| -> Vec<String> {
        let mut names: Vec<String> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|f| f["title"].as_str().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    };
    let (status, active) = t
        .call(Method::GET, "/api/v1/plex-users?status=active", None)
        .await;
    assert_eq!(status, 200, "{active}");
    let active = usernames(&active);
    assert!(active.contains(&"alice".to_owned()), "{active:?}");
    assert!(
        !active.contains(&"bob".to_owned()),
        "bob's invite is pending, his TV grant notwithstanding: {active:?}"
    );
    for status in ["pending", "invited"] {
        let (code, invited) = t
            .call(
                Method::GET,
                &format!("/api/v1/plex-users?status={status}"),
                None,
            )
            .await;
        assert_eq!(code, 200, "{invited}");
        let invited = usernames(&invited);
        assert!(invited.contains(&"bob".to_owned()), "{status}: {invited:?}");
        assert!(
            !invited.contains(&"alice".to_owned()),
            "{status}: {invited:?}"
        );
    }
}

/// `PUT /scheduler` needs only the chosen mode's field; the other mode's saved value is kept.
#[tokio::test]
async fn the_schedule_takes_only_the_fields_of_its_mode() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |_| {}).await;
    t.app.create_account("boss", "admin", false).await;
    let admin = t
        .app
        .login("boss", crate::helpers::GOOD_PASSWORD)
        .await
        .token;
    let put = |body: Value| {
        let (app, admin) = (&t.app, admin.clone());
        async move {
            app.call(Method::PUT, "/api/v1/scheduler", &admin, Some(body))
                .await
        }
    };
    let (status, body) = put(json!({ "mode": "daily", "daily_at": "03:15" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["settings"]["mode"], "daily");
    assert_eq!(body["settings"]["daily_at"], "03:15");
    assert_eq!(body["settings"]["interval_minutes"], 60, "kept: {body}");
    let (status, body) = put(json!({ "mode": "interval", "interval_minutes": 30 })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["settings"]["daily_at"], "03:15", "kept: {body}");
    let (status, body) = put(json!({ "mode": "interval" })).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["interval_minutes"]
            .as_str()
            .is_some_and(|m| m.contains("required")),
        "{body}"
    );
}
