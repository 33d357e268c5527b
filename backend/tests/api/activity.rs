//! Who watches, against the simulator's watch history and sessions: a sync imports friends'
//! plays (paged, each once) and what plays now; the friends list sorts by last watched and
//! filters the inactive on the app's clock; a friend's activity counts plays in 30 and 90 days,
//! per library.

use std::collections::BTreeSet;

use plex_sim::{Play, PlaySession, Seed};
use plexward::clock::ManualClock;
use reqwest::Method;
use serde_json::Value;

use crate::access::{Synced, synced_on_clock};
use crate::helpers::{start_sync, wait_for};

const ALICE: u64 = 2_100_001;
const BOB: u64 = 2_100_002;
const CAROL: u64 = 2_100_003;
const DAVE: u64 = 2_100_005;
const ERIN: u64 = 2_100_006;
const DAY_MS: i64 = 86_400_000;

async fn sync(s: &Synced) -> Value {
    let job = wait_for(&s.app, &s.token, &start_sync(&s.app, &s.token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    job["result"].clone()
}

/// Plex account ids of the friends a list query answers, in its order.
async fn accounts(s: &Synced, query: &str) -> Vec<u64> {
    let (status, list) = s
        .call(Method::GET, &format!("/api/v1/plex-users?{query}"), None)
        .await;
    assert_eq!(status, 200, "{list}");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["plex_account_id"].as_u64().expect("account"))
        .collect()
}

#[tokio::test]
async fn a_sync_reads_who_watches_and_the_list_finds_the_inactive() {
    let now = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(now);
    let s = synced_on_clock(Seed::default(), clock.clone()).await;

    // The seed: alice and dave watched lately, erin 75 days ago, bob and carol never.
    let alice = s.friend(ALICE).await;
    let (status, mine) = s
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{alice}/activity"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{mine}");
    assert!(mine["plays_90_days"].as_u64() > Some(0), "{mine}");
    assert!(mine["last_watched_at"].is_string(), "{mine}");
    assert!(mine["read_at"].is_string(), "{mine}");
    let libraries = mine["libraries"].as_array().expect("libraries");
    assert!(!libraries.is_empty(), "{mine}");
    assert!(libraries.iter().all(|l| l["title"].is_string()), "{mine}");
    let per_library: u64 = libraries
        .iter()
        .map(|l| l["plays_90_days"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(per_library, mine["plays_90_days"].as_u64().unwrap_or(0));
    let (status, _) = s
        .call(Method::GET, "/api/v1/plex-users/999999/activity", None)
        .await;
    assert_eq!(status, 404);

    let inactive: BTreeSet<u64> = accounts(&s, "inactive_days=60").await.into_iter().collect();
    for account in [BOB, CAROL, ERIN] {
        assert!(inactive.contains(&account), "{account}: {inactive:?}");
    }
    for account in [ALICE, DAVE] {
        assert!(!inactive.contains(&account), "{account}: {inactive:?}");
    }
    let by_last_watched = accounts(&s, "sort=last_watched").await;
    let position = |a: u64| {
        by_last_watched
            .iter()
            .position(|x| *x == a)
            .expect("listed")
    };
    assert!(position(BOB) < position(ERIN) && position(ERIN) < position(ALICE));
    let (status, bad) = s
        .call(Method::GET, "/api/v1/plex-users?inactive_days=0", None)
        .await;
    assert_eq!(status, 400, "{bad}");
    assert!(bad["error"]["fields"]["inactive_days"].is_string(), "{bad}");

    // Bob watches (a play in the history), carol is playing now: the next sync sees both, and
    // counts only the new play.
    let at = now / 1_000 - 60;
    s.sim.add_play(Play::new(BOB, 2, at)).expect("play");
    s.sim
        .start_session(PlaySession::new(CAROL, 1))
        .expect("session");
    let report = sync(&s).await;
    assert_eq!(report["plays_imported"], 1, "{report}");
    // (The seed has sessions of its own.)
    assert!(report["watching_now"].as_u64() >= Some(1), "{report}");
    let again = sync(&s).await;
    assert_eq!(
        again["plays_imported"], 0,
        "read twice, counted once: {again}"
    );
    let inactive: BTreeSet<u64> = accounts(&s, "inactive_days=60").await.into_iter().collect();
    assert!(
        !inactive.contains(&BOB) && !inactive.contains(&CAROL),
        "{inactive:?}"
    );
    let carol = s.friend(CAROL).await;
    let (_, hers) = s
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{carol}/activity"),
            None,
        )
        .await;
    assert!(hers["watching_now"].is_string(), "{hers}");
    let bob = s.friend(BOB).await;
    let (_, his) = s
        .call(Method::GET, &format!("/api/v1/plex-users/{bob}"), None)
        .await;
    assert_eq!(
        his["last_watched_at"]
            .as_str()
            .map(|t| chrono::DateTime::parse_from_rfc3339(t)
                .expect("time")
                .timestamp()),
        Some(at)
    );

    // Time passes on the app's clock: 100 days on, everyone is inactive for 60, at once.
    clock.set(now + 100 * DAY_MS);
    let inactive: BTreeSet<u64> = accounts(&s, "inactive_days=60").await.into_iter().collect();
    for account in [ALICE, BOB, CAROL, DAVE, ERIN] {
        assert!(inactive.contains(&account), "{account}: {inactive:?}");
    }
    let (_, later) = s
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{alice}/activity"),
            None,
        )
        .await;
    assert_eq!(later["plays_30_days"], 0, "{later}");
    s.app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn a_long_history_is_read_in_pages_and_each_play_once() {
    let s = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let now = chrono::Utc::now().timestamp();
    s.sim
        .add_plays((0..450).map(|i| Play::new(DAVE, 1, now - 3_600 - i)))
        .expect("plays");
    s.sim.clear_requests();
    let report = sync(&s).await;
    assert_eq!(report["plays_imported"], 450, "{report}");
    let pages: Vec<String> = s
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/status/sessions/history/all")
        .map(|r| r.query)
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        pages
            .iter()
            .all(|q| q.contains("X-Plex-Container-Size=200")),
        "{pages:?}"
    );
    let dave = s.friend(DAVE).await;
    let (_, his) = s
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{dave}/activity"),
            None,
        )
        .await;
    assert!(his["plays_30_days"].as_u64() >= Some(450), "{his}");
    s.app.assert_no_jobs_left().await;
}

