//! What a typed job is ([`Job`]), what it may use ([`JobContext`]), and the one lifecycle every
//! watched job goes through: start → run → audit → finish, recorded in `watched_jobs` so the
//! outcome survives the request and a restart.

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::watch;

use super::apply_friend::ApplyQueue;
use crate::access::applier::Applier;
use crate::audit::{Actor, Event, Outcome};
use crate::db::time::now_ms;
use crate::db::{self, DbPool};
use crate::plex::connection::PlexConnection;

/// What a job may use. Cheap to clone.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub pool: DbPool,
    pub plex: Arc<PlexConnection>,
    pub applier: Arc<Applier>,
    /// The durable queue: work a stop cuts short is handed to it.
    pub queue: ApplyQueue,
    /// Turns true when Plexward stops or restarts: a long job stops at its next step.
    pub stopping: watch::Receiver<bool>,
}

impl JobContext {
    pub fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }
}

/// A job being run: its id (for progress) and who started it (for the audit).
#[derive(Debug, Clone)]
pub struct Running {
    pub id: String,
    pub actor: Actor,
    pool: DbPool,
}

impl Running {
    /// Reports progress (best effort).
    pub async fn progress(&self, done: i64, total: i64) {
        super::report_progress(&self.pool, &self.id, done, total).await;
    }
}

/// A kind of background work. Each runs idempotently: the database is the truth and every step
/// recomputes what to do from it, so a job run twice or cut short leaves nothing wrong.
pub trait Job: Send + 'static {
    /// `watched_jobs.kind`, as `/api/v1/jobs/{id}` shows it.
    const KIND: &'static str;
    /// The audit action recorded at the end with the report or the error; `None` when the job's
    /// steps audit themselves (every apply records its own `plex.apply`).
    const AUDIT: Option<&'static str>;
    type Report: Serialize + Send;
    type Error: std::fmt::Display + Send;

    fn run(
        self,
        ctx: JobContext,
        job: Running,
    ) -> impl Future<Output = Result<Self::Report, Self::Error>> + Send;
}

/// How a job ended: its report as JSON, or the error in words.
pub type Finished = Result<serde_json::Value, String>;

/// The lifecycle: marks job `id` started, runs it, audits the outcome (when the kind does) and
/// records the end.
pub(super) async fn run_watched<J: Job>(
    ctx: JobContext,
    job: J,
    id: String,
    actor: Actor,
) -> Finished {
    {
        let id = id.clone();
        if let Err(e) = db::run(&ctx.pool, move |conn| db::jobs::start(conn, &id, now_ms())).await {
            tracing::error!(error = %e, kind = J::KIND, "could not mark the job started");
        }
    }
    let running = Running {
        id: id.clone(),
        actor: actor.clone(),
        pool: ctx.pool.clone(),
    };
    let pool = ctx.pool.clone();
    let outcome: Finished = match job.run(ctx, running).await {
        Ok(report) => serde_json::to_value(&report).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Some(action) = J::AUDIT {
        let event = match &outcome {
            Ok(report) => Event::new(action, Outcome::Success, &actor).details(report.clone()),
            Err(e) => Event::new(action, Outcome::Failure, &actor)
                .details(serde_json::json!({ "error": e })),
        };
        event.record(&pool).await;
    }
    match &outcome {
        Ok(_) => tracing::info!(kind = J::KIND, job = %id, "job done"),
        Err(e) => tracing::warn!(kind = J::KIND, job = %id, error = %e, "job failed"),
    }
    let stored = outcome
        .as_ref()
        .map(ToString::to_string)
        .map_err(Clone::clone);
    super::finish(&pool, &id, stored).await;
    outcome
}
