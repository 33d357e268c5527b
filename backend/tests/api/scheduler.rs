//! The deadline worker: windows start and end on time, on a clock the test moves and in real
//! time; the reconcile schedule. "Nothing happened" is asserted after the worker says it has
//! handled the time in question (its heartbeat), never after a sleep.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use plex_sim::Seed;
use plexward::clock::ManualClock;
use serde_json::json;

use plexward_shared::DriftPolicy;
use reqwest::Method;

use crate::access::{DEFAULT, MOVIES, Synced, TV, ids, synced_on_clock};
use crate::helpers::{GOOD_PASSWORD, wait_for};

/// Polls the simulator until `user`'s share is `want` (deadline 5 s); returns how long it took.
pub(crate) async fn until_shared(t: &Synced, user: u64, want: Option<BTreeSet<u64>>) -> Duration {
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
    t.app.deadlines_handled(t0 + 3_600_000 - 1).await;
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
    t.app.deadlines_handled(t0 + 86_400_000).await;
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

async fn latest_reconcile(t: &Synced) -> plexward::db::jobs::Job {
    latest_reconcile_of(&t.app).await
}

async fn latest_reconcile_of(app: &crate::helpers::TestApp) -> plexward::db::jobs::Job {
    plexward::db::run(&app.db, |conn| {
        plexward::db::jobs::latest_of_kind(conn, plexward::jobs::reconcile::KIND)
    })
    .await
    .expect("jobs")
    .expect("a reconcile ran at startup")
}

#[tokio::test]
async fn the_schedule_is_validated_and_a_change_takes_effect_without_restart() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    t.app.create_account("boss", "admin", false).await;
    let admin = t.app.login("boss", GOOD_PASSWORD).await.token;
    let first = latest_reconcile(&t).await;
    let put = |body: serde_json::Value| {
        let (app, admin) = (&t.app, admin.clone());
        async move {
            app.call(Method::PUT, "/api/v1/scheduler", &admin, Some(body))
                .await
        }
    };

    // Moderators may not change it; bad values are named.
    let (status, _) = t
        .call(
            Method::PUT,
            "/api/v1/scheduler",
            Some(json!({"mode":"interval","interval_minutes":30,"daily_at":"04:00"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) =
        put(json!({"mode":"interval","interval_minutes":4,"daily_at":"04:00"})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["interval_minutes"].is_string());
    let (status, body) = put(json!({"mode":"daily","interval_minutes":60,"daily_at":"4pm"})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["daily_at"].is_string());

    // Every 5 minutes: the next run is 5 minutes after the startup reconcile.
    let (status, body) =
        put(json!({"mode":"interval","interval_minutes":5,"daily_at":"04:00"})).await;
    assert_eq!(status, 200, "{body}");
    let next: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["next_run_at"].clone()).expect("next");
    let started = first.started_at.unwrap_or(first.created_at);
    assert_eq!(next.timestamp_millis(), started + 5 * 60_000);
    assert_eq!(body["settings"]["interval_minutes"], 5);

    // Nothing runs before; when the clock reaches it, a reconcile starts (no restart).
    clock.set(started + 5 * 60_000 - 1_000);
    t.app.schedule_evaluated(started + 5 * 60_000 - 1_000).await;
    assert_eq!(latest_reconcile(&t).await.id, first.id);
    clock.set(started + 5 * 60_000);
    let deadline = Instant::now() + Duration::from_secs(5);
    while latest_reconcile(&t).await.id == first.id {
        assert!(Instant::now() < deadline, "no reconcile at the due time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, body) = t.call(Method::GET, "/api/v1/scheduler", None).await;
    let (_, plex) = t.call(Method::GET, "/api/v1/settings/plex", None).await;
    assert_eq!(
        body["time_zone"], plex["time_zone"],
        "the Plex settings' zone"
    );
    assert!(body["last_run"]["job_id"].is_string());
}

#[tokio::test]
async fn run_now_while_one_runs_returns_the_running_job() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    t.sim.set_latency(Duration::from_millis(300));
    let (status, first) = t.call(Method::POST, "/api/v1/scheduler/run", None).await;
    assert_eq!(status, 202, "{first}");
    let (status, second) = t.call(Method::POST, "/api/v1/scheduler/run", None).await;
    assert_eq!(status, 202);
    assert_eq!(first["job_id"], second["job_id"], "one run, not two");
    t.sim.set_latency(Duration::ZERO);
    let job = wait_for(&t.app, &t.token, first["job_id"].as_str().expect("id")).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["kind"], "reconcile");
}

#[tokio::test]
async fn drift_is_corrected_by_policy_or_only_reported() {
    for (policy, corrected) in [(DriftPolicy::Enforce, true), (DriftPolicy::Report, false)] {
        let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
        plexward::db::run(&t.app.db, move |conn| {
            let mut prefs = plexward::settings::plex::load(conn)?;
            prefs.drift_policy = policy;
            plexward::settings::plex::save(conn, &prefs)
        })
        .await
        .expect("policy saved");
        // Someone adds TV Shows to alice's share on plex.tv directly.
        t.sim.with_state(|s| {
            if let Some(share) = s.shares.iter_mut().find(|sh| sh.user_id == 2_100_001) {
                share.section_ids.insert(TV);
            }
        });
        let (_, started) = t.call(Method::POST, "/api/v1/scheduler/run", None).await;
        let job = wait_for(&t.app, &t.token, started["job_id"].as_str().expect("id")).await;
        assert_eq!(job["result"]["drift"], 1, "{job}");
        let want = if corrected {
            ids(&[MOVIES, DEFAULT])
        } else {
            ids(&[MOVIES, DEFAULT, TV])
        };
        assert_eq!(t.shared_sections(2_100_001), Some(want), "{policy:?}");
        assert_eq!(job["result"]["drift_corrected"], u64::from(corrected));
    }
}

#[tokio::test]
async fn changes_due_while_plexward_was_down_are_applied_at_startup() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    let (alice, frank) = (t.friend(2_100_001).await, t.friend(2_100_007).await);
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    // Alice's TV ends and Frank's Movies starts while Plexward is stopped.
    let (status, _) = t
        .set_grants(
            alice,
            json!([{ "library_id": movies }, { "library_id": tv, "ends_at": rfc3339(t0 + 60_000) }]),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = t
        .set_grants(
            frank,
            json!([{ "library_id": movies, "starts_at": rfc3339(t0 + 30_000), "ends_at": rfc3339(t0 + 90_000) }]),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES, TV])));
    assert_eq!(t.shared_sections(2_100_007), None);

    let Synced { sim, app, token } = t;
    let before = latest_reconcile_of(&app).await.id;
    let later = ManualClock::new(t0 + 120_000);
    let app = app.restart(later).await;
    app.wait_for_reconcile_after(Some(&before)).await;
    let t = Synced { sim, app, token };
    // Alice lost TV; Frank's window opened and closed while down: he is not invited after it.
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES])));
    assert_eq!(
        t.shared_sections(2_100_007),
        None,
        "an expired-while-down grant is not granted"
    );
}

