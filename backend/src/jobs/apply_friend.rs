//! `ApplyFriend`: the apalis job that makes Plex match one friend's grants, and [`ApplyQueue`],
//! the handle producers push it with (the retry tick today; the deadline tick, reconcile and
//! bulk changes may too).
//!
//! Jobs live in apalis-sqlite's tables (`Jobs`, `Workers`, `_sqlx_migrations`) in the same
//! SQLite file as diesel's, on the queue [`QUEUE`]. One worker runs them one at a time (one
//! apply toward plex.tv at once, so never two for one friend; the applier's per-friend lock
//! covers the applies made inside requests), polling every [`POLL_INTERVAL`].
//!
//! A job is only a trigger: the applier recomputes the plan from the database when it runs, so
//! a repeated, late or lost job is harmless. Hence:
//! - a Plex failure is not a job failure: the applier records "failed, retry at …" and the
//!   retry tick pushes the friend again when that time comes (one retry mechanism, not two);
//! - only a database error fails the job, and apalis runs it again (up to [`MAX_ATTEMPTS`]);
//! - jobs a crash left running are put back to pending at the next start.

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::*;
use apalis_sqlite::{Config as QueueConfig, SqliteStorage};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use tokio::sync::watch;

use crate::access::applier::{Applier, ApplyOutcome};
use crate::audit::Actor;

/// The queue's name in the `Jobs` table. Explicit, so renaming the Rust type keeps the jobs.
pub const QUEUE: &str = "plexward.apply_friend";

/// How often the worker looks for due jobs (apalis-sqlite's default is 30 s). Measured from
/// push to Plex changed: about 0.1–0.25 s in debug builds.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A job whose handler hit a database error is run again this many times in all.
pub const MAX_ATTEMPTS: usize = 10;

/// How long a connection waits for SQLite's write lock (diesel's connections wait as long).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long before a worker that stopped sending heartbeats has its jobs taken over.
const HEARTBEAT: Duration = Duration::from_secs(10);
const MISSED_HEARTBEATS: usize = 3;

/// Pause before starting the worker again after it ended on an error (e.g. SQLite locked).
const RESTART_DELAY: Duration = Duration::from_secs(1);

