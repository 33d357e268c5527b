//! The deadline tick: windows start and end on time, on a clock the test moves and in real time.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use plex_sim::Seed;
use plexward::clock::ManualClock;
use serde_json::json;

use crate::access::{MOVIES, Synced, TV, ids, synced_on_clock};

/// Polls the simulator until `user`'s share is `want` (deadline 5 s); returns how long it took.
async fn until_shared(t: &Synced, user: u64, want: Option<BTreeSet<u64>>) -> Duration {
    let started = Instant::now();
    loop {
        let now = t.shared_sections(user);
        if now == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "user {user} has {now:?}, want {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn rfc3339(ms: i64) -> String {
    plexward::db::time::from_ms(ms).to_rfc3339()
}

#[tokio::test]
async fn a_window_start_and_end_are_applied_when_the_clock_crosses_them() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    let alice = t.friend(2_100_001).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let (status, body) = t
        .set_grants(
            alice,
            json!([
                { "library_id": movies },
                { "library_id": tv, "starts_at": rfc3339(t0 + 3_600_000), "ends_at": rfc3339(t0 + 7_200_000) },
            ]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES])));
    assert_eq!(body["friend"]["next_change"]["starts"], true);

    // Just before the start nothing happens; at the start TV is added.
    t.sim.clear_requests();
    clock.set(t0 + 3_600_000 - 1);
    tokio::time::sleep(plexward::jobs::deadline::TICK * 3).await;
    assert!(
        t.writes().is_empty(),
        "nothing before the start: {:?}",
        t.writes()
    );
    clock.set(t0 + 3_600_000);
    until_shared(&t, 2_100_001, Some(ids(&[MOVIES, TV]))).await;

    // At the end (exclusive) TV goes again; one plex.tv write per crossing.
    clock.set(t0 + 7_200_000);
    until_shared(&t, 2_100_001, Some(ids(&[MOVIES]))).await;
    assert_eq!(t.writes().len(), 2, "{:?}", t.writes());
}

#[tokio::test]
async fn a_jump_over_a_whole_window_leaves_plex_as_after_it() {
    // A suspend or a clock jump that skips both edges at once: the tick sees both and the plan
    // at the new present is "no TV" — nothing is granted after the fact.
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    let alice = t.friend(2_100_001).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let (status, _) = t
        .set_grants(
            alice,
            json!([
                { "library_id": movies },
                { "library_id": tv, "starts_at": rfc3339(t0 + 60_000), "ends_at": rfc3339(t0 + 120_000) },
            ]),
        )
        .await;
    assert_eq!(status, 200);
    t.sim.clear_requests();
    clock.set(t0 + 86_400_000);
    tokio::time::sleep(plexward::jobs::deadline::TICK * 4).await;
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES])));
    assert!(
        t.writes().is_empty(),
        "no grant after the fact: {:?}",
        t.writes()
    );
}

#[tokio::test]
async fn a_grant_ending_in_three_seconds_is_gone_from_plex_within_two_seconds_of_its_end() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(2_100_001).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let end = chrono::Utc::now() + chrono::TimeDelta::seconds(3);
    let (status, body) = t
        .set_grants(
            alice,
            json!([{ "library_id": movies }, { "library_id": tv, "ends_at": end.to_rfc3339() }]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES, TV])));
    until_shared(&t, 2_100_001, Some(ids(&[MOVIES]))).await;
    let late = chrono::Utc::now() - end;
    assert!(
        late < chrono::TimeDelta::seconds(2),
        "Plex changed {} ms after the end",
        late.num_milliseconds()
    );
    assert!(late >= chrono::TimeDelta::zero(), "not before the end");
}
