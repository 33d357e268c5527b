//! Weekly windows end to end: a weekend-evening grant in Europe/Berlin gains and loses its
//! library at the right local times over a simulated fortnight (a clock the test moves), one
//! plex.tv write per edge, nothing in between; the detail shows the rule and its next
//! occurrences; bad rules are refused field by field.

use chrono::TimeZone;
use plex_sim::Seed;
use plexward::clock::ManualClock;
use reqwest::Method;
use serde_json::json;

use crate::access::{MOVIES, TV, ids, synced_on_clock};
use crate::scheduler::until_shared;

const ALICE: u64 = 2_100_001;

fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    chrono_tz::Europe::Berlin
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("a local time")
        .timestamp_millis()
}

#[tokio::test]
async fn a_weekend_evening_grant_follows_local_time_for_a_fortnight() {
    // Monday 7 December 2026, 09:00 in Berlin.
    let t0 = berlin(2026, 12, 7, 9, 0);
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    t.set_time_zone("Europe/Berlin").await;
    let alice = t.friend(ALICE).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let (status, body) = t
        .set_grants(
            alice,
            json!([
                { "library_id": movies },
                { "library_id": tv, "repeat": {"days": ["fri", "sat"], "from": "18:00", "to": "23:30"} },
            ]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        t.shared_sections(ALICE),
        Some(ids(&[MOVIES])),
        "off on a Monday"
    );

    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    let weekly = detail["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .find(|g| g["library_id"] == tv)
        .expect("the TV grant")
        .clone();
    assert_eq!(
        weekly["repeat"],
        json!({"days": ["fri", "sat"], "from": "18:00", "to": "23:30"})
    );
    assert_eq!(weekly["active"], false);
    assert_eq!(
        weekly["next_occurrences"][0]["starts_at"],
        "2026-12-11T17:00:00.000Z"
    );
    assert_eq!(
        weekly["next_occurrences"][0]["ends_at"],
        "2026-12-11T22:30:00.000Z"
    );
    assert_eq!(
        detail["next_change_at"], "2026-12-11T17:00:00.000Z",
        "the next change is Friday 18:00 in Berlin"
    );

    t.sim.clear_requests();
    let edges = [
        (berlin(2026, 12, 11, 18, 0), &[MOVIES, TV][..]),
        (berlin(2026, 12, 11, 23, 30), &[MOVIES][..]),
        (berlin(2026, 12, 12, 18, 0), &[MOVIES, TV][..]),
        (berlin(2026, 12, 12, 23, 30), &[MOVIES][..]),
        (berlin(2026, 12, 18, 18, 0), &[MOVIES, TV][..]),
        (berlin(2026, 12, 18, 23, 30), &[MOVIES][..]),
        (berlin(2026, 12, 19, 18, 0), &[MOVIES, TV][..]),
        (berlin(2026, 12, 19, 23, 30), &[MOVIES][..]),
    ];
    for (n, (edge, want)) in edges.iter().enumerate() {
        // A millisecond before: nothing has happened yet.
        clock.set(edge - 1);
        t.app.deadlines_handled(edge - 1).await;
        assert_eq!(
            t.writes().len(),
            n,
            "edge {n}: early writes {:?}",
            t.writes()
        );
        clock.set(*edge);
        until_shared(&t, ALICE, Some(ids(want))).await;
    }
    // Sunday and the week after: nothing more.
    let later = berlin(2026, 12, 21, 12, 0);
    clock.set(later);
    t.app.deadlines_handled(later).await;
    assert_eq!(
        t.writes().len(),
        edges.len(),
        "one write per edge: {:?}",
        t.writes()
    );
}

#[tokio::test]
async fn bad_weekly_rules_are_refused_field_by_field() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(ALICE).await;
    let tv = t.library(2).await;
    let before = t.shared_sections(ALICE);
    let (status, body) = t
        .set_grants(
            alice,
            json!([{ "library_id": tv, "repeat": {"days": ["fri", "caturday"], "from": "25:00", "to": "23:30"} }]),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields = &body["error"]["fields"];
    assert!(
        fields["grants[0].repeat.days"]
            .as_str()
            .is_some_and(|w| w.contains("caturday")),
        "{body}"
    );
    assert!(fields["grants[0].repeat.from"].is_string(), "{body}");

    let (status, body) = t
        .set_grants(
            alice,
            json!([{ "library_id": tv, "starts_at": "2027-01-01", "repeat": {"days": ["fri"], "from": "18:00", "to": "18:00"} }]),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields = &body["error"]["fields"];
    assert!(fields["grants[0].repeat"].is_string(), "{body}");
    assert!(fields["grants[0].repeat.to"].is_string(), "{body}");
    assert_eq!(t.shared_sections(ALICE), before, "nothing saved or sent");
    assert!(t.writes().is_empty(), "{:?}", t.writes());
}
