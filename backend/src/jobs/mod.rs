//! Background work: typed jobs (one file each: [`apply`], [`sync`], [`reconcile`]) run by the one
//! [`executor`] through one lifecycle ([`lifecycle`]: start → run → audit → finish), each a row
//! in `watched_jobs` (state, progress, result) that `/api/v1/jobs/{id}` shows, so its outcome
//! survives the request and a restart. [`apply_friend`] is the durable apalis queue of single
//! applies (retries, work a stop cut short), worked by one apalis worker.
//!
//! Jobs never decide *when* to run: the scheduler (and the handlers) enqueue them.

pub mod apply;
pub mod apply_friend;
pub mod backup;
pub mod demo_seed;
pub mod executor;
pub mod lifecycle;
pub mod reconcile;
pub mod sync;

pub use executor::{Executor, Submitted};
pub use lifecycle::{Job, JobContext};

use crate::audit::Actor;
use crate::db::time::now_ms;
use crate::db::{self, DbError, DbPool};

/// Creates a job of `kind` unless one is already queued or running, in which case that one is
/// returned: two syncs never run at once. `Ok((id, true))` when the caller must start it.
pub async fn enqueue_unique(
    pool: &DbPool,
    kind: &'static str,
    actor: &Actor,
) -> Result<(String, bool), DbError> {
    let created_by = actor.name.clone();
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if let Some(job) = db::jobs::active_of_kind(conn, kind)? {
                return Ok((job.id, false));
            }
            let id = uuid::Uuid::new_v4().to_string();
            db::jobs::insert(conn, &id, kind, &created_by, now_ms())?;
            Ok((id, true))
        })
    })
    .await
}

/// Creates a job of `kind` that may run alongside others of its kind (bulk applies).
pub async fn enqueue(pool: &DbPool, kind: &'static str, actor: &Actor) -> Result<String, DbError> {
    let created_by = actor.name.clone();
    let id = uuid::Uuid::new_v4().to_string();
    let job_id = id.clone();
    db::run(pool, move |conn| {
        db::jobs::insert(conn, &id, kind, &created_by, now_ms()).map(|_| ())
    })
    .await?;
    Ok(job_id)
}

/// Reports a job's progress (best effort: a failed write only loses a progress tick).
pub async fn report_progress(pool: &DbPool, id: &str, done: i64, total: i64) {
    let id = id.to_owned();
    if let Err(e) = db::run(pool, move |conn| db::jobs::progress(conn, &id, done, total)).await {
        tracing::warn!(error = %e, "could not record job progress");
    }
}

/// Records the end of a job.
pub async fn finish(pool: &DbPool, id: &str, outcome: Result<String, String>) {
    let id = id.to_owned();
    let succeeded = outcome.is_ok();
    match db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let error = outcome.as_ref().err().cloned();
            db::jobs::finish(conn, &id, outcome, now_ms())?;
            let job = db::jobs::find(conn, &id)?;
            // A failed sync (or the reconcile, which starts with one) is told, with the job.
            if let (Some(error), Some(job)) = (error, &job)
                && (job.kind == sync::KIND || job.kind == reconcile::KIND)
            {
                let mut notice = crate::notify::Notice::new(
                    "sync.failed",
                    format!("The {} with Plex failed: {error}", job.kind),
                );
                notice.details =
                    serde_json::json!({"job_id": job.id, "kind": job.kind, "error": error});
                crate::notify::record(conn, &notice, now_ms())?;
            }
            Ok(job)
        })
    })
    .await
    {
        Ok(job) => {
            if let Some(job) = job {
                crate::metrics::global().job_finished(&job.kind, succeeded);
            }
        }
        Err(e) => tracing::error!(error = %e, "could not record the end of a job"),
    }
}
