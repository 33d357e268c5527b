//! The one job path: every way of applying shares the process' one plex.tv limiter, and a
//! restart in the middle of a bulk apply loses no friend and applies none twice.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use plex_sim::Seed;
use plex_sim::ids::{MOVIES, TV};
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, ids, in_minutes, synced_with};
use crate::helpers::wait_for;

/// The most plex.tv requests the simulator was handling at one moment, from its log.
fn most_plextv_at_once(t: &Synced) -> usize {
    let spans: Vec<(i64, i64)> = t
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.host == plex_sim::Host::Plextv)
        .map(|r| (r.at_ms, r.answered_ms))
        .collect();
    spans
        .iter()
        .map(|&(from, to)| spans.iter().filter(|&&(a, b)| a < to && from < b).count())
        .max()
        .unwrap_or(0)
}

async fn friend_ids(t: &Synced) -> Vec<i64> {
    let (_, list) = t
        .call(Method::GET, "/api/v1/plex-users?limit=500", None)
        .await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect()
}

/// A bulk apply, single saves and a sync at once: never more plex.tv requests in flight than
/// the configured concurrency (here 1), as the simulator saw them.
#[tokio::test]
async fn every_path_shares_one_plextv_limiter() {
    let t = synced_with(
        Seed::default().with_generated_friends(20),
        plexward::clock::system(),
        |c| c.plextv_concurrency = 1,
    )
    .await;
    let friends = friend_ids(&t).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    // Long enough that requests of different paths would overlap without the shared limiter.
    t.sim.set_latency(Duration::from_millis(40));
    t.sim.clear_requests();

    let (bulk, singles, sync) = tokio::join!(
        t.call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({
                "friend_ids": friends[3..],
                "action": { "kind": "set_libraries", "library_ids": [movies, tv],
                            "ends_at": in_minutes(60) },
            })),
        ),
        async {
            let mut answers = Vec::new();
            for friend in &friends[..3] {
                answers.push(t.set_grants(*friend, json!([{ "library_id": tv }])).await);
            }
            answers
        },
        t.call(Method::POST, "/api/v1/sync", None),
    );
    assert_eq!(bulk.0, 202, "{}", bulk.1);
    for (status, body) in &singles {
        assert_eq!(*status, 200, "{body}");
    }
    assert_eq!(sync.0, 202, "{}", sync.1);
    for job in [&bulk.1["job_id"], &sync.1["job_id"]] {
        let job = wait_for(&t.app, &t.token, job.as_str().expect("job id")).await;
        assert_eq!(job["state"], "succeeded", "{job}");
    }
    for (_, body) in &singles {
        if let Some(job) = body["job_id"].as_str() {
            wait_for(&t.app, &t.token, job).await;
        }
    }

    let plextv = t
        .sim
        .requests()
        .iter()
        .filter(|r| r.host == plex_sim::Host::Plextv)
        .count();
    assert!(plextv >= friends.len(), "{plextv} plex.tv requests");
    assert_eq!(most_plextv_at_once(&t), 1, "one plex.tv request at a time");
}

/// Stopping in the middle of a bulk apply hands the friends left to the durable queue; after
/// the restart every friend ends applied, each with exactly one plex.tv write.
#[tokio::test]
async fn a_restart_during_a_bulk_apply_applies_every_friend_once() {
    let t = synced_with(
        Seed::default().with_generated_friends(40),
        plexward::clock::system(),
        |_| {},
    )
    .await;
    let friends = friend_ids(&t).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    t.sim.set_latency(Duration::from_millis(30));
    t.sim.clear_requests();

    let (status, started) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({
                "friend_ids": friends,
                "action": { "kind": "set_libraries", "library_ids": [movies, tv],
                            "ends_at": in_minutes(60) },
            })),
        )
        .await;
    assert_eq!(status, 202, "{started}");
    let job_id = started["job_id"].as_str().expect("job id").to_owned();

    // Stop once a few friends are applied, while most are still to do.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, job) = t
            .call(Method::GET, &format!("/api/v1/jobs/{job_id}"), None)
            .await;
        if job["progress"]["done"].as_u64().unwrap_or(0) >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the job did not get going: {job}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let Synced { sim, app, token } = t;
    let app = app.restart(plexward::clock::system()).await;
    let t = Synced { sim, app, token };

    let job = wait_for(&t.app, &t.token, &job_id).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let deferred = job["result"]["deferred"].as_u64().unwrap_or(0);
    assert!(
        deferred > 0,
        "the stop came mid-job, so some friends were left for the queue: {job}"
    );
    t.app.assert_no_jobs_left().await;

    let state = t.sim.state();
    for user in &state.friends {
        let shares: Vec<_> = state.shares.iter().filter(|s| s.user_id == *user).collect();
        assert_eq!(shares.len(), 1, "one share for {user}");
        assert_eq!(shares[0].section_ids, ids(&[MOVIES, TV]), "user {user}");
    }
    // One write per friend: none lost, none applied twice (by the job and again by the queue
    // or the startup reconcile).
    let mut writes: BTreeMap<String, usize> = BTreeMap::new();
    for r in t.sim.requests() {
        if r.host == plex_sim::Host::Plextv && r.method != "GET" && !r.injected {
            // Updates are per share (the path); creates share one path, told apart by the body.
            let key = if r.method == "POST" {
                format!("POST {} {}", r.path, r.body)
            } else {
                format!("{} {}", r.method, r.path)
            };
            *writes.entry(key).or_default() += 1;
        }
    }
    assert_eq!(
        writes.values().sum::<usize>(),
        friends.len(),
        "one write per friend: {writes:?}"
    );
    assert!(writes.values().all(|n| *n == 1), "{writes:?}");
    let (_, list) = t
        .call(Method::GET, "/api/v1/plex-users?status=failed", None)
        .await;
    assert_eq!(list["total"], Value::from(0), "{list}");
}
