//! The friend read model through the API: every way a friend's inputs change (a grant change, a
//! sync, a clock edge, an apply, a write that bypasses the app) shows in the list and the detail
//! at once; paging; `ETag`/304; and `GET /api/v1/summary`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use plex_sim::{FaultSpec, Seed};
use plexward::clock::ManualClock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{MOVIES, Synced, TV, ids, synced_on_clock};
use crate::helpers::{GOOD_PASSWORD, start_sync, wait_for};

const ALICE: u64 = 2_100_001;
const BOB: u64 = 2_100_002;
const ERIN: u64 = 2_100_006;
const FRANK: u64 = 2_100_007;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("in range")
        .to_rfc3339()
}

fn ms(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .expect("RFC 3339")
        .timestamp_millis()
}

impl Synced {
    /// The friend `id` as the list shows them and as their detail does, read one right after
    /// the other.
    async fn list_and_detail(&self, id: i64) -> (Value, Value) {
        let (status, list) = self.call(Method::GET, "/api/v1/plex-users", None).await;
        assert_eq!(status, 200, "{list}");
        let item = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|f| f["id"] == id)
            .cloned()
            .expect("listed");
        let (status, detail) = self
            .call(Method::GET, &format!("/api/v1/plex-users/{id}"), None)
            .await;
        assert_eq!(status, 200, "{detail}");
        (item, detail)
    }

    /// Polls the simulator until `user`'s share is `want` (deadline 10 s).
    async fn until_shared(&self, user: u64, want: BTreeSet<u64>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.shared_sections(user).as_ref() != Some(&want) {
            assert!(
                Instant::now() < deadline,
                "user {user} has {:?}, want {want:?}",
                self.shared_sections(user)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn get_raw(&self, path: &str, if_none_match: Option<&str>) -> reqwest::Response {
        let mut request = self.app.bearer(Method::GET, path, &self.token);
        if let Some(tag) = if_none_match {
            request = request.header("if-none-match", tag);
        }
        request.send().await.expect("sent")
    }
}

fn etag(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_owned()
}

fn granted(v: &Value) -> Value {
    v["granted_library_ids"].clone()
}

#[tokio::test]
async fn every_input_change_shows_in_the_list_and_the_detail_at_once() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    let alice = t.friend(ALICE).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);

    // A grant change through the API.
    let (status, body) = t
        .set_grants(
            alice,
            json!([
                { "library_id": movies },
                { "library_id": tv, "ends_at": rfc3339(t0 + HOUR) },
            ]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (item, detail) = t.list_and_detail(alice).await;
    for v in [&item, &detail] {
        assert_eq!(granted(v), json!([movies, tv]), "{v}");
        assert_eq!(ms(&v["expires_at"]), t0 + HOUR);
        assert_eq!(v["next_change"]["library_id"], tv);
        assert_eq!(v["next_change"]["starts"], false);
    }
    assert_eq!(detail["grants"].as_array().map(Vec::len), Some(2));
    assert_eq!(ms(&detail["next_change_at"]), t0 + HOUR);
    t.until_shared(ALICE, ids(&[MOVIES, TV])).await;

    // A clock edge: TV's window ends. The views move with the clock before anyone applies.
    clock.set(t0 + HOUR);
    let (item, detail) = t.list_and_detail(alice).await;
    for v in [&item, &detail] {
        assert_eq!(granted(v), json!([movies]), "{v}");
        assert!(v["next_change"].is_null(), "{v}");
        assert!(v["expires_at"].is_null(), "{v}");
    }
    let tv_grant = detail["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .find(|g| g["library_id"] == tv)
        .cloned()
        .expect("TV's grant is kept");
    assert_eq!(tv_grant["active"], false);
    // The deadline worker removes TV on Plex and records it; then the views show what Plex has.
    t.until_shared(ALICE, ids(&[MOVIES])).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (item, detail) = t.list_and_detail(alice).await;
        if item["actual_library_ids"] == json!([movies]) {
            for v in [&item, &detail] {
                assert_eq!(v["actual_library_ids"], json!([movies]), "{v}");
                assert_eq!(v["apply"]["state"], "applied", "{v}");
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the apply was never recorded: {item}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A sync: someone adds TV on plex.tv directly; the next sync shows it as drift.
    t.sim.with_state(|s| {
        if let Some(share) = s.shares.iter_mut().find(|sh| sh.user_id == ALICE) {
            share.section_ids.insert(TV);
        }
    });
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let (item, detail) = t.list_and_detail(alice).await;
    for v in [&item, &detail] {
        assert_eq!(v["drift"], true, "{v}");
        assert_eq!(v["actual_library_ids"], json!([movies, tv]), "{v}");
    }
    assert_eq!(detail["plan"]["action"], "update");
    assert_eq!(detail["plan"]["removed_library_ids"], json!([tv]));

    // An apply (the reconcile corrects the drift): Plex, and so both views, lose TV again.
    let (status, started) = t.call(Method::POST, "/api/v1/scheduler/run", None).await;
    assert_eq!(status, 202, "{started}");
    let job = wait_for(&t.app, &t.token, started["job_id"].as_str().expect("id")).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(t.shared_sections(ALICE), Some(ids(&[MOVIES])));
    let (item, detail) = t.list_and_detail(alice).await;
    for v in [&item, &detail] {
        assert_eq!(v["drift"], false, "{v}");
        assert_eq!(v["actual_library_ids"], json!([movies]), "{v}");
        assert_eq!(v["apply"]["state"], "applied", "{v}");
    }
    assert_eq!(detail["plan"]["action"], "nothing");

    // A write no handler made (the triggers see every path): the grants change in SQL.
    plexward::db::run(&t.app.db, move |conn| {
        plexward::db::plex_users::replace_grants(conn, alice, &[(tv, None, None, None)], t0)
    })
    .await
    .expect("written");
    let (item, detail) = t.list_and_detail(alice).await;
    for v in [&item, &detail] {
        assert_eq!(granted(v), json!([tv]), "{v}");
        assert_eq!(v["apply"]["state"], "queued", "Plex no longer matches: {v}");
    }
    assert_eq!(detail["plan"]["action"], "update");
}

#[tokio::test]
async fn the_list_pages_with_limit_and_offset_and_counts_every_match() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let (_, all) = t.call(Method::GET, "/api/v1/plex-users", None).await;
    let every: Vec<Value> = all["items"].as_array().expect("items").clone();
    assert_eq!(all["total"], every.len() as u64);
    assert!(every.len() >= 6, "the default seed has 8 friends");
    let ids_of = |v: &Value| -> Vec<Value> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|f| f["id"].clone())
            .collect()
    };
    let every_id: Vec<Value> = every.iter().map(|f| f["id"].clone()).collect();

    let (status, page) = t
        .call(Method::GET, "/api/v1/plex-users?limit=3&offset=2", None)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(ids_of(&page), every_id[2..5]);
    assert_eq!(
        page["total"],
        every.len() as u64,
        "total counts every match"
    );
    let last = every.len() - 1;
    let (_, tail) = t
        .call(
            Method::GET,
            &format!("/api/v1/plex-users?limit=3&offset={last}"),
            None,
        )
        .await;
    assert_eq!(ids_of(&tail), every_id[last..]);
    let (_, past) = t
        .call(Method::GET, "/api/v1/plex-users?offset=1000", None)
        .await;
    assert_eq!(ids_of(&past), Vec::<Value>::new());
    assert_eq!(past["total"], every.len() as u64);
    // Paging applies after the filters and the sort.
    let (_, matching) = t.call(Method::GET, "/api/v1/plex-users?q=E", None).await;
    let (_, first) = t
        .call(Method::GET, "/api/v1/plex-users?q=E&limit=1", None)
        .await;
    assert_eq!(first["total"], matching["total"]);
    assert_eq!(ids_of(&first), ids_of(&matching)[..1]);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
    ] {
        let (status, body) = t
            .call(Method::GET, &format!("/api/v1/plex-users?{query}"), None)
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query", "{body}");
        assert!(body["error"]["fields"][field].is_string(), "{body}");
    }
    let (status, body) = t
        .call(Method::GET, "/api/v1/plex-users?sort=sideways", None)
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_query");
}

#[tokio::test]
async fn lists_details_and_the_summary_answer_304_while_unchanged() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(ALICE).await;
    let movies = t.library(1).await;
    let paths = [
        "/api/v1/plex-users".to_owned(),
        "/api/v1/plex-users?limit=2".to_owned(),
        format!("/api/v1/plex-users/{alice}"),
        "/api/v1/summary".to_owned(),
    ];
    let mut tags = Vec::new();
    for path in &paths {
        let first = t.get_raw(path, None).await;
        assert_eq!(first.status(), 200, "{path}");
        let tag = etag(&first);
        assert!(tag.starts_with("W/\""), "{path}: {tag}");
        let again = t.get_raw(path, Some(&tag)).await;
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(etag(&again), tag);
        assert!(again.bytes().await.expect("body").is_empty());
        let other = t.get_raw(path, Some("W/\"0123456789abcdef\"")).await;
        assert_eq!(other.status(), 200, "{path}: another tag gets the body");
        tags.push(tag);
    }
    assert_ne!(tags[0], tags[1], "a page is not the whole list");

    let (status, _) = t
        .set_grants(alice, json!([{ "library_id": movies, "ends_at": rfc3339(chrono::Utc::now().timestamp_millis() + DAY) }]))
        .await;
    assert_eq!(status, 200);
    for (path, old) in paths.iter().zip(&tags) {
        let after = t.get_raw(path, Some(old)).await;
        assert_eq!(after.status(), 200, "{path} changed with alice's grants");
        assert_ne!(&etag(&after), old, "{path}");
    }
}

