//! The reconcile: sync from Plex, then make Plex match every friend whose share differs from
//! their grants — unless the difference is drift (changed on Plex directly) and the policy is to
//! report it only. Retries failed friends on the way. Started by the schedule, at startup and by
//! "Run now"; never two at once (`enqueue_unique`).

use std::sync::Arc;

use plexward_shared::{DriftPolicy, ReconcileReport};

use crate::access::applier::{Applier, ApplyOutcome};
use crate::access::friend::{Catalog, Friend};
use crate::access::planner::Plan;
use crate::audit::{Actor, Event, Outcome};
use crate::db::time::now_ms;
use crate::db::{self, DbPool};
use crate::jobs::sync::{self, SyncError};
use crate::plex::connection::PlexConnection;

pub const KIND: &str = "reconcile";

pub async fn run_job(
    pool: DbPool,
    plex: Arc<PlexConnection>,
    applier: Arc<Applier>,
    job_id: String,
    actor: Actor,
) {
    {
        let id = job_id.clone();
        if let Err(e) = db::run(&pool, move |conn| db::jobs::start(conn, &id, now_ms())).await {
            tracing::error!(error = %e, "could not start the reconcile job");
        }
    }
    let outcome = reconcile(&pool, &plex, &applier, &job_id).await;
    let event = match &outcome {
        Ok(report) => Event::new("scheduler.reconcile", Outcome::Success, &actor)
            .details(serde_json::json!(report)),
        Err(e) => Event::new("scheduler.reconcile", Outcome::Failure, &actor)
            .details(serde_json::json!({ "error": e.to_string() })),
    };
    event.record(&pool).await;
    match &outcome {
        Ok(r) => tracing::info!(
            applied = r.applied,
            failed = r.failed,
            drift = r.drift,
            "reconcile done"
        ),
        Err(e) => tracing::warn!(error = %e, "reconcile failed"),
    }
    let outcome = outcome
        .map(|report| serde_json::to_string(&report).unwrap_or_default())
        .map_err(|e| e.to_string());
    super::finish(&pool, &job_id, outcome).await;
}

async fn reconcile(
    pool: &DbPool,
    plex: &PlexConnection,
    applier: &Applier,
    job_id: &str,
) -> Result<ReconcileReport, SyncError> {
    let client = match plex.client() {
        None => return Err(SyncError::NotConfigured),
        Some(client) => client?,
    };
    let mut report = ReconcileReport {
        sync: sync::sync(pool, &client, applier, job_id).await?,
        ..ReconcileReport::default()
    };
    let (friends, catalog, prefs) = db::run(pool, |conn| {
        Ok((
            Friend::load_all(conn)?,
            Catalog::load(conn)?,
            crate::settings::plex::load(conn)?,
        ))
    })
    .await?;
    let now = applier.now();
    let work: Vec<&Friend> = friends
        .iter()
        .filter(|f| f.queued() || f.drift() || f.plan(&catalog, now) != Plan::Nothing)
        .collect();
    let total = work.len() as i64 + 4;
    for (done, friend) in work.iter().enumerate() {
        if friend.plan(&catalog, now) == Plan::Nothing {
            // Plex already matches the grants, yet the record says queued or drifted: a crash
            // cut an apply off after plex.tv had made the change. Only the record is behind;
            // the apply catches it up without a Plex request.
            applier.apply(friend.user.id, &Actor::system()).await?;
            continue;
        }
        let drift = friend.drift();
        if drift {
            report.drift += 1;
            if prefs.drift_policy == DriftPolicy::Report {
                continue;
            }
        }
        match applier.apply(friend.user.id, &Actor::system()).await? {
            ApplyOutcome::Matched => {
                report.applied += 1;
                if drift {
                    report.drift_corrected += 1;
                }
            }
            ApplyOutcome::Failed { .. } => report.failed += 1,
            ApplyOutcome::Departed | ApplyOutcome::Missing => {}
        }
        super::report_progress(pool, job_id, done as i64 + 5, total).await;
    }
    super::report_progress(pool, job_id, total, total).await;
    Ok(report)
}

/// Starts a reconcile unless one is queued or running; either way returns its job id.
pub async fn start(
    pool: &DbPool,
    plex: &Arc<PlexConnection>,
    applier: &Arc<Applier>,
    actor: Actor,
) -> Result<String, db::DbError> {
    let (job_id, new) = super::enqueue_unique(pool, KIND, &actor).await?;
    if new {
        tokio::spawn(run_job(
            pool.clone(),
            plex.clone(),
            applier.clone(),
            job_id.clone(),
            actor,
        ));
    }
    Ok(job_id)
}
