//! One time format out (RFC 3339 UTC, milliseconds, `Z`), dates alone accepted in (midnight in
//! the server's time zone), and one paging scheme (`limit`, `offset`, `total`) on a friend's
//! history like every other list.

use plex_sim::Seed;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, synced_with};

async fn synced() -> Synced {
    synced_with(Seed::default(), plexward::clock::system(), |_| {}).await
}

impl Synced {
    pub(crate) async fn set_time_zone(&self, zone: &'static str) {
        plexward::db::run(&self.app.db, move |conn| {
            let mut prefs = plexward::settings::plex::load(conn)?;
            prefs.time_zone = Some(zone.to_owned());
            plexward::settings::plex::save(conn, &prefs)
        })
        .await
        .expect("time zone saved");
    }
}

/// Every string in `value` that starts like a date-time.
fn times(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s)
            if s.len() >= 19 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T' =>
        {
            out.push(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| times(v, out)),
        Value::Object(map) => map.values().for_each(|v| times(v, out)),
        _ => {}
    }
}

fn is_plexward_time(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24
        && b[19] == b'.'
        && b[23] == b'Z'
        && b[20..23].iter().all(u8::is_ascii_digit)
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

#[tokio::test]
async fn a_date_alone_is_midnight_in_the_servers_time_zone() {
    let t = synced().await;
    t.set_time_zone("Europe/Berlin").await;
    let alice = t.friend(2_100_001).await;
    let movies = t.library(1).await;
    let (status, body) = t
        .set_grants(
            alice,
            json!([{ "library_id": movies, "starts_at": "2027-01-01", "ends_at": "2027-07-31" }]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let grant = &body["friend"]["grants"][0];
    assert_eq!(
        grant["starts_at"], "2026-12-31T23:00:00.000Z",
        "CET, +01:00"
    );
    assert_eq!(grant["ends_at"], "2027-07-30T22:00:00.000Z", "CEST, +02:00");

    // The audit filter reads dates the same way.
    let admin = t.app.token_for("dates-admin", "admin").await;
    let (status, page) = t
        .app
        .call(
            Method::GET,
            "/api/v1/audit?from=2000-01-01&action=grants.set",
            &admin,
            None,
        )
        .await;
    assert_eq!((status, &page["total"]), (200, &json!(1)), "{page}");
    let (status, body) = t
        .set_grants(
            alice,
            json!([{ "library_id": movies, "ends_at": "31/01/2027" }]),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["grants[0].ends_at"]
            .as_str()
            .is_some_and(|why| why.contains("a date")),
        "{body}"
    );
}

#[tokio::test]
async fn every_time_in_answers_and_the_csv_has_milliseconds_and_z() {
    let t = synced().await;
    let alice = t.friend(2_100_001).await;
    let movies = t.library(1).await;
    let end = chrono::Utc::now() + chrono::TimeDelta::days(3);
    // Sent with an offset and nanoseconds: answered in the one format.
    let sent = end
        .with_timezone(&chrono::FixedOffset::east_opt(3600).expect("offset"))
        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, false);
    let (status, _) = t
        .set_grants(alice, json!([{ "library_id": movies, "ends_at": sent }]))
        .await;
    assert_eq!(status, 200);
    let admin = t.app.token_for("format-admin", "admin").await;
    t.app
        .call(
            Method::POST,
            "/api/v1/me/tokens",
            &admin,
            Some(json!({ "name": "expiring", "expires_at": "2030-01-01T12:00:00+02:00" })),
        )
        .await;

    let mut found = Vec::new();
    for path in [
        format!("/api/v1/plex-users/{alice}"),
        "/api/v1/plex-users".to_owned(),
        "/api/v1/audit".to_owned(),
        format!("/api/v1/plex-users/{alice}/history"),
        "/api/v1/me/tokens".to_owned(),
        "/api/v1/scheduler".to_owned(),
        "/api/v1/summary".to_owned(),
        "/api/v1/accounts".to_owned(),
    ] {
        let (status, body) = t.app.call(Method::GET, &path, &admin, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        times(&body, &mut found);
    }
    assert!(found.len() > 10, "{found:?}");
    let odd: Vec<_> = found.iter().filter(|s| !is_plexward_time(s)).collect();
    assert!(odd.is_empty(), "not RFC 3339 UTC with ms and Z: {odd:?}");

    let csv = t
        .app
        .bearer(Method::GET, "/api/v1/audit/export", &admin)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("csv");
    for row in csv.lines().skip(1) {
        let at = row.split(',').nth(1).expect("at column");
        assert!(is_plexward_time(at), "CSV `at` {at}");
    }
}

#[tokio::test]
async fn a_friends_history_pages_like_every_list() {
    let t = synced().await;
    let alice = t.friend(2_100_001).await;
    let movies = t.library(1).await;
    for days in 1..=4 {
        let end = (chrono::Utc::now() + chrono::TimeDelta::days(days)).to_rfc3339();
        let (status, _) = t
            .set_grants(alice, json!([{ "library_id": movies, "ends_at": end }]))
            .await;
        assert_eq!(status, 200);
    }
    let path = format!("/api/v1/plex-users/{alice}/history");
    let (_, all) = t.call(Method::GET, &path, None).await;
    let total = all["total"].as_u64().expect("total");
    assert!(total >= 4, "{all}");
    assert_eq!(all["items"].as_array().expect("items").len() as u64, total);

    let (_, first) = t.call(Method::GET, &format!("{path}?limit=2"), None).await;
    let (_, second) = t
        .call(Method::GET, &format!("{path}?limit=2&offset=2"), None)
        .await;
    assert_eq!(
        (&first["total"], &second["total"]),
        (&json!(total), &json!(total))
    );
    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["id"].as_i64().expect("id"))
            .collect()
    };
    let all_ids = ids(&all);
    assert_eq!(ids(&first), all_ids[..2], "newest first");
    assert_eq!(ids(&second), all_ids[2..4]);

    for bad in ["limit=0", "limit=501", "offset=-1"] {
        let (status, body) = t.call(Method::GET, &format!("{path}?{bad}"), None).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query");
    }
}

#[tokio::test]
async fn the_short_lists_page_the_same_way() {
    let t = synced().await;
    let admin = t.app.token_for("paging-admin", "admin").await;
    let (_, all) = t
        .app
        .call(Method::GET, "/api/v1/libraries", &admin, None)
        .await;
    let (status, page) = t
        .app
        .call(
            Method::GET,
            "/api/v1/libraries?limit=2&offset=1",
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], all["total"]);
    assert_eq!(
        page["items"].as_array().expect("items")[..],
        all["items"].as_array().expect("items")[1..3]
    );
    for path in [
        "/api/v1/accounts",
        "/api/v1/tokens",
        "/api/v1/me/tokens",
        "/api/v1/audit/actions",
    ] {
        let (status, body) = t
            .app
            .call(Method::GET, &format!("{path}?limit=1"), &admin, None)
            .await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            body["items"].as_array().expect("items").len() <= 1,
            "{path}"
        );
        assert!(body["total"].is_u64(), "{path}");
        let (status, body) = t
            .app
            .call(
                Method::GET,
                &format!("{path}?limit=0&offset=x"),
                &admin,
                None,
            )
            .await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["error"]["fields"]["limit"].is_string()
                && body["error"]["fields"]["offset"].is_string()
        );
    }
}