#[tokio::test]
async fn an_apply_a_crash_cut_off_after_plex_changed_is_recorded_by_the_startup_reconcile() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(2_100_001).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let (status, body) = t
        .set_grants(
            alice,
            json!([{ "library_id": movies }, { "library_id": tv }]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // As a kill between plex.tv's answer and the record leaves it: Plex has Movies + TV, the
    // database still says "queued" with Alice's old libraries (Movies + Default, keys 1 and 3).
    plexward::db::run(&t.app.db, move |conn| {
        use diesel::prelude::*;
        diesel::sql_query(
            "UPDATE apply_states SET state = 'queued', applied_libraries = '[1,3]' \
             WHERE plex_user_id = ?",
        )
        .bind::<diesel::sql_types::BigInt, _>(alice)
        .execute(conn)
    })
    .await
    .expect("crash state written");

    let Synced { sim, app, token } = t;
    let before = latest_reconcile_of(&app).await.id;
    sim.clear_requests();
    let app = app.restart(plexward::clock::system()).await;
    app.wait_for_reconcile_after(Some(&before)).await;
    let t = Synced { sim, app, token };
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(detail["apply"]["state"], "applied", "{detail}");
    assert_eq!(detail["drift"], false, "Plexward's own change is not drift");
    assert!(
        t.writes().is_empty(),
        "Plex already matched: {:?}",
        t.writes()
    );
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES, TV])));
    // The change Plex made was never audited (the crash came first): it is, once, now.
    let recovered: Vec<serde_json::Value> = t
        .app
        .audit_actions("plex.apply")
        .await
        .into_iter()
        .filter_map(|e| serde_json::from_str(e.details.as_deref()?).ok())
        .filter(|d: &serde_json::Value| d["recovered"] == true)
        .collect();
    assert_eq!(recovered.len(), 1, "{recovered:?}");
    assert_eq!(recovered[0]["added_library_ids"], json!([tv]));
    assert_eq!(
        recovered[0]["removed_library_ids"],
        json!([t.library(3).await])
    );
}
