//! Optimistic concurrency: a friend's ETag names their edit version; a write with an `If-Match`
//! naming an older one gets 412 with the friend as they are now and who changed them, and
//! changes nothing. Without `If-Match` the last write wins, as before. A bulk change skips friends
//! changed since its preview.

use plex_sim::Seed;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, synced_on_clock};
use crate::helpers::header;

const ALICE: u64 = 2_100_001;
const ERIN: u64 = 2_100_006;

async fn synced() -> Synced {
    synced_on_clock(Seed::default(), plexward::clock::system()).await
}

/// The friend's ETag and detail.
async fn read(t: &Synced, friend: i64) -> (String, Value) {
    let response = t
        .app
        .bearer(
            Method::GET,
            &format!("/api/v1/plex-users/{friend}"),
            &t.token,
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let etag = header(&response, "etag").to_owned();
    (etag, response.json().await.expect("json"))
}

/// A write with `If-Match: if_match` (none when `None`).
async fn write(
    t: &Synced,
    method: Method,
    path: &str,
    if_match: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut request = t.app.bearer(method, path, &t.token).json(&body);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `PUT …/grants` giving `friend` just `library`, with `If-Match: if_match`.
async fn put_grants(t: &Synced, friend: i64, if_match: Option<&str>, library: i64) -> (u16, Value) {
    write(
        t,
        Method::PUT,
        &format!("/api/v1/plex-users/{friend}/grants"),
        if_match,
        json!({"grants": [{ "library_id": library }]}),
    )
    .await
}

fn library_ids(detail: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = detail["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .filter_map(|g| g["library_id"].as_i64())
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn a_stale_if_match_gets_412_with_the_friend_as_they_are_now_and_changes_nothing() {
    let t = synced().await;
    let alice = t.friend(ALICE).await;
    let (movies, tv, music) = (t.library(1).await, t.library(2).await, t.library(4).await);
    let (tag, before) = read(&t, alice).await;
    let version = before["version"].as_i64().expect("version");
    assert!(
        tag.starts_with(&format!("W/\"v{version}-")),
        "the ETag names the version: {tag}"
    );
    let grants = format!("/api/v1/plex-users/{alice}/grants");

    // One moderator saves with the tag they read...
    let (status, saved) = put_grants(&t, alice, Some(&tag), tv).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["friend"]["version"], version + 1, "{saved}");
    let (_, after_first) = read(&t, alice).await;
    t.sim.clear_requests();

    // ...and another, who read the same tag, is refused with what changed, for every write.
    let stale = [
        (
            Method::PUT,
            grants.clone(),
            json!({"grants": [{ "library_id": music }]}),
        ),
        (
            Method::PUT,
            format!("{grants}?dry_run=true"),
            json!({"grants": [{ "library_id": music }]}),
        ),
        (
            Method::POST,
            format!("/api/v1/plex-users/{alice}/extend"),
            json!({"period": "week"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/plex-users/{alice}/sharing"),
            json!({"sharing": {"allow_downloads": true, "allow_live_tv": false, "allow_camera_upload": false}}),
        ),
    ];
    for (method, path, body) in stale {
        let (status, refused) = write(&t, method, &path, Some(&tag), body).await;
        assert_eq!(status, 412, "{path}: {refused}");
        assert_eq!(refused["error"]["code"], "precondition_failed");
        assert_eq!(refused["error"]["changed_by"]["action"], "grants.set");
        assert_eq!(refused["error"]["changed_by"]["actor"], "mod");
        assert!(refused["error"]["changed_by"]["at"].is_string());
        assert!(
            refused["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("by mod at")),
            "{refused}"
        );
        assert_eq!(refused["current"]["version"], version + 1);
        assert_eq!(library_ids(&refused["current"]), library_ids(&after_first));
    }
    assert!(
        t.writes().is_empty(),
        "nothing reached Plex: {:?}",
        t.writes()
    );
    let (_, now) = read(&t, alice).await;
    assert_eq!(
        library_ids(&now),
        library_ids(&after_first),
        "nothing saved"
    );
    assert_eq!(now["version"], version + 1);

    // With the new tag the second edit goes through; `*` and no If-Match are last-write-wins.
    let (fresh, _) = read(&t, alice).await;
    let (status, body) = put_grants(&t, alice, Some(&fresh), music).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = put_grants(&t, alice, Some("*"), movies).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = put_grants(&t, alice, None, tv).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["friend"]["version"], version + 4);

    let (status, body) = write(
        &t,
        Method::PUT,
        &grants,
        Some("not-a-tag"),
        json!({"grants": []}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_if_match");
}

#[tokio::test]
async fn of_two_saves_sent_with_the_same_tag_at_once_exactly_one_wins() {
    let t = synced().await;
    let alice = t.friend(ALICE).await;
    let (tv, music) = (t.library(2).await, t.library(4).await);
    let (tag, before) = read(&t, alice).await;
    let grants = format!("/api/v1/plex-users/{alice}/grants");
    let (first, second) = tokio::join!(
        write(
            &t,
            Method::PUT,
            &grants,
            Some(&tag),
            json!({"grants": [{ "library_id": tv }]})
        ),
        write(
            &t,
            Method::PUT,
            &grants,
            Some(&tag),
            json!({"grants": [{ "library_id": music }]})
        ),
    );
    let mut statuses = [first.0, second.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "{first:?} {second:?}");
    let (_, now) = read(&t, alice).await;
    assert_eq!(now["version"], before["version"].as_i64().expect("v") + 1);
    let winner = if first.0 == 200 { tv } else { music };
    assert!(library_ids(&now).contains(&winner), "{now}");
}

#[tokio::test]
async fn a_bulk_change_skips_friends_changed_since_its_preview() {
    let t = synced().await;
    let (alice, erin) = (t.friend(ALICE).await, t.friend(ERIN).await);
    let (movies, photos) = (t.library(1).await, t.library(5).await);
    let body = |versions: Option<Value>| {
        let mut b = json!({
            "friend_ids": [alice, erin],
            "action": {"kind": "add_libraries", "library_ids": [photos]},
        });
        if let Some(v) = versions {
            b["versions"] = v;
        }
        b
    };
    let (status, preview) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk?dry_run=true",
            Some(body(None)),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    let versions: serde_json::Map<String, Value> = preview["friends"]
        .as_array()
        .expect("friends")
        .iter()
        .map(|f| (f["friend_id"].to_string(), f["version"].clone()))
        .collect();
    assert_eq!(versions.len(), 2);

    // Someone changes alice between the preview and the apply.
    let (status, changed) = t.set_grants(alice, json!([{ "library_id": movies }])).await;
    assert_eq!(status, 200, "{changed}");

    let (status, applied) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(body(Some(Value::Object(versions)))),
        )
        .await;
    assert_eq!(status, 202, "{applied}");
    let skipped = applied["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1, "{applied}");
    assert_eq!(skipped[0]["friend_id"], alice);
    assert!(
        skipped[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("since the preview"))
    );
    let planned: Vec<i64> = applied["friends"]
        .as_array()
        .expect("friends")
        .iter()
        .filter_map(|f| f["friend_id"].as_i64())
        .collect();
    assert_eq!(planned, [erin]);

    let (_, alice_now) = read(&t, alice).await;
    assert!(
        !library_ids(&alice_now).contains(&photos),
        "alice kept the newer change: {alice_now}"
    );
    let (_, erin_now) = read(&t, erin).await;
    assert!(library_ids(&erin_now).contains(&photos), "{erin_now}");
}

#[tokio::test]
async fn every_settings_resource_has_a_version_and_refuses_a_stale_if_match() {
    let t = synced().await;
    let admin = t.app.token_for("boss", "admin").await;
    let send = |method: Method, path: &'static str, tag: Option<String>, body: Value| {
        let mut request = t.app.bearer(method, path, &admin).json(&body);
        if let Some(tag) = tag {
            request = request.header("If-Match", tag);
        }
        async move {
            let response = request.send().await.expect("sent");
            let status = response.status().as_u16();
            let etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (
                status,
                etag,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let cases = [
        (
            "/api/v1/scheduler",
            json!({"mode": "interval", "interval_minutes": 30}),
            json!({"mode": "interval", "interval_minutes": 45}),
            "scheduler.update",
        ),
        (
            "/api/v1/settings/plex",
            json!({"time_zone": "Europe/Berlin"}),
            json!({"time_zone": "Europe/Paris"}),
            "settings.plex_update",
        ),
        (
            "/api/v1/settings/server",
            json!({"hostnames": ["first.lan"]}),
            json!({"hostnames": ["second.lan"]}),
            "settings.server_update",
        ),
    ];
    for (path, first, second, action) in cases {
        let (status, tag, read) = send(Method::GET, path, None, Value::Null).await;
        assert_eq!(status, 200, "{path}: {read}");
        let tag = tag.expect("an ETag");
        assert_eq!(
            read["version"],
            tag.as_str(),
            "{path}: the body names the tag"
        );

        let (status, new_tag, saved) = send(Method::PUT, path, Some(tag.clone()), first).await;
        assert_eq!(status, 200, "{path}: {saved}");
        let new_tag = new_tag.expect("an ETag");
        assert_ne!(new_tag, tag, "{path}: a save makes a new version");
        assert_eq!(saved["version"], new_tag.as_str());

        // The second admin read the old version: refused, with what is there now and who.
        let (status, _, refused) = send(Method::PUT, path, Some(tag.clone()), second.clone()).await;
        assert_eq!(status, 412, "{path}: {refused}");
        assert_eq!(refused["error"]["code"], "precondition_failed");
        assert_eq!(refused["error"]["changed_by"]["actor"], "boss");
        assert_eq!(refused["error"]["changed_by"]["action"], action);
        assert_eq!(refused["current"]["version"], new_tag.as_str(), "{path}");
        let (_, still, _) = send(Method::GET, path, None, Value::Null).await;
        assert_eq!(
            still.as_deref(),
            Some(new_tag.as_str()),
            "{path}: nothing saved"
        );

        // With the new version, or none at all, it goes through.
        let (status, _, body) = send(Method::PUT, path, Some(new_tag), second.clone()).await;
        assert_eq!(status, 200, "{path}: {body}");
        let (status, _, body) = send(Method::PUT, path, None, second).await;
        assert_eq!(status, 200, "{path}: {body}");
        let (status, _, body) = send(Method::PUT, path, Some("v1".into()), json!({})).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_if_match");
    }
}

#[tokio::test]
async fn an_account_edit_with_a_stale_if_match_is_refused() {
    let app = crate::helpers::spawn_app().await;
    let boss = app.token_for("boss", "admin").await;
    let id = app.create_account("pat", "moderator", false).await;
    let path = format!("/api/v1/accounts/{id}");
    let read = app
        .bearer(Method::GET, &path, &boss)
        .send()
        .await
        .expect("sent");
    let tag = header(&read, "etag").to_owned();
    let patch = |tag: Option<String>, body: Value| {
        let mut request = app.bearer(Method::PATCH, &path, &boss).json(&body);
        if let Some(tag) = tag {
            request = request.header("If-Match", tag);
        }
        async move {
            let response = request.send().await.expect("sent");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = patch(Some(tag.clone()), json!({"role": "auditor"})).await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(body["version"], tag.as_str());
    let (status, refused) = patch(Some(tag), json!({"disabled": true})).await;
    assert_eq!(status, 412, "{refused}");
    assert_eq!(refused["current"]["role"], "auditor");
    assert_eq!(refused["current"]["disabled"], false, "nothing saved");
    assert_eq!(refused["error"]["changed_by"]["action"], "account.update");
    // A sign-in is not an edit: the tag stays.
    let fresh = refused["current"]["version"]
        .as_str()
        .expect("version")
        .to_owned();
    app.login("pat", crate::helpers::GOOD_PASSWORD).await;
    let (status, body) = patch(Some(fresh), json!({"disabled": true})).await;
    assert_eq!(status, 200, "{body}");
}
