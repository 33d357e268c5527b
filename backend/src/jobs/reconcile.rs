//! The reconcile: sync from Plex, then make Plex match every friend whose share differs from
//! their grants — unless the difference is drift (changed on Plex directly) and the policy is to
//! report it only. Retries failed friends on the way. Started by the schedule, at startup and by
//! "Run now"; never two at once (`enqueue_unique`).

use plexward_shared::{DriftPolicy, ReconcileReport};

use super::lifecycle::{Job, JobContext, Running};
use super::sync::{self, SyncError};
use crate::access::applier::ApplyOutcome;
use crate::access::friend::{Catalog, Friend};
use crate::access::planner::Plan;
use crate::audit::Actor;
use crate::db;

pub const KIND: &str = "reconcile";

/// A reconcile, as a job (the schedule, the startup catch-up, "Run now").
#[derive(Debug, Clone, Copy, Default)]
pub struct ReconcileJob;

impl Job for ReconcileJob {
    const KIND: &'static str = KIND;
    const AUDIT: Option<&'static str> = Some("scheduler.reconcile");
    type Report = ReconcileReport;
    type Error = SyncError;

    async fn run(self, ctx: JobContext, job: Running) -> Result<ReconcileReport, SyncError> {
        let report = reconcile(&ctx, &job.id).await?;
        tracing::info!(
            applied = report.applied,
            failed = report.failed,
            drift = report.drift,
            "reconcile done"
        );
        Ok(report)
    }
}

async fn reconcile(ctx: &JobContext, job_id: &str) -> Result<ReconcileReport, SyncError> {
    let (pool, applier) = (&ctx.pool, &*ctx.applier);
    let client = match ctx.plex.client() {
        None => return Err(SyncError::NotConfigured),
        Some(client) => client?,
    };
    // Accepted invites' friends are queued: the loop below applies them.
    let (mut synced, _accepted) = sync::sync(pool, &client, applier, job_id).await?;
    match crate::access::invites::expire_due(pool, applier).await {
        Ok(n) => synced.invites_ended += n,
        Err(e) => tracing::warn!(error = %e, "cannot withdraw the invites that ran out of days"),
    }
    sync::read_activity(pool, &client, applier, &mut synced).await;
    let mut report = ReconcileReport {
        sync: synced,
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
        if ctx.is_stopping() {
            // The rest is still planned or queued in the database: the next start's reconcile
            // picks it up.
            tracing::info!(
                left = work.len() - done,
                "stopping: the reconcile ends early"
            );
            break;
        }
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
