//! Audit retention: refusals go after `audit_noise_retention_days`, other events after
//! `audit_retention_days`, access changes never; the schema's trigger holds floors (a day for
//! refusals, a year for the rest, never for access changes) whatever the code asks.

use diesel::connection::SimpleConnection as _;
use plexward::db::audit::NewAuditEvent;
use plexward::scheduler::retention::{Retention, prune_once};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const DAY: i64 = 86_400_000;

fn event(at: i64, action: &str, outcome: &str) -> NewAuditEvent {
    NewAuditEvent {
        at,
        actor_id: None,
        actor: "anonymous".into(),
        action: action.into(),
        outcome: outcome.into(),
        target_type: None,
        target_id: None,
        ip: Some("192.0.2.7".into()),
        details: Some(format!(r#"{{"case":"{action} {outcome} {at}"}}"#)),
        token_id: None,
        token_name: None,
    }
}

/// Inserts `events`; their ids, in order.
async fn insert(app: &TestApp, events: Vec<NewAuditEvent>) -> Vec<i64> {
    plexward::db::run(&app.db, move |conn| {
        events
            .iter()
            .map(|e| {
                plexward::db::audit::insert(conn, e)?;
                diesel::RunQueryDsl::get_result::<i64>(
                    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                        "last_insert_rowid()",
                    )),
                    conn,
                )
            })
            .collect()
    })
    .await
    .expect("inserted")
}

async fn exists(app: &TestApp, id: i64) -> bool {
    plexward::db::run(&app.db, move |conn| {
        use diesel::prelude::*;
        use plexward::db::schema::audit_events;
        audit_events::table
            .find(id)
            .select(audit_events::id)
            .first::<i64>(conn)
            .optional()
    })
    .await
    .expect("read")
    .is_some()
}

#[tokio::test]
async fn old_refusals_and_old_events_go_access_changes_stay() {
    // The app's own hourly pass (it also runs at start, perhaps after the inserts below) keeps
    // 30 days of refusals and every other event: so only the passes here prune other events.
    let app = spawn_app_with(|c| c.audit_retention_days = 0).await;
    let now = chrono::Utc::now().timestamp_millis();
    let ids = insert(
        &app,
        vec![
            event(now - 40 * DAY, "authz.denied", "denied"), // 0: past 30 days: goes
            event(now - 2 * DAY, "authz.denied", "denied"),  // 1: within 30 days: stays
            event(now - 400 * DAY, "auth.login", "failure"), // 2: past a year: goes
            event(now - 200 * DAY, "auth.login", "failure"), // 3: within a year: stays
            event(now - 5_000 * DAY, "grants.set", "success"), // 4: access change: forever
            event(now - 5_000 * DAY, "plex.apply", "failure"), // 5: access change: forever
            event(now - 400 * DAY, "sharing.set", "denied"), // 6: access change: forever
        ],
    )
    .await;
    prune_once(
        &app.db,
        Retention {
            noise_days: 30,
            others_days: 365,
        },
        now,
    )
    .await
    .expect("pruned");
    let mut kept = Vec::new();
    for &id in &ids {
        kept.push(exists(&app, id).await);
    }
    assert_eq!(kept, [false, true, false, true, true, true, true]);
    // Each prune is recorded with its counts (written by the audit writer, so poll).
    pruned_reach(&app, (1, 1)).await;

    // Forever (0) keeps every event that is not a refusal.
    let ids = insert(
        &app,
        vec![event(now - 3_000 * DAY, "account.create", "success")],
    )
    .await;
    prune_once(
        &app.db,
        Retention {
            noise_days: 1,
            others_days: 0,
        },
        now,
    )
    .await
    .expect("pruned");
    assert!(exists(&app, ids[0]).await);
    // The 2-day refusal went too.
    pruned_reach(&app, (2, 1)).await;
}

/// Waits (deadline 5 s) until the `audit.pruned` events count `want` (refusals, others) in all.
async fn pruned_reach(app: &TestApp, want: (u64, u64)) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let got = pruned_so_far(app).await;
        if got == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "audit.pruned counts {got:?}, want {want:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// What the `audit.pruned` events say was deleted, in all.
async fn pruned_so_far(app: &TestApp) -> (u64, u64) {
    app.audit_actions("audit.pruned")
        .await
        .iter()
        .map(|e| {
            let d: serde_json::Value =
                serde_json::from_str(e.details.as_deref().unwrap_or("{}")).expect("json");
            (
                d["refusals"].as_u64().unwrap_or(0),
                d["others"].as_u64().unwrap_or(0),
            )
        })
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
}

#[tokio::test]
async fn the_database_refuses_deletes_inside_the_floors() {
    let app = spawn_app().await;
    let now = chrono::Utc::now().timestamp_millis();
    let ids = insert(
        &app,
        vec![
            event(now - DAY / 12, "authz.denied", "denied"), // 2 h old refusal
            event(now - 200 * DAY, "auth.login", "failure"), // within a year
            event(now - 10_000 * DAY, "grants.set", "success"), // an access change
            event(now - 2 * DAY, "authz.denied", "denied"),  // past the 1-day floor
        ],
    )
    .await;
    let delete = |id: i64| {
        let db = app.db.clone();
        async move {
            plexward::db::run(&db, move |conn| {
                conn.batch_execute(&format!("DELETE FROM audit_events WHERE id = {id}"))
            })
            .await
        }
    };
    for &id in &ids[..3] {
        let refused = delete(id).await.expect_err("refused by the trigger");
        assert!(refused.to_string().contains("append-only"), "{refused}");
        assert!(exists(&app, id).await);
    }
    delete(ids[3])
        .await
        .expect("a refusal past the floor may go");
    assert!(!exists(&app, ids[3]).await);
}
