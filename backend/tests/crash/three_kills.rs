//! Crash recovery, end to end: the real `plexward` binary, wired to the in-process Plex simulator
//! answering slowly, is killed with SIGKILL while share writes are in flight — three times — and
//! started again on the same data directory each time. The simulator's state and request log
//! must then show the plan reached for every friend: no friend shared twice, never an empty
//! library list, every window that ended revoked. Nothing but the simulator on 127.0.0.1 is
//! contacted.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use plex_sim::ids::{MOVIES, TV};
use plex_sim::{PlexSim, Seed, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::*;

/// Generated friends of every kind (accepted, pending, no share, Home user, all libraries).
pub(crate) const FRIENDS: usize = 30;
/// plex.tv's answer time during the crashes: long enough that a kill finds writes under way.
pub(crate) const LATENCY: Duration = Duration::from_millis(250);
/// The first revoke's window ends this long after the grants are saved; the others follow
/// [`END_SPACING`] apart, so edges fall before, during and after the kills.
pub(crate) const FIRST_END: Duration = Duration::from_secs(5);
pub(crate) const END_SPACING: Duration = Duration::from_millis(300);

/// What a friend's grants do during the test, and what Plex must have in the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Gains Movies + TV (a bulk change: invites for those without a share).
    Gain,
    /// Movies for good, TV until a window end a few seconds away.
    LoseTv,
    /// Movies only, until a window end a few seconds away: the share is deleted then.
    LoseAll,
}

impl Role {
    pub(crate) fn of(index: usize) -> Self {
        // 3 roles × 5 kinds of friends (coprime): every role meets every kind twice.
        [Role::Gain, Role::LoseTv, Role::LoseAll][index % 3]
    }

