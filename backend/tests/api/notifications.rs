//! Notifications to a real HTTP receiver on 127.0.0.1: channels refused field by field and their
//! secrets never shown again; events written with the change that causes them, signed
//! (`X-Plexward-Signature`), one delivery id across retries; a dead delivery is visible and can
//! be sent again; a receiver that hangs delays neither other channels nor a deadline.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use plex_sim::Seed;
use plexward::clock::ManualClock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, TV, synced_with};
use crate::helpers::GOOD_PASSWORD;
use crate::scheduler::until_shared;

const ALICE: u64 = 2_100_001;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Hit {
    event: String,
    delivery: String,
    signature: String,
    body: String,
}

#[derive(Default)]
struct Script {
    hits: Mutex<Vec<Hit>>,
    /// Statuses to answer, in order; then 200.
    answers: Mutex<VecDeque<u16>>,
    hang: AtomicBool,
}

struct Receiver {
    url: String,
    script: Arc<Script>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    async fn start() -> Self {
        let script = Arc::new(Script::default());
        let data = web::Data::from(script.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind");
        let url = format!("http://{}/hook", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url,
            script,
            handle,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.script.hits.lock().expect("hits").clone()
    }

    fn answer(&self, statuses: &[u16]) {
        self.script
            .answers
            .lock()
            .expect("answers")
            .extend(statuses);
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, script: web::Data<Script>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    script.hits.lock().expect("hits").push(Hit {
        event: header("x-plexward-event"),
        delivery: header("x-plexward-delivery"),
        signature: header("x-plexward-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if script.hang.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    let status = script
        .answers
        .lock()
        .expect("answers")
        .pop_front()
        .unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status")).finish()
}

/// An admin's token on `t`'s app.
async fn admin(t: &Synced) -> String {
    t.app.create_account("boss", "admin", false).await;
    t.app.login("boss", GOOD_PASSWORD).await.token
}

pub(crate) async fn synced_fast(clock: plexward::clock::SharedClock) -> Synced {
    synced_with(Seed::default(), clock, |c| {
        c.delivery_retry_base_ms = 20;
        c.delivery_timeout_ms = 1_000;
    })
    .await
}

/// Waits until no delivery is pending; the deliveries then.
pub(crate) async fn settled(t: &Synced, token: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, list) = t
            .app
            .call(Method::GET, "/api/v1/notifications/deliveries", token, None)
            .await;
        let items = list["items"].as_array().cloned().unwrap_or_default();
        if !items.is_empty() && items.iter().all(|d| d["state"] != "pending") {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries still pending: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn hmac_hex(secret: &str, body: &str) -> String {
    plexward::notify::signature::header(secret, body.as_bytes())
}

#[tokio::test]
async fn channels_are_checked_and_their_secrets_shown_once() {
    let t = synced_fast(plexward::clock::system()).await;
    let token = admin(&t).await;
    let app = &t.app;
    let token = token.as_str();
    let call = |method: Method, path: String, body: Option<Value>| async move {
        app.call(method, &path, token, body).await
    };
    let bad = [
        (
            json!({"kind": "webhook", "name": "x", "config": {"url": "ftp://x"}, "events": ["access.started"]}),
            "config.url",
        ),
        (
            json!({"kind": "webhook", "name": "x", "config": {"url": "http://127.0.0.1/h"}, "events": ["access.maybe"]}),
            "events",
        ),
        (
            json!({"kind": "webhook", "name": "x", "config": {"url": "http://127.0.0.1/h"}, "events": []}),
            "events",
        ),
        (
            json!({"kind": "email", "name": "x", "config": {}, "events": ["access.started"]}),
            "config.host",
        ),
        (
            json!({"kind": "ntfy", "name": "x", "config": {"server": "http://127.0.0.1"}, "events": ["access.started"]}),
            "config.topic",
        ),
        (
            json!({"kind": "webhook", "name": "", "config": {"url": "http://127.0.0.1/h"}, "events": ["access.started"]}),
            "name",
        ),
    ];
    for (body, field) in bad {
        let (status, answer) = call(
            Method::POST,
            "/api/v1/notifications/channels".into(),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{field}: {answer}"
        );
    }
    let good = json!({"kind": "webhook", "name": "Scripts", "config": {"url": "http://127.0.0.1:9/h"}, "events": ["access.started"]});
    let (status, made) = call(
        Method::POST,
        "/api/v1/notifications/channels".into(),
        Some(good.clone()),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let secret = made["secret"].as_str().expect("shown once").to_owned();
    assert!(secret.starts_with("pwh_"));
    let id = made["channel"]["id"].as_i64().expect("id");
    let (status, dup) = call(
        Method::POST,
        "/api/v1/notifications/channels".into(),
        Some(good.clone()),
    )
    .await;
    assert_eq!(status, 409, "{dup}");
    let (_, read) = call(
        Method::GET,
        format!("/api/v1/notifications/channels/{id}"),
        None,
    )
    .await;
    assert_eq!(read["secret_set"], true);
    assert!(
        !read.to_string().contains(&secret),
        "never shown again: {read}"
    );
    let mut rotate = good.clone();
    rotate["rotate_secret"] = json!(true);
    let (_, rotated) = call(
        Method::PUT,
        format!("/api/v1/notifications/channels/{id}"),
        Some(rotate),
    )
    .await;
    let new = rotated["secret"].as_str().expect("a new secret");
    assert_ne!(new, secret);
    // Nothing listens on port 9: the test says exactly why.
    let (status, tested) = call(
        Method::POST,
        format!("/api/v1/notifications/channels/{id}/test"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(tested["ok"], false);
    assert!(
        tested["error"]
            .as_str()
            .is_some_and(|e| e.contains("connect")),
        "{tested}"
    );
    // A moderator may read channels, not change them.
    let (status, _) = t
        .call(Method::POST, "/api/v1/notifications/channels", Some(good))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn events_are_signed_and_keep_their_delivery_id_across_retries() {
    let t = synced_fast(plexward::clock::system()).await;
    let token = admin(&t).await;
    let receiver = Receiver::start().await;
    let (status, made) = t
        .app
        .call(
            Method::POST,
            "/api/v1/notifications/channels",
            &token,
            Some(
                json!({"kind": "webhook", "name": "Scripts", "config": {"url": receiver.url},
                        "events": ["access.granted", "access.started"]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let secret = made["secret"].as_str().expect("secret").to_owned();
    let id = made["channel"]["id"].as_i64().expect("id");
    let (_, tested) = t
        .app
        .call(
            Method::POST,
            &format!("/api/v1/notifications/channels/{id}/test"),
            &token,
            None,
        )
        .await;
    assert_eq!(tested["ok"], true, "{tested}");
    assert_eq!(receiver.hits()[0].event, "test");

    receiver.answer(&[500, 500, 500]);
    let alice = t.friend(ALICE).await;
    let tv = t.library(2).await;
    let movies = t.library(1).await;
    let (status, body) = t
        .set_grants(alice, json!([{"library_id": movies}, {"library_id": tv}]))
        .await;
    assert_eq!(status, 200, "{body}");
    let deliveries = settled(&t, &token).await;
    assert!(
        deliveries.iter().all(|d| d["state"] == "delivered"),
        "{deliveries:?}"
    );
    let hits: Vec<Hit> = receiver.hits().into_iter().skip(1).collect();
    let events: Vec<&str> = hits.iter().map(|h| h.event.as_str()).collect();
    assert!(
        events.contains(&"access.granted") && events.contains(&"access.started"),
        "{events:?}"
    );
    for hit in &hits {
        assert_eq!(
            hit.signature,
            hmac_hex(&secret, &hit.body),
            "signed with the secret"
        );
        let body: Value = serde_json::from_str(&hit.body).expect("JSON");
        assert_eq!(body["id"], hit.delivery.as_str());
        assert_eq!(body["event"], hit.event.as_str());
        assert_eq!(body["friend"]["title"], "alice");
    }
    // Three refusals, then each event taken: five requests, each event under one delivery id
    // with the same body every time.
    assert_eq!(hits.len(), 5, "{hits:?}");
    let mut ids: Vec<&str> = hits.iter().map(|h| h.delivery.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2, "two events, two delivery ids: {hits:?}");
    for id in &ids {
        let same: Vec<&Hit> = hits.iter().filter(|h| h.delivery == *id).collect();
        assert!(
            same.iter().all(|h| h.body == same[0].body),
            "the same body every time"
        );
    }
    let attempts: u64 = deliveries
        .iter()
        .filter_map(|d| d["attempts"].as_u64())
        .sum();
    assert_eq!(attempts, 5, "{deliveries:?}");
    let first = hits
        .iter()
        .find(|h| h.event == "access.granted")
        .expect("granted");
    let body: Value = serde_json::from_str(&first.body).expect("JSON");
    assert_eq!(body["libraries"], json!(["TV Shows"]), "{body}");
    assert_eq!(
        t.shared_sections(ALICE).map(|s| s.contains(&TV)),
        Some(true)
    );
    receiver.handle.stop(false).await;
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_is_dead_until_sent_again() {
    let t = synced_fast(plexward::clock::system()).await;
    let token = admin(&t).await;
    let receiver = Receiver::start().await;
    receiver.answer(&[503; 8]);
    let (_, made) = t
        .app
        .call(
            Method::POST,
            "/api/v1/notifications/channels",
            &token,
            Some(
                json!({"kind": "webhook", "name": "Flaky", "config": {"url": receiver.url},
                        "events": ["access.granted"]}),
            ),
        )
        .await;
    let channel = made["channel"]["id"].as_i64().expect("id");
    let alice = t.friend(ALICE).await;
    let (status, _) = t
        .set_grants(alice, json!([{"library_id": t.library(2).await}]))
        .await;
    assert_eq!(status, 200);
    let deliveries = settled(&t, &token).await;
    assert_eq!(deliveries.len(), 1);
    let dead = &deliveries[0];
    assert_eq!(dead["state"], "dead", "{dead}");
    assert_eq!(dead["attempts"], 8);
    assert_eq!(dead["last_status"], 503);
    let (_, only_dead) = t
        .app
        .call(
            Method::GET,
            &format!("/api/v1/notifications/deliveries?state=dead&channel_id={channel}"),
            &token,
            None,
        )
        .await;
    assert_eq!(only_dead["total"], 1);
    let (status, _) = t
        .app
        .call(
            Method::POST,
            &format!("/api/v1/notifications/deliveries/{}/resend", dead["id"]),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 202);
    let again = settled(&t, &token).await;
    assert_eq!(again[0]["state"], "delivered", "{again:?}");
    let ids: Vec<String> = receiver.hits().iter().map(|h| h.delivery.clone()).collect();
    assert_eq!(ids.len(), 9);
    assert!(ids.iter().all(|d| *d == ids[0]), "one delivery id: {ids:?}");
    receiver.handle.stop(false).await;
}

#[tokio::test]
async fn a_hanging_receiver_delays_neither_a_deadline_nor_another_channel() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_fast(clock.clone()).await;
    let token = admin(&t).await;
    let (stuck, fine) = (Receiver::start().await, Receiver::start().await);
    stuck.script.hang.store(true, Ordering::SeqCst);
    for (name, url) in [("Stuck", &stuck.url), ("Fine", &fine.url)] {
        let (status, made) = t
            .app
            .call(
                Method::POST,
                "/api/v1/notifications/channels",
                &token,
                Some(
                    json!({"kind": "webhook", "name": name, "config": {"url": url},
                            "events": ["access.granted", "access.ended"]}),
                ),
            )
            .await;
        assert_eq!(status, 201, "{made}");
    }
    let alice = t.friend(ALICE).await;
    let tv = t.library(2).await;
    let end = t0 + 60_000;
    let ends = plexward::db::time::from_ms(end).to_rfc3339();
    let (status, _) = t
        .set_grants(alice, json!([{"library_id": tv, "ends_at": ends}]))
        .await;
    assert_eq!(status, 200);
    // The other channel gets its event while the stuck one hangs.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !fine.hits().iter().any(|h| h.event == "access.granted") {
        assert!(
            Instant::now() < deadline,
            "the fine channel waited for the stuck one"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    clock.set(end);
    let took = until_shared(&t, ALICE, None).await;
    assert!(
        took < Duration::from_secs(1),
        "the edge waited for a receiver: {took:?}"
    );
    stuck.script.hang.store(false, Ordering::SeqCst);
    let deliveries = settled(&t, &token).await;
    assert!(
        deliveries.iter().all(|d| d["state"] == "delivered"),
        "{deliveries:?}"
    );
    assert!(fine.hits().iter().any(|h| h.event == "access.ended"));
    t.app.assert_no_jobs_left().await;
    stuck.handle.stop(false).await;
    fine.handle.stop(false).await;
}

#[tokio::test]
async fn a_reminder_comes_once_at_its_lead_and_not_for_a_window_extended_before_it() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_fast(clock.clone()).await;
    let token = admin(&t).await;
    let receiver = Receiver::start().await;
    let (status, settings) = t
        .app
        .call(
            Method::PUT,
            "/api/v1/notifications/settings",
            &token,
            Some(json!({"reminder_leads_minutes": [1]})),
        )
        .await;
    assert_eq!(status, 200, "{settings}");
    let (status, bad) = t
        .app
        .call(
            Method::PUT,
            "/api/v1/notifications/settings",
            &token,
            Some(json!({"reminder_leads_minutes": [0]})),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    let (status, _) = t
        .app
        .call(
            Method::POST,
            "/api/v1/notifications/channels",
            &token,
            Some(
                json!({"kind": "webhook", "name": "Reminders", "config": {"url": receiver.url},
                        "events": ["access.ending", "access.ended"]}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    let (alice, erin) = (t.friend(ALICE).await, t.friend(2_100_006).await);
    let tv = t.library(2).await;
    let at = |ms: i64| plexward::db::time::from_ms(ms).to_rfc3339();
    let end = t0 + 120_000;
    for friend in [alice, erin] {
        let (status, body) = t
            .set_grants(friend, json!([{"library_id": tv, "ends_at": at(end)}]))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let reminders = || {
        receiver
            .hits()
            .into_iter()
            .filter(|h| h.event == "access.ending")
            .collect::<Vec<_>>()
    };
    // Erin's window is extended before her lead: no reminder for the old end.
    clock.set(t0 + 30_000);
    let (status, _) = t
        .set_grants(
            erin,
            json!([{"library_id": tv, "ends_at": at(t0 + 600_000)}]),
        )
        .await;
    assert_eq!(status, 200);
    clock.set(end - 60_001);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert!(reminders().is_empty(), "too early: {:?}", reminders());
    clock.set(end - 60_000);
    let deadline = Instant::now() + Duration::from_secs(2);
    while reminders().is_empty() {
        assert!(
            Instant::now() < deadline,
            "no reminder within 2 s of its lead"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Later passes, and the window's end, add no second reminder.
    clock.set(end - 30_000);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    clock.set(end);
    until_shared(&t, ALICE, None).await;
    // (Saving the grants took alice's other libraries already: that was its own access.ended.)
    let tv_ended = || {
        receiver
            .hits()
            .into_iter()
            .filter(|h| h.event == "access.ended" && h.body.contains(r#""libraries":["TV Shows"]"#))
            .collect::<Vec<_>>()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while tv_ended().is_empty() {
        assert!(Instant::now() < deadline, "no access.ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = reminders();
    assert_eq!(got.len(), 1, "exactly one reminder: {got:?}");
    let body: Value = serde_json::from_str(&got[0].body).expect("JSON");
    assert_eq!(body["friend"]["title"], "alice", "{body}");
    assert_eq!(body["details"]["lead_minutes"], 1);
    assert_eq!(
        body["ends_at"],
        plexward_shared::time::format(&plexward::db::time::from_ms(end))
    );
    assert!(
        body["details"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("access to TV Shows ends on")),
        "{body}"
    );
    let ended = tv_ended();
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert!(ended[0].body.contains(r#""title":"alice""#), "{ended:?}");
    t.app.assert_no_jobs_left().await;
    receiver.handle.stop(false).await;
}

#[tokio::test]
async fn a_failed_sync_is_told() {
    let t = synced_fast(plexward::clock::system()).await;
    let token = admin(&t).await;
    let receiver = Receiver::start().await;
    let (status, _) = t
        .app
        .call(
            Method::POST,
            "/api/v1/notifications/channels",
            &token,
            Some(
                json!({"kind": "webhook", "name": "Ops", "config": {"url": receiver.url},
                        "events": ["sync.failed"]}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    // plex.tv refuses the token: the sync fails at once (a 401 is not retried).
    t.sim.add_fault(plex_sim::FaultSpec {
        method: Some("GET".into()),
        path: "/api/users".into(),
        count: 0,
        status: Some(401),
        ..plex_sim::FaultSpec::default()
    });
    let job = crate::helpers::wait_for(
        &t.app,
        &t.token,
        &crate::helpers::start_sync(&t.app, &t.token).await,
    )
    .await;
    assert_eq!(job["state"], "failed", "{job}");
    let deadline = Instant::now() + Duration::from_secs(5);
    let hit = loop {
        if let Some(hit) = receiver
            .hits()
            .into_iter()
            .find(|h| h.event == "sync.failed")
        {
            break hit;
        }
        assert!(Instant::now() < deadline, "no sync.failed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let body: Value = serde_json::from_str(&hit.body).expect("JSON");
    assert_eq!(body["details"]["job_id"], job["id"], "{body}");
    assert!(
        body["details"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("401")),
        "{body}"
    );
    t.sim.clear_faults();
    t.app.assert_no_jobs_left().await;
    receiver.handle.stop(false).await;
}

#[tokio::test]
async fn plex_going_away_and_back_drift_and_a_burst_of_failed_sign_ins_are_told_once_each() {
    let t = synced_fast(plexward::clock::system()).await;
    let token = admin(&t).await;
    let receiver = Receiver::start().await;
    let (status, _) = t
        .app
        .call(
            Method::POST,
            "/api/v1/notifications/channels",
            &token,
            Some(json!({"kind": "webhook", "name": "Ops", "config": {"url": receiver.url},
                "events": ["plex.unreachable", "plex.recovered", "signin.failures", "drift.detected"]})),
        )
        .await;
    assert_eq!(status, 201);
    let of = |event: &str| {
        receiver
            .hits()
            .into_iter()
            .filter(|h| h.event == event)
            .map(|h| serde_json::from_str::<Value>(&h.body).expect("JSON"))
            .collect::<Vec<_>>()
    };
    let (of, receiver) = (&of, &receiver);
    let until = |event: &'static str| async move {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = of(event);
            if !got.is_empty() {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "no {event}: {:?}",
                receiver.hits()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    };

    // The Plex Media Server stops answering (every request 503): told once, after three.
    t.sim.add_fault(plex_sim::FaultSpec {
        host: Some(plex_sim::Host::Pms),
        path: "/**".into(),
        count: 0,
        status: Some(503),
        ..plex_sim::FaultSpec::default()
    });
    let test = || {
        t.app
            .call(Method::POST, "/api/v1/settings/plex/test", &token, None)
    };
    for _ in 0..5 {
        let (status, answer) = test().await;
        assert_eq!(answer["ok"], false, "{status} {answer}");
    }
    let down = until("plex.unreachable").await;
    assert_eq!(down.len(), 1, "{down:?}");
    assert_eq!(down[0]["details"]["host"], "pms");
    assert!(
        down[0]["details"]["summary"].as_str().is_some_and(|s| s
            .starts_with("The Plex Media Server cannot be reached")
            && s.contains("503")),
        "{down:?}"
    );
    assert!(of("plex.recovered").is_empty());
    t.sim.clear_faults();
    let (_, answer) = test().await;
    assert_eq!(answer["ok"], true, "{answer}");
    let back = until("plex.recovered").await;
    assert_eq!(back.len(), 1);
    assert!(
        back[0]["details"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("answers again")),
        "{back:?}"
    );

    // Someone adds TV Shows to alice's share on plex.tv directly: the next sync tells it, and
    // the one after (Plex unchanged) does not again.
    t.sim.with_state(|s| {
        if let Some(share) = s.shares.iter_mut().find(|sh| sh.user_id == ALICE) {
            share.section_ids.insert(TV);
        }
    });
    for _ in 0..2 {
        let job = crate::helpers::wait_for(
            &t.app,
            &token,
            &crate::helpers::start_sync(&t.app, &token).await,
        )
        .await;
        assert_eq!(job["state"], "succeeded", "{job}");
    }
    let drift = until("drift.detected").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let drift_now = of("drift.detected");
    assert_eq!(drift_now.len(), 1, "{drift_now:?}");
    assert_eq!(drift[0]["friend"]["title"], "alice");
    assert!(
        drift[0]["details"]["summary"].as_str().is_some_and(|s| s
            .contains("changed on Plex, not by Plexward")
            && s.contains("TV Shows")),
        "{drift:?}"
    );

    // Twelve wrong passwords (the later ones throttled): one signin.failures.
    for _ in 0..12 {
        let response = t
            .app
            .login_response("boss", "not the password at all")
            .await;
        assert!(
            matches!(response.status().as_u16(), 401 | 429),
            "{}",
            response.status()
        );
    }
    let burst = until("signin.failures").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(of("signin.failures").len(), 1, "{burst:?}");
    assert_eq!(burst[0]["details"]["count"], 10);
    settled(&t, &token).await;
    t.app.assert_no_jobs_left().await;
    receiver.handle.stop(false).await;
}