#[tokio::test]
async fn the_summary_has_what_the_dashboard_shows() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    let (alice, bob, erin, frank) = (
        t.friend(ALICE).await,
        t.friend(BOB).await,
        t.friend(ERIN).await,
        t.friend(FRANK).await,
    );
    let movies = t.library(1).await;
    for (friend, grant) in [
        (
            alice,
            json!({ "library_id": movies, "ends_at": rfc3339(t0 + 2 * DAY) }),
        ),
        (
            erin,
            json!({ "library_id": movies, "ends_at": rfc3339(t0 + 20 * DAY) }),
        ),
        (
            frank,
            json!({ "library_id": movies, "starts_at": rfc3339(t0 + 40 * DAY) }),
        ),
    ] {
        let (status, body) = t.set_grants(friend, json!([grant])).await;
        assert_eq!(status, 200, "{body}");
    }
    // Bob's apply fails: he needs attention.
    t.sim.add_fault(FaultSpec {
        method: Some("PUT".into()),
        path: "/api/servers/*/shared_servers/*".into(),
        count: 0,
        status: Some(400),
        ..FaultSpec::default()
    });
    let (_, body) = t.set_grants(bob, json!([{ "library_id": movies }])).await;
    assert_eq!(body["apply"]["state"], "failed", "{body}");
    t.sim.clear_faults();

    let (status, s) = t.call(Method::GET, "/api/v1/summary", None).await;
    assert_eq!(status, 200, "{s}");
    let (_, list) = t.call(Method::GET, "/api/v1/plex-users", None).await;
    let present: Vec<&Value> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|f| f["departed"] == false)
        .collect();
    assert_eq!(s["friends"], present.len() as u64);
    let grants: usize = present
        .iter()
        .map(|f| f["granted_library_ids"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(s["active_grants"], grants as u64);
    assert_eq!(s["libraries"], 5);
    assert!(s["time_zone"].is_string());
    assert_eq!(s["expiring_days"], 7);
    assert_eq!(s["counts"]["expiring"], 1, "{s}");
    assert_eq!(s["expiring"][0]["id"], alice);
    assert_eq!(s["counts"]["failed"], 1);
    assert_eq!(s["counts"]["scheduled"], 1);
    let attention: Vec<&Value> = s["attention"]
        .as_array()
        .expect("attention")
        .iter()
        .collect();
    assert!(
        attention
            .iter()
            .any(|f| f["id"] == bob && f["apply"]["state"] == "failed"),
        "{s}"
    );
    assert_eq!(s["attention_total"], attention.len() as u64);
    // The next 30 days: alice's and erin's ends, not frank's start.
    assert_eq!(s["upcoming"]["days"], 30);
    let rows = |s: &Value| -> Vec<(i64, Vec<(String, bool)>)> {
        s["upcoming"]["friends"]
            .as_array()
            .expect("friends")
            .iter()
            .map(|f| {
                let edges = f["edges"]
                    .as_array()
                    .expect("edges")
                    .iter()
                    .map(|e| {
                        (
                            e["library"].as_str().unwrap_or_default().to_owned(),
                            e["starts"] == true,
                        )
                    })
                    .collect();
                (f["id"].as_i64().expect("id"), edges)
            })
            .collect()
    };
    assert_eq!(
        rows(&s),
        [
            (alice, vec![("Movies".to_owned(), false)]),
            (erin, vec![("Movies".to_owned(), false)])
        ],
        "{s}"
    );
    assert_eq!(s["upcoming"]["total"], 2);
    assert_eq!(s["upcoming"]["friends"][0]["name"], "alice");

    // Wider ranges.
    let (_, wide) = t
        .call(
            Method::GET,
            "/api/v1/summary?upcoming_days=90&expiring_days=30",
            None,
        )
        .await;
    assert_eq!(wide["upcoming"]["friends"][2]["id"], frank);
    assert_eq!(wide["upcoming"]["friends"][2]["edges"][0]["starts"], true);
    assert_eq!(wide["counts"]["expiring"], 2);
    assert_eq!(wide["expiring_days"], 30);

    // The clock passes alice's end: she is no longer expiring, and her edge is past.
    clock.set(t0 + 2 * DAY);
    let (_, later) = t.call(Method::GET, "/api/v1/summary", None).await;
    assert_eq!(later["counts"]["expiring"], 0, "{later}");
    assert_eq!(later["upcoming"]["friends"][0]["id"], erin);

    // Any role may read it; bad ranges are field errors.
    t.app.create_account("audrey", "auditor", false).await;
    let auditor = t.app.login("audrey", GOOD_PASSWORD).await.token;
    let (status, _) = t
        .app
        .call(Method::GET, "/api/v1/summary", &auditor, None)
        .await;
    assert_eq!(status, 200);
    for (query, field) in [
        ("upcoming_days=0", "upcoming_days"),
        ("upcoming_days=366", "upcoming_days"),
        ("expiring_days=soon", "expiring_days"),
    ] {
        let (status, body) = t
            .call(Method::GET, &format!("/api/v1/summary?{query}"), None)
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["error"]["fields"][field].is_string(), "{body}");
    }
}