/// Waits for the SMTP sink to hold `n` messages; the subjects of all.
async fn subjects(smtp: &crate::email::Smtp, n: usize) -> Vec<String> {
    smtp.until(n)
        .await
        .iter()
        .map(crate::email::subject)
        .collect()
}

#[tokio::test]
async fn the_inactivity_policy_reminds_then_waits_for_the_owner_or_acts_on_its_own() {
    use serde_json::json;
    let now = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(now);
    let s = crate::notifications::synced_fast(clock.clone()).await;
    let admin = s.app.token_for("root", "admin").await;
    let smtp = crate::email::Smtp::start(&[]);
    let mut mail = crate::email::email("Mail", smtp.port, "none", json!({}));
    mail["events"] = json!(["access.inactive"]);
    let (status, ch) = crate::email::channel(&s, &admin, mail).await;
    assert_eq!(status, 201, "{ch}");
    let put = |path: &'static str, body: Value| {
        let (app, admin) = (&s.app, admin.clone());
        async move { app.call(Method::PUT, path, &admin, Some(body)).await }
    };
    let (status, _) = put(
        "/api/v1/notifications/settings",
        json!({"reminder_leads_minutes": [1440], "friend_email_channel_id": ch["channel"]["id"]}),
    )
    .await;
    assert_eq!(status, 200);

    // Refused in words; saved and audited.
    let (status, bad) = put(
        "/api/v1/settings/inactivity",
        json!({"enabled": true, "days": 30, "action": "end_access", "remind_days_before": 30,
            "automatic": false}),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert!(
        bad["error"]["fields"]["remind_days_before"].is_string(),
        "{bad}"
    );
    let policy = json!({"enabled": true, "days": 80, "action": "end_access",
        "remind_days_before": 10, "automatic": false});
    let (status, saved) = put("/api/v1/settings/inactivity", policy.clone()).await;
    assert_eq!((status, &saved), (200, &policy));
    assert_eq!(
        s.app
            .audit_actions("settings.inactivity_update")
            .await
            .len(),
        1
    );

    // Erin last watched 75 days ago: within the 10 reminder days of 80.
    let erin = s.friend(ERIN).await;
    let (status, report) = s.call(Method::GET, "/api/v1/inactivity", None).await;
    assert_eq!(status, 200, "{report}");
    let rows = report["friends"].as_array().expect("friends");
    assert_eq!(rows.len(), 1, "only erin: {report}");
    assert_eq!(rows[0]["friend"]["id"], erin);
    assert_eq!(rows[0]["stage"], "reminder");
    assert_eq!(rows[0]["inactive_days"], 75);

    // A sync reminds her and tells the owner, once.
    sync(&s).await;
    let got = subjects(&smtp, 2).await;
    assert!(
        got.contains(&"Still watching on SimServer?".to_owned()),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|g| g.starts_with("Not watching for 75 days")),
        "{got:?}"
    );
    sync(&s).await;
    s.app.assert_no_jobs_left().await;
    assert_eq!(smtp.got().len(), 2, "reminded once per stretch");

    // Six days on she is due; the owner is told, and nothing changes until they confirm.
    clock.set(now + 6 * DAY_MS);
    let (_, report) = s.call(Method::GET, "/api/v1/inactivity", None).await;
    assert_eq!(report["friends"][0]["stage"], "due", "{report}");
    sync(&s).await;
    assert_eq!(subjects(&smtp, 3).await.len(), 3);
    assert!(s.shared_sections(ERIN).is_some_and(|s| !s.is_empty()));
    let bob = s.friend(BOB).await;
    let (status, refused) = s
        .call(
            Method::POST,
            "/api/v1/inactivity/apply",
            Some(json!({"friend_ids": [bob]})),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let (status, preview) = s
        .call(
            Method::POST,
            "/api/v1/inactivity/apply",
            Some(json!({"friend_ids": [erin], "dry_run": true})),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["friends"][0]["friend_id"], erin, "{preview}");
    assert!(s.shared_sections(ERIN).is_some_and(|s| !s.is_empty()));
    let (status, done) = s
        .call(
            Method::POST,
            "/api/v1/inactivity/apply",
            Some(json!({"friend_ids": [erin]})),
        )
        .await;
    assert_eq!(status, 202, "{done}");
    wait_for(&s.app, &s.token, done["job_id"].as_str().expect("job")).await;
    assert!(
        s.shared_sections(ERIN).is_none_or(|s| s.is_empty()),
        "{:?}",
        s.shared_sections(ERIN)
    );
    assert_eq!(s.app.audit_actions("inactivity.end_access").await.len(), 1);

    // Automatic, removing friends: bob (an invite never accepted, never seen watching since
    // Plexward started) goes on his own once due.
    let (status, _) = put(
        "/api/v1/settings/inactivity",
        json!({"enabled": true, "days": 7, "action": "remove_friend", "remind_days_before": 0,
            "automatic": true}),
    )
    .await;
    assert_eq!(status, 200);
    clock.set(now + 8 * DAY_MS);
    let (_, report) = s.call(Method::GET, "/api/v1/inactivity", None).await;
    let due: Vec<i64> = report["friends"]
        .as_array()
        .expect("friends")
        .iter()
        .filter(|f| f["stage"] == "due")
        .map(|f| f["friend"]["id"].as_i64().expect("id"))
        .collect();
    assert!(due.contains(&bob), "{report}");
    sync(&s).await;
    // Removed from the owner's Plex friends.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.sim.state().friends.contains(&BOB) {
        assert!(
            std::time::Instant::now() < deadline,
            "bob is still a friend on plex.tv: {:?}",
            s.writes()
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    s.app.assert_no_jobs_left().await;
    assert_eq!(
        s.app.audit_actions("inactivity.remove_friend").await.len(),
        due.len()
    );
}
