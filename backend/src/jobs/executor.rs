//! The one executor: every piece of background work — sync, reconcile, bulk and single applies,
//! the applies of window edges — runs here, on the main runtime (never on actix's worker
//! runtimes, which a restart tears down), supervised (a panic fails its job instead of leaving it
//! "running"), and counted, so a stop or an in-process restart waits for it ([`Executor::drain`]).
//!
//! Handlers and the scheduler only enqueue: [`Executor::submit`] records a watched job and starts
//! it; the caller may wait for its outcome with a deadline ([`Submitted::wait`]).

use std::future::Future;
use std::time::Duration;

use std::sync::Arc;

use tokio::runtime::Handle;
use tokio::sync::{Notify, watch};

use super::apply::ApplyJob;
use super::lifecycle::{Finished, Job, JobContext, run_watched};
use crate::access::change::Applied;
use crate::audit::Actor;
use crate::db::DbError;

#[derive(Debug)]
pub struct Executor {
    ctx: JobContext,
    runtime: Handle,
    /// Tasks running; [`Executor::drain`] waits for zero.
    in_flight: watch::Sender<usize>,
    /// How long saving a friend waits for its apply.
    apply_wait: Duration,
    /// Notified at each submit (a job follows saved grants): the deadline worker recomputes
    /// its next edge.
    grants_changed: Arc<Notify>,
}

/// A job started by [`Executor::submit`].
#[derive(Debug)]
pub struct Submitted {
    pub job_id: String,
    done: watch::Receiver<Option<Finished>>,
}

impl Submitted {
    /// Waits up to `limit` for the job to end: its outcome, or `None` while it still runs.
    pub async fn wait(&mut self, limit: Duration) -> Option<Finished> {
        let ended = tokio::time::timeout(limit, self.done.wait_for(Option::is_some)).await;
        match ended {
            Ok(Ok(outcome)) => outcome.clone(),
            // The task ended without a word (cannot happen: the supervisor always sends).
            Ok(Err(_)) => Some(Err("the job ended without an outcome".into())),
            Err(_) => None,
        }
    }
}

/// Decrements the count when a task ends, however it ends.
struct Tracked(watch::Sender<usize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Executor {
    /// `runtime` is the main runtime (where `Application::build` runs).
    pub fn new(ctx: JobContext, runtime: Handle, apply_wait: Duration) -> Self {
        Self {
            ctx,
            runtime,
            in_flight: watch::Sender::new(0),
            apply_wait,
            grants_changed: Arc::new(Notify::new()),
        }
    }

    /// What the deadline worker waits on besides the time.
    pub fn grants_changed(&self) -> Arc<Notify> {
        self.grants_changed.clone()
    }

    pub fn context(&self) -> &JobContext {
        &self.ctx
    }

    /// Runs `task` on the main runtime, counted until it ends.
    fn spawn_tracked(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.in_flight.send_modify(|n| *n += 1);
        let tracked = Tracked(self.in_flight.clone());
        self.runtime.spawn(async move {
            let _tracked = tracked;
            task.await;
        });
    }

    /// Starts `job` as a new watched job; returns its id and a handle to wait on.
    pub async fn submit<J: Job>(&self, job: J, actor: Actor) -> Result<Submitted, DbError> {
        let id = super::enqueue(&self.ctx.pool, J::KIND, &actor).await?;
        // A permit is kept when the worker is not waiting yet: no wake-up is lost.
        self.grants_changed.notify_one();
        Ok(self.start(job, id, actor))
    }

    /// Starts `job` unless one of its kind is queued or running; either way returns that job's
    /// id (two syncs or two reconciles never run at once).
    pub async fn submit_unique<J: Job>(&self, job: J, actor: Actor) -> Result<String, DbError> {
        let (id, new) = super::enqueue_unique(&self.ctx.pool, J::KIND, &actor).await?;
        if new {
            self.start(job, id.clone(), actor);
        }
        Ok(id)
    }

    fn start<J: Job>(&self, job: J, id: String, actor: Actor) -> Submitted {
        let (tx, done) = watch::channel(None);
        let (ctx, job_id) = (self.ctx.clone(), id.clone());
        // The job runs in a task of its own: a panic in it is seen here as a `JoinError`, and
        // the job is recorded failed rather than left "running".
        let inner = self.runtime.spawn(run_watched(ctx, job, id.clone(), actor));
        let pool = self.ctx.pool.clone();
        self.spawn_tracked(async move {
            let outcome = match inner.await {
                Ok(outcome) => outcome,
                Err(e) => {
                    tracing::error!(error = %e, kind = J::KIND, job = %id, "a job panicked");
                    let error = format!("the job ended abnormally: {e}");
                    super::finish(&pool, &id, Err(error.clone())).await;
                    Err(error)
                }
            };
            let _ = tx.send(Some(outcome));
        });
        Submitted { job_id, done }
    }

    /// Makes Plex match friend `id` as a watched apply job, waiting for it up to the configured
    /// time (`apply_wait_ms`): whether Plex matches (`false` while it still runs) and the job id.
    pub async fn apply_and_wait(&self, id: i64, actor: Actor) -> Result<Applied, DbError> {
        let mut job = self.submit(ApplyJob { friends: vec![id] }, actor).await?;
        let matched = match job.wait(self.apply_wait).await {
            Some(Ok(report)) => report["applied"] == 1,
            Some(Err(_)) | None => false,
        };
        Ok(Applied {
            matched,
            job_id: Some(job.job_id),
        })
    }

    /// Applies each friend now, without a watched job (the deadline worker's edges: no queue
    /// poll between the edge and the Plex request). An apply that cannot be recorded goes to the
    /// durable queue, which tries again.
    pub fn apply_now(&self, ids: Vec<i64>) {
        for id in ids {
            let ctx = self.ctx.clone();
            self.spawn_tracked(async move {
                if let Err(e) = ctx.applier.apply(id, &Actor::system()).await {
                    tracing::warn!(friend = id, error = %e, "edge apply failed; queued");
                    if let Err(e) = ctx.queue.push(id).await {
                        tracing::error!(friend = id, error = %e, "could not queue the apply");
                    }
                }
            });
        }
    }

    /// Waits until every task has ended. Jobs see `stopping` and stop at their next step (an
    /// apply in flight finishes; a bulk apply hands the rest to the durable queue).
    pub async fn drain(&self) {
        let mut count = self.in_flight.subscribe();
        let _ = count.wait_for(|n| *n == 0).await;
    }

    /// Tasks running now.
    pub fn in_flight(&self) -> usize {
        *self.in_flight.borrow()
    }
}