    /// The plex.tv section ids Plex must share once every window has ended (`None`: no share).
    pub(crate) fn final_sections(self) -> Option<BTreeSet<u64>> {
        match self {
            Role::Gain => Some(BTreeSet::from([MOVIES, TV])),
            Role::LoseTv => Some(BTreeSet::from([MOVIES])),
            Role::LoseAll => None,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Friend {
    /// Plexward's id.
    pub(crate) id: i64,
    pub(crate) plex_id: u64,
    pub(crate) role: Role,
}

#[tokio::test]
async fn killed_mid_apply_three_times_plex_converges_without_duplicates_or_lost_revokes() {
    let started = Instant::now();
    let sim = PlexSim::start(SimConfig {
        seed: Seed::default().with_generated_friends(FRIENDS),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let mut h = Harness::new(&sim);
    let app = h.start_synced().await;

    let (_, libraries) = h.call(&app, Method::GET, "/api/v1/libraries", None).await;
    let library = |key: i64| {
        libraries["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|l| l["key"] == key)
            .and_then(|l| l["id"].as_i64())
            .expect("library imported")
    };
    let (movies, tv) = (library(1), library(2));
    let mut friends: Vec<Friend> = h
        .friends(&app)
        .await
        .iter()
        .map(|f| {
            let plex_id = f["plex_account_id"].as_u64().expect("plex id");
            Friend {
                id: f["id"].as_i64().expect("id"),
                plex_id,
                role: Role::of((plex_id - 3_000_000) as usize),
            }
        })
        .collect();
    friends.sort_by_key(|f| f.plex_id);
    assert_eq!(friends.len(), FRIENDS, "every generated friend imported");
    sim.clear_requests();

    // Revokes to come: saved (and applied) while Plex is fast, ending a few seconds from now.
    let first_end = now_ms() + FIRST_END.as_millis() as i64;
    let mut last_end = first_end;
    for (k, f) in friends.iter().filter(|f| f.role != Role::Gain).enumerate() {
        last_end = first_end + k as i64 * END_SPACING.as_millis() as i64;
        let end = rfc3339(last_end);
        let grants = match f.role {
            Role::LoseTv => json!([{ "library_id": movies }, { "library_id": tv, "ends_at": end }]),
            _ => json!([{ "library_id": movies, "ends_at": end }]),
        };
        let (status, body) = h
            .call(
                &app,
                Method::PUT,
                &format!("/api/v1/plex-users/{}/grants", f.id),
                Some(json!({ "grants": grants })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["plex_matches"], true, "{body}");
    }
    let saved_at = now_ms();
    assert!(
        saved_at < first_end,
        "saving the revokes took {} ms; the first window already ended",
        saved_at - (first_end - FIRST_END.as_millis() as i64)
    );

    // Gains: one bulk change, applied in the background while plex.tv answers slowly.
    sim.set_latency(LATENCY);
    let gainers: Vec<i64> = friends
        .iter()
        .filter(|f| f.role == Role::Gain)
        .map(|f| f.id)
        .collect();
    let before_bulk = last_seq(&sim);
    let (status, body) = h
        .call(
            &app,
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({
                "friend_ids": gainers,
                "action": { "kind": "set_libraries", "library_ids": [movies, tv] },
            })),
        )
        .await;
    assert_eq!(status, 202, "{body}");

    // Kill 1: while an invite is in flight — the moment a restart could share twice.
    let cut = until_write_in_flight(
        &sim,
        Some("POST"),
        before_bulk,
        1,
        0,
        Duration::from_secs(20),
    )
    .await;
    eprintln!(
        "kill 1 at +{} ms of the first end: {} {} in flight",
        now_ms() - first_end,
        cut.method,
        cut.path
    );
    app.kill();
    let mut cuts = vec![cut];

    // Kill 2: once windows have started ending, so deadline jobs are queued or running too.
    let app = h.start().await;
    let restarted = last_seq(&sim);
    let cut = until_write_in_flight(
        &sim,
        None,
        restarted,
        1,
        first_end + 1_000,
        Duration::from_secs(30),
    )
    .await;
    eprintln!(
        "kill 2 at +{} ms of the first end: {} {} in flight",
        now_ms() - first_end,
        cut.method,
        cut.path
    );
    app.kill();
    cuts.push(cut);

    // Kill 3: at the first share write of the next run (the startup reconcile catching up).
    let app = h.start().await;
    let restarted = last_seq(&sim);
    let cut = until_write_in_flight(&sim, None, restarted, 0, 0, Duration::from_secs(30)).await;
    eprintln!(
        "kill 3 at +{} ms of the first end: {} {} in flight",
        now_ms() - first_end,
        cut.method,
        cut.path
    );
    app.kill();
    cuts.push(cut);

    // Last run: Plex must reach the plan for every friend once every window has ended — which
    // is also the proof that no revoke was lost: an ended window left in Plex fails here.
    let app = h.start().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = sim.state();
        let wrong: Vec<String> = friends
            .iter()
            .filter_map(|f| {
                let shares: Vec<_> = state
                    .shares
                    .iter()
                    .filter(|s| s.user_id == f.plex_id)
                    .collect();
                let now = shares
                    .first()
                    .map(|s| (s.all_libraries, s.section_ids.clone()));
                let want = f.role.final_sections().map(|ids| (false, ids));
                (shares.len() > 1 || now != want)
                    .then(|| format!("{} ({:?}): {now:?}, want {want:?}", f.plex_id, f.role))
            })
            .collect();
        if wrong.is_empty() && now_ms() > last_end {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Plex did not converge within 60 s:\n{}\n--- plexward log ---\n{}",
            wrong.join("\n"),
            h.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let converged = started.elapsed();

    let log = sim.requests();
    // No duplicate share: at most one successful creation per friend (a refused second
    // invite is allowed: it is how Plexward learns of a share a crash kept it from recording).
    let mut created: BTreeMap<u64, usize> = BTreeMap::new();
    let mut refused = 0;
    for r in log
        .iter()
        .filter(|r| r.is("POST", "/api/servers/*/shared_servers"))
    {
        let user = invited_user(r).unwrap_or_else(|| panic!("invite without a user: {r:?}"));
        if (200..300).contains(&r.status) {
            *created.entry(user).or_default() += 1;
        } else {
            refused += 1;
        }
    }
    for (user, n) in &created {
        assert_eq!(*n, 1, "friend {user} was shared {n} times");
    }
    // Never an empty library list (plex.tv reads it as "every library").
    for r in log
        .iter()
        .filter(|r| r.method == "POST" || r.method == "PUT")
    {
        if !is_share_write(&r.method, &r.path) {
            continue;
        }
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
    // Whether plex.tv carried out the requests the kills cut off (it answers no one then).
    let carried_out: Vec<bool> = cuts
        .iter()
        .map(|cut| {
            log.iter()
                .any(|r| r.seq == cut.seq && (200..300).contains(&r.status))
        })
        .collect();
    let share_writes = log
        .iter()
        .filter(|r| is_share_write(&r.method, &r.path))
        .count();

    // Plexward's own record agrees: every friend applied, Plex as granted, nothing pending.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let listed = h.friends(&app).await;
        let wrong: Vec<String> = friends
            .iter()
            .filter_map(|f| {
                let row = listed
                    .iter()
                    .find(|r| r["id"] == f.id)
                    .expect("friend listed");
                let sorted = |v: &Value| {
                    let mut ids: Vec<i64> = v
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_i64).collect())
                        .unwrap_or_default();
                    ids.sort_unstable();
                    ids
                };
                let want = match f.role {
                    Role::Gain => vec![movies.min(tv), movies.max(tv)],
                    Role::LoseTv => vec![movies],
                    Role::LoseAll => vec![],
                };
                let state = row["apply"]["state"].as_str().unwrap_or_default();
                let ok = sorted(&row["granted_library_ids"]) == want
                    && sorted(&row["actual_library_ids"]) == want
                    && (state == "applied" || state == "pending_invite")
                    && row["drift"] == false;
                (!ok).then(|| {
                    format!(
                        "{} ({:?}): granted {} actual {} apply {}",
                        f.plex_id,
                        f.role,
                        row["granted_library_ids"],
                        row["actual_library_ids"],
                        row["apply"]
                    )
                })
            })
            .collect();
        if wrong.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Plexward's record differs:\n{}\n--- plexward log ---\n{}",
            wrong.join("\n"),
            h.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A clean stop is possible after all that, and leaves no apply job behind.
    app.terminate().await;
    let pool = plexward::db::connect(&h.dir.path().join("data").join("plexward.db")).expect("db");
    let left = plexward::db::run(&pool, |conn| {
        use diesel::prelude::*;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(
            "SELECT COUNT(*) AS n FROM Jobs WHERE job_type = ? \
             AND status NOT IN ('Done', 'Killed', 'Failed')",
        )
        .bind::<diesel::sql_types::Text, _>(plexward::jobs::apply_friend::QUEUE)
        .get_result::<Count>(conn)
        .map(|c| c.n)
    })
    .await
    .expect("jobs counted");
    assert_eq!(left, 0, "apply jobs left behind");
    eprintln!(
        "converged after 3 kills in {converged:?} (whole test {:?}); {share_writes} share writes, \
         {} invites, {refused} refused re-invites; cut-off writes carried out by Plex: \
         {carried_out:?}",
        started.elapsed(),
        created.len()
    );
}
