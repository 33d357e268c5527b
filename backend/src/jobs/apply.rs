//! The apply job of a bulk change: applies each friend in turn (one at a time toward plex.tv),
//! with progress. The grants are already saved; a friend that fails here is retried by the retry
//! loop like any other failure, so the job's end is a report, not the last chance.

use std::sync::Arc;

use serde::Serialize;

use crate::access::applier::{Applier, ApplyOutcome};
use crate::audit::Actor;
use crate::db::DbPool;
use crate::db::time::now_ms;

pub const KIND: &str = "apply";

/// What the job did, in `/api/v1/jobs/{id}`'s `result`.
#[derive(Debug, Default, Serialize)]
pub struct ApplyReport {
    pub friends: u64,
    /// Plex now matches.
    pub applied: u64,
    /// Failed; each is retried in the background.
    pub failed: u64,
}

pub async fn run_job(
    pool: DbPool,
    applier: Arc<Applier>,
    job_id: String,
    friends: Vec<i64>,
    actor: Actor,
) {
    {
        let id = job_id.clone();
        if let Err(e) = crate::db::run(&pool, move |conn| {
            crate::db::jobs::start(conn, &id, now_ms())
        })
        .await
        {
            tracing::error!(error = %e, "could not start the apply job");
        }
    }
    let total = friends.len() as i64;
    let mut report = ApplyReport {
        friends: friends.len() as u64,
        ..ApplyReport::default()
    };
    for (done, id) in friends.iter().enumerate() {
        match applier.apply(*id, &actor).await {
            Ok(ApplyOutcome::Matched) => report.applied += 1,
            Ok(ApplyOutcome::Failed { .. }) => report.failed += 1,
            Ok(ApplyOutcome::Departed | ApplyOutcome::Missing) => {}
            Err(e) => {
                report.failed += 1;
                tracing::error!(friend = id, error = %e, "apply could not be recorded");
            }
        }
        super::report_progress(&pool, &job_id, done as i64 + 1, total).await;
    }
    let outcome = serde_json::to_string(&report).map_err(|e| e.to_string());
    super::finish(&pool, &job_id, outcome).await;
}
