//! The retry tick: every second, pushes an [`ApplyFriend`](super::apply_friend::ApplyFriend) job
//! for each friend whose failed apply is due for another try. One indexed query per tick; the
//! truth (who failed, when to retry) is in `apply_states`, so a restart loses nothing.
//!
//! Pushing a friend moves its `next_retry_at` forward by [`RETRY_LEASE`] (the state stays
//! `failed`), so the next ticks do not push it again while its job waits. When the job runs,
//! the applier clears the retry (success) or sets the next one with backoff (failure); if the
//! job never runs (lost), the lease expires and the friend is pushed again.

use std::time::Duration;

use tokio::sync::watch;

use super::apply_friend::ApplyQueue;
use crate::db::{self, DbPool};

const TICK: Duration = Duration::from_secs(1);

/// How far a pushed friend's retry moves forward while its job waits.
pub const RETRY_LEASE: Duration = Duration::from_secs(60);

/// Runs until `stop` turns true.
pub async fn run(pool: DbPool, queue: ApplyQueue, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        if let Err(e) = push_due(&pool, &queue).await {
            tracing::warn!(error = %e, "retry tick failed; trying again next tick");
        }
    }
}

/// Pushes the friends whose retry is due; returns how many.
pub async fn push_due(pool: &DbPool, queue: &ApplyQueue) -> anyhow::Result<usize> {
    let now = db::time::now_ms();
    let lease_until = now + RETRY_LEASE.as_millis() as i64;
    let due = db::run(pool, move |conn| {
        db::apply_states::claim_due_retries(conn, now, lease_until)
    })
    .await?;
    if !due.is_empty() {
        queue.push_many(&due).await?;
        tracing::debug!(friends = due.len(), "pushed due retries");
    }
    Ok(due.len())
}