/// Finished jobs are deleted after this long (their result is recorded in `apply_states` and
/// the audit log; the `Jobs` rows are only apalis' bookkeeping).
const KEEP_FINISHED: Duration = Duration::from_secs(60 * 60);
const PRUNE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Make Plex match friend `plex_user_id`'s grants (Plexward's id of the friend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyFriend {
    pub plex_user_id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("apply queue: {0}")]
    Push(#[from] TaskSinkError<apalis_sqlite::Error>),
    #[error("apply queue: {0}")]
    Storage(#[from] apalis_sqlite::Error),
    #[error("apply queue: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Pushes [`ApplyFriend`] jobs. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct ApplyQueue {
    storage: SqliteStorage<ApplyFriend>,
}

/// While a job waits (not started), it holds this key, and apalis-sqlite's unique index on
/// `(job_type, idempotency_key)` makes a second push for the friend a no-op (`ON CONFLICT DO
/// NOTHING`). The handler clears the key when the job starts, so a change saved during an
/// apply queues a new one.
fn waiting_key(plex_user_id: i64) -> String {
    format!("waiting:{plex_user_id}")
}

impl ApplyQueue {
    /// Opens the queue in the SQLite file at `path` (diesel's, already created and migrated),
    /// creates or migrates apalis' tables, and puts back to pending the jobs a previous run
    /// left started (a crash, or a kill during shutdown).
    pub async fn start(path: &std::path::Path) -> Result<Self, QueueError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // A throwaway connection for apalis' set-up: it also switches that connection to
        // `synchronous = OFF`, which the pool's connections must not inherit.
        let setup = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        SqliteStorage::setup(&setup).await?;
        setup.close().await;

        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(BUSY_TIMEOUT * 2)
            .connect_with(options)
            .await?;
        let queue = Self::on(&pool);
        let recovered = queue.recover().await?;
        if recovered > 0 {
            tracing::warn!(
                recovered,
                "apply jobs left started by the previous run are queued again"
            );
        }
        queue.prune().await?;
        Ok(queue)
    }

    fn on(pool: &SqlitePool) -> Self {
        let config = QueueConfig::default()
            .queue(QUEUE)
            .heartbeat_interval(HEARTBEAT)
            .missed_heartbeats(MISSED_HEARTBEATS);
        Self {
            storage: SqliteStorage::new(pool).with_config(config),
        }
    }

    fn pool(&self) -> &SqlitePool {
        self.storage.pool()
    }

    /// Queues an apply of friend `plex_user_id`, unless one is already waiting.
    pub async fn push(&self, plex_user_id: i64) -> Result<(), QueueError> {
        self.push_many(&[plex_user_id]).await
    }

    /// Queues an apply of each friend (one transaction), skipping those already waiting.
    pub async fn push_many(&self, plex_user_ids: &[i64]) -> Result<(), QueueError> {
        if plex_user_ids.is_empty() {
            return Ok(());
        }
        // Owned tasks: a stream borrowing `plex_user_ids` would make the future not `Send`.
        let tasks: Vec<_> = plex_user_ids
            .iter()
            .map(|&plex_user_id| {
                TaskBuilder::new(ApplyFriend { plex_user_id })
                    .idempotency_key(waiting_key(plex_user_id))
                    .max_attempts(MAX_ATTEMPTS)
                    .build()
            })
            .collect();
        let mut sink = self.storage.clone();
        sink.push_all(futures_util::stream::iter(tasks)).await?;
        Ok(())
    }

    /// Jobs not finished yet: waiting, started, or failed with attempts left.
    pub async fn outstanding(&self) -> Result<i64, QueueError> {
        let count = sqlx::query_scalar(
            "SELECT COUNT(*) FROM Jobs WHERE job_type = ?1 AND (status IN ('Pending', 'Queued', \
             'Running') OR (status = 'Failed' AND attempts < max_attempts))",
        )
        .bind(QUEUE)
        .fetch_one(self.pool())
        .await?;
        Ok(count)
    }

    /// Puts jobs a previous run had fetched or started back to pending, and forgets the
    /// workers nothing refers to any more. Only at start: this process is the only one using
    /// the data directory, so no live worker holds them.
    async fn recover(&self) -> Result<u64, QueueError> {
        let mut tx = self.pool().begin().await?;
        let recovered = sqlx::query(
            "UPDATE Jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL \
             WHERE job_type = ?1 AND status IN ('Queued', 'Running')",
        )
        .bind(QUEUE)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(recovered)
    }

    /// Deletes jobs finished more than [`KEEP_FINISHED`] ago, then workers no job refers to.
    async fn prune(&self) -> Result<(), QueueError> {
        let before = chrono::Utc::now().timestamp() - KEEP_FINISHED.as_secs() as i64;
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "DELETE FROM Jobs WHERE job_type = ?1 AND done_at < ?2 AND (status IN ('Done', \
             'Killed') OR (status = 'Failed' AND attempts >= max_attempts))",
        )
        .bind(QUEUE)
        .bind(before)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM Workers WHERE worker_type = ?1 AND last_seen < ?2 AND id NOT IN \
             (SELECT lock_by FROM Jobs WHERE lock_by IS NOT NULL)",
        )
        .bind(QUEUE)
        .bind(
            chrono::Utc::now().timestamp()
                - (HEARTBEAT * MISSED_HEARTBEATS as u32).as_secs() as i64,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The job started: from now on a push for the friend queues a new job.
    async fn release_waiting_key(&self, task: &TaskId) -> Result<(), QueueError> {
        sqlx::query("UPDATE Jobs SET idempotency_key = NULL WHERE id = ?1")
            .bind(task.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error("Plexward is stopping; the job runs at the next start")]
    Stopping,
}

/// Lets a stop wait for the apply in flight *before* apalis is told to stop.
///
/// Once told, apalis stops polling its backend until the jobs in flight end — and it may be
/// holding a write transaction it has not committed yet (the "job started" mark, done lazily
/// after the fetch). The apply's own write would then wait for SQLite's lock until its busy
/// timeout, fail, and lose the record of a change Plex had made (seen under load: a 5 s stall
/// and the job failed with "database is locked"). So the stop takes this lock for writing,
/// which waits for the running handler (it holds it for reading) while apalis still polls, and
/// a handler that starts after that returns at once, touching nothing.
#[derive(Debug, Default)]
struct StopGate {
    stopping: tokio::sync::RwLock<bool>,
}

/// The handler: one apply. Only a database error is an error (apalis runs the job again).
async fn apply_friend(
    job: ApplyFriend,
    task: TaskId,
    queue: Data<ApplyQueue>,
    applier: Data<Arc<Applier>>,
    gate: Data<Arc<StopGate>>,
) -> Result<(), JobError> {
    let stopping = gate.stopping.read().await;
    if *stopping {
        // Failed with attempts left: fetched again at the next start, like a waiting job.
        return Err(JobError::Stopping);
    }
    queue.release_waiting_key(&task).await?;
    let id = job.plex_user_id;
    match applier.apply(id, &Actor::system()).await? {
        ApplyOutcome::Matched => tracing::debug!(friend = id, "apply job: Plex matches"),
        ApplyOutcome::Failed { next_retry_at, .. } => {
            // Recorded by the applier; the retry tick pushes the friend again when due.
            tracing::debug!(friend = id, next_retry_at, "apply job: Plex failed")
        }
        ApplyOutcome::Departed | ApplyOutcome::Missing => {
            tracing::debug!(friend = id, "apply job: nothing to apply")
        }
    }
    Ok(())
}

/// Runs the worker until `stop` turns true, then lets the apply in flight finish (a job fetched
/// meanwhile is left failed with attempts to spare, so the next start runs it) and returns. A worker that ends on an error (SQLite
/// unavailable) is started again after [`RESTART_DELAY`]. Finished jobs are pruned meanwhile.
pub async fn run(queue: ApplyQueue, applier: Arc<Applier>, stop: watch::Receiver<bool>) {
    tokio::join!(
        work(queue.clone(), applier, stop.clone()),
        prune_periodically(queue, stop)
    );
}

async fn work(queue: ApplyQueue, applier: Arc<Applier>, mut stop: watch::Receiver<bool>) {
    let gate = Arc::new(StopGate::default());
    loop {
        // A fresh name each time: apalis refuses a name whose worker was seen recently.
        let name = format!("{QUEUE}.worker-{}", uuid::Uuid::new_v4().simple());
        let worker = WorkerBuilder::new(name)
            .backend(
                queue
                    .storage
                    .clone()
                    .poll_with_strategy(EveryTick::new(POLL_INTERVAL)),
            )
            .data(queue.clone())
            .data(applier.clone())
            .data(gate.clone())
            .concurrency(1)
            .build(apply_friend);
        let mut signal = stop.clone();
        let closing = gate.clone();
        let ended = worker
            .run_until(async move {
                // A dropped sender also means stop.
                let _ = signal.wait_for(|stopped| *stopped).await;
                *closing.stopping.write().await = true;
                Ok::<(), WorkerError>(())
            })
            .await;
        if *stop.borrow() {
            return;
        }
        match ended {
            Ok(()) => tracing::warn!("the apply worker ended; starting it again"),
            Err(e) => tracing::warn!(error = %e, "the apply worker failed; starting it again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(RESTART_DELAY) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// Wakes the worker every `period`, so it looks for due jobs.
///
/// Instead of apalis' `poll_with_interval`: its `IntervalStrategy` replaces a fired timer
/// without polling the new one, so when the fetch that follows completes within the same poll,
/// nothing is left to wake the worker until its next heartbeat (seen here: a job waited 7–10 s
/// instead of 100 ms). A tokio interval polled until it is pending always leaves a timer armed.
#[derive(Debug)]
struct EveryTick(tokio::time::Interval);

impl EveryTick {
    fn new(period: Duration) -> Self {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        Self(interval)
    }
}

impl PollStrategy for EveryTick {
    fn poll_drive(
        &mut self,
        cx: &mut std::task::Context<'_>,
        _: &PollSnapshot,
    ) -> std::task::Poll<Option<()>> {
        let mut fired = false;
        while self.0.poll_tick(cx).is_ready() {
            fired = true;
        }
        if fired {
            std::task::Poll::Ready(Some(()))
        } else {
            std::task::Poll::Pending
        }
    }
}

async fn prune_periodically(queue: ApplyQueue, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tick.tick().await; // the first tick is immediate; `start` pruned already
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        if let Err(e) = queue.prune().await {
            tracing::warn!(error = %e, "could not prune finished apply jobs");
        }
    }
}
