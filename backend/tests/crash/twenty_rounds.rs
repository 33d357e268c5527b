//! The long crash run (`cargo test -p plexward --test crash -- --ignored`, or
//! `scripts/long-tests.sh crash`): twenty rounds of random work — grants with windows ending or
//! starting seconds away, bulk changes, reconciles — each ended by SIGKILL at a random moment,
//! then one last start. Bar: Plex ends as the grants say, Plexward's record agrees, every change
//! that stayed on Plex is audited exactly once, and SQLite passes `PRAGMA integrity_check`.
//! `PLEXWARD_CRASH_SEED` replays a run (the seed is printed).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use plex_sim::{PlexSim, Seed, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::*;

const ROUNDS: usize = 20;
const FRIENDS: usize = 24;
/// plex.tv's answer time: long enough that a random kill often finds a write under way.
const LATENCY: Duration = Duration::from_millis(150);
/// Window edges fall this far ahead of the round's changes, at most.
const EDGES_WITHIN_MS: u64 = 4_000;
/// The kill comes this long after the round's requests, at most.
const KILL_WITHIN_MS: u64 = 2_500;

/// A small seeded generator (splitmix64): the run is replayable from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// `k` distinct items of `from`.
    fn pick<T: Copy>(&mut self, from: &[T], k: usize) -> Vec<T> {
        let mut left: Vec<T> = from.to_vec();
        let mut out = Vec::new();
        while out.len() < k && !left.is_empty() {
            out.push(left.swap_remove(self.below(left.len() as u64) as usize));
        }
        out
    }
}

/// Random grants over `libraries`: each library left out, open, or with a window whose edges
/// fall within the next few seconds. Returns the grants and the latest edge (ms).
fn random_grants(rng: &mut Rng, libraries: &[i64], now: i64) -> (Value, i64) {
    let mut grants = Vec::new();
    let mut last_edge = now;
    let at = |rng: &mut Rng| now + 300 + rng.below(EDGES_WITHIN_MS) as i64;
    for library in libraries {
        match rng.below(5) {
            0 => {}
            1 => grants.push(json!({ "library_id": library })),
            2 => {
                let end = at(rng);
                last_edge = last_edge.max(end);
                grants.push(json!({ "library_id": library, "ends_at": rfc3339(end) }));
            }
            3 => {
                let start = at(rng);
                last_edge = last_edge.max(start);
                grants.push(json!({ "library_id": library, "starts_at": rfc3339(start) }));
            }
            _ => {
                let (a, b) = (at(rng), at(rng));
                let (start, end) = (a.min(b), a.max(b) + 1);
                last_edge = last_edge.max(end);
                grants.push(json!({
                    "library_id": library,
                    "starts_at": rfc3339(start),
                    "ends_at": rfc3339(end),
                }));
            }
        }
    }
    (Value::Array(grants), last_edge)
}

/// The libraries `grants` (as the API lists them) give at `now`: start inclusive, end exclusive.
fn granted_at(grants: &Value, now: DateTime<Utc>) -> BTreeSet<i64> {
    let time = |v: &Value| {
        v.as_str()
            .map(|s| s.parse::<DateTime<Utc>>().expect("RFC 3339"))
    };
    grants
        .as_array()
        .expect("grants")
        .iter()
        .filter(|g| time(&g["starts_at"]).is_none_or(|s| s <= now))
        .filter(|g| time(&g["ends_at"]).is_none_or(|e| now < e))
        .map(|g| g["library_id"].as_i64().expect("library id"))
        .collect()
}

/// Grants as saved (library and window), without what depends on the time of asking.
fn windows(grants: &Value) -> Vec<(i64, Value, Value)> {
    let mut out: Vec<(i64, Value, Value)> = grants
        .as_array()
        .expect("grants")
        .iter()
        .map(|g| {
            (
                g["library_id"].as_i64().expect("library id"),
                g["starts_at"].clone(),
                g["ends_at"].clone(),
            )
        })
        .collect();
    out.sort_by_key(|g| g.0);
    out
}

fn sorted_ids(v: &Value) -> BTreeSet<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

#[tokio::test]
#[ignore = "long: twenty SIGKILLs, a few minutes; run with --ignored"]
async fn twenty_kills_at_random_moments_leave_plex_as_planned_and_the_database_intact() {
    let started = Instant::now();
    let seed = std::env::var("PLEXWARD_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| now_ms() as u64);
    eprintln!("PLEXWARD_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let sim = PlexSim::start(SimConfig {
        seed: Seed::default().with_generated_friends(FRIENDS),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let mut h = Harness::new(&sim);
    let app = h.start_synced().await;

    // Plexward's library ids, and the plex.tv section id each stands for.
    let (_, listed) = h.call(&app, Method::GET, "/api/v1/libraries", None).await;
    let state = sim.state();
    let section_of: BTreeMap<i64, u64> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| {
            let key = l["key"].as_u64().expect("key");
            let plex_id = state
                .libraries
                .iter()
                .find(|s| s.key == key)
                .expect("library on Plex")
                .plex_id;
            (l["id"].as_i64().expect("id"), plex_id)
        })
        .collect();
    let libraries: Vec<i64> = section_of.keys().copied().take(3).collect();
    let friends: BTreeMap<i64, u64> = h
        .friends(&app)
        .await
        .iter()
        .map(|f| {
            (
                f["id"].as_i64().expect("id"),
                f["plex_account_id"].as_u64().expect("plex id"),
            )
        })
        .collect();
    let ids: Vec<i64> = friends.keys().copied().collect();
    let initial: BTreeMap<u64, Option<BTreeSet<u64>>> = friends
        .values()
        .map(|u| {
            let share = state.shares.iter().find(|s| s.user_id == *u);
            (*u, share.map(|s| s.section_ids.clone()))
        })
        .collect();
    let first_event = audit_events(&h, &app).await.len();
    sim.clear_requests();
    sim.set_latency(LATENCY);

    // The rounds: saved grants are checked against what the API answered (an acknowledged save
    // is never lost); background work is whatever the kill interrupts.
    let mut saved: BTreeMap<i64, Vec<(i64, Value, Value)>> = BTreeMap::new();
    let mut last_edge = now_ms();
    let mut app = app;
    for round in 1..=ROUNDS {
        let now = now_ms();
        let k = 1 + rng.below(4) as usize;
        for friend in rng.pick(&ids, k) {
            let (grants, edge) = random_grants(&mut rng, &libraries, now);
            last_edge = last_edge.max(edge);
            let (status, body) = h
                .call(
                    &app,
                    Method::PUT,
                    &format!("/api/v1/plex-users/{friend}/grants"),
                    Some(json!({ "grants": grants })),
                )
                .await;
            assert_eq!(status, 200, "round {round}: {body}");
            saved.insert(friend, windows(&body["friend"]["grants"]));
        }
        let mut background = Vec::new();
        if rng.chance(60) {
            let k = 3 + rng.below(6) as usize;
            let chosen = rng.pick(&ids, k);
            let k = 1 + rng.below(3) as usize;
            let with = rng.pick(&libraries, k);
            let (status, body) = h
                .call(
                    &app,
                    Method::POST,
                    "/api/v1/plex-users/bulk",
                    Some(json!({
                        "friend_ids": chosen,
                        "action": { "kind": "set_libraries", "library_ids": with },
                    })),
                )
                .await;
            assert_eq!(status, 202, "round {round}: {body}");
            background.push("bulk");
            // A bulk change is saved before it is applied: what the API lists is the plan.
            for friend in chosen {
                saved.remove(&friend);
            }
        }
        if rng.chance(50) {
            let (status, body) = h
                .call(&app, Method::POST, "/api/v1/scheduler/run", None)
                .await;
            assert_eq!(status, 202, "round {round}: {body}");
            background.push("reconcile");
        }
        // The random moment of the kill is the point of the test, not a wait for a condition.
        let after = rng.below(KILL_WITHIN_MS);
        tokio::time::sleep(Duration::from_millis(after)).await;
        let in_flight = sim.in_flight().len();
        eprintln!(
            "round {round}: kill {after} ms after the requests ({background:?}), \
             {in_flight} Plex requests in flight"
        );
        app.kill();
        app = h.start().await;
    }

    // Every acknowledged save survived the kills.
    for (friend, grants) in &saved {
        let (_, detail) = h
            .call(
                &app,
                Method::GET,
                &format!("/api/v1/plex-users/{friend}"),
                None,
            )
            .await;
        assert_eq!(
            &windows(&detail["grants"]),
            grants,
            "friend {friend}'s saved grants"
        );
    }

    // Plex converges on the grants once every edge has passed.
    let deadline = Instant::now() + Duration::from_secs(90);
    let (expected, converged_at) = loop {
        let now = Utc::now();
        let mut expected: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for friend in &ids {
            let (_, detail) = h
                .call(
                    &app,
                    Method::GET,
                    &format!("/api/v1/plex-users/{friend}"),
                    None,
                )
                .await;
            expected.insert(*friend, granted_at(&detail["grants"], now));
        }
        let state = sim.state();
        let wrong: Vec<String> = friends
            .iter()
            .filter_map(|(id, user)| {
                let shares: Vec<_> = state.shares.iter().filter(|s| s.user_id == *user).collect();
                let want: Option<BTreeSet<u64>> = Some(&expected[id])
                    .filter(|libs| !libs.is_empty())
                    .map(|libs| libs.iter().map(|l| section_of[l]).collect());
                let have = shares.first().map(|s| s.section_ids.clone());
                (shares.len() > 1
                    || have != want
                    || shares.first().is_some_and(|s| s.all_libraries))
                .then(|| format!("{user}: {have:?}, want {want:?} ({} shares)", shares.len()))
            })
            .collect();
        if wrong.is_empty() && now.timestamp_millis() > last_edge {
            break (expected, started.elapsed());
        }
        assert!(
            Instant::now() < deadline,
            "Plex did not converge within 90 s:\n{}\n--- plexward log ---\n{}",
            wrong.join("\n"),
            h.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    // Plexward's record agrees with Plex.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let listed = h.friends(&app).await;
        let wrong: Vec<String> = listed
            .iter()
            .filter_map(|row| {
                let id = row["id"].as_i64().expect("id");
                let state = row["apply"]["state"].as_str().unwrap_or_default();
                let ok = sorted_ids(&row["actual_library_ids"]) == expected[&id]
                    && (state == "applied" || state == "pending_invite")
                    && row["drift"] == false;
                (!ok).then(|| {
                    format!(
                        "{id}: actual {} apply {}",
                        row["actual_library_ids"], row["apply"]
                    )
                })
            })
            .collect();
        if wrong.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Plexward's record differs:\n{}",
            wrong.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The audit trail: every friend whose share ended different from the start has an apply
    // event for its final libraries as the latest one, and no change is recorded twice in a row.
    let events = audit_events(&h, &app).await;
    let events = &events[..events.len() - first_event];
    let mut by_friend: BTreeMap<i64, Vec<(BTreeSet<i64>, bool)>> = BTreeMap::new();
    for e in events.iter().rev() {
        let friend: i64 = e["target_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("target");
        let d = &e["details"];
        by_friend.entry(friend).or_default().push((
            sorted_ids(&d["library_ids"]),
            d["pending_invite"].as_bool().unwrap_or(false),
        ));
    }
    let mut repeated = Vec::new();
    for (friend, user) in &friends {
        let list = by_friend.get(friend).cloned().unwrap_or_default();
        let final_sections: Option<BTreeSet<u64>> = Some(&expected[friend])
            .filter(|l| !l.is_empty())
            .map(|l| l.iter().map(|x| section_of[x]).collect());
        if final_sections != initial[user] {
            let last = list.last().map(|(libs, _)| libs.clone());
            assert_eq!(
                last.as_ref(),
                Some(&expected[friend]),
                "friend {friend}: the last apply event is not the final state ({list:?})"
            );
        }
        for pair in list.windows(2) {
            if pair[0] == pair[1] {
                repeated.push(format!("friend {friend}: {:?} twice", pair[0]));
            }
        }
    }
    assert!(
        repeated.is_empty(),
        "changes audited twice:\n{}",
        repeated.join("\n")
    );

    // A clean stop, then SQLite's own check of the file the kills hit.
    app.terminate().await;
    let pool = plexward::db::connect(&h.dir.path().join("data").join("plexward.db")).expect("db");
    let integrity = plexward::db::run(&pool, |conn| {
        use diesel::prelude::*;
        #[derive(diesel::QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        diesel::sql_query("PRAGMA integrity_check")
            .load::<Check>(conn)
            .map(|rows| {
                rows.into_iter()
                    .map(|r| r.integrity_check)
                    .collect::<Vec<_>>()
            })
    })
    .await
    .expect("integrity check ran");
    assert_eq!(integrity, vec!["ok".to_owned()]);

    let log = sim.requests();
    for r in log
        .iter()
        .filter(|r| is_share_write(&r.method, &r.path) && r.method != "DELETE")
    {
        let body = r.json_body().unwrap_or(Value::Null);
        let lists = library_lists(&body);
        assert!(
            !lists.is_empty() && lists.iter().all(|l| !l.is_empty()),
            "a share write without libraries: {} {} {}",
            r.method,
            r.path,
            r.body
        );
    }
    eprintln!(
        "{ROUNDS} kills; converged {converged_at:?} after the start (whole test {:?}); \
         {} share writes, {} apply events",
        started.elapsed(),
        log.iter()
            .filter(|r| is_share_write(&r.method, &r.path))
            .count(),
        events.len()
    );
}

/// Every successful `plex.apply` event, newest first.
async fn audit_events(h: &Harness, app: &Plexward) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let (status, page) = h
            .call(
                app,
                Method::GET,
                &format!(
                    "/api/v1/audit?action=plex.apply&outcome=success&limit=500&offset={}",
                    all.len()
                ),
                None,
            )
            .await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().expect("items").clone();
        let done = items.len() < 500;
        all.extend(items);
        if done {
            return all;
        }
    }
}
