//! Retries of failed applies, pushed by the [deadline worker](super::deadline): each pass claims
//! the friends whose failed apply is due for another try and pushes an
//! [`ApplyFriend`](crate::jobs::apply_friend::ApplyFriend) job for each. The truth (who failed, when
//! to retry) is in `apply_states`, so a restart loses nothing.
//!
//! Claiming a friend moves its `next_retry_at` forward by [`RETRY_LEASE`] (the state stays
//! `failed`), so the next passes do not push it again while its job waits. When the job runs,
//! the applier clears the retry (success) or sets the next one with backoff (failure); if the
//! job never runs (lost), the lease expires and the friend is pushed again. Retries go on
//! forever (the backoff is capped), for revokes above all: a revoke is never given up.

use std::time::Duration;

use crate::db::{self, DbPool};
use crate::jobs::apply_friend::ApplyQueue;

/// How far a pushed friend's retry moves forward while its job waits.
pub const RETRY_LEASE: Duration = Duration::from_secs(60);

/// Pushes the friends whose retry is due at `now` (ms); returns how many.
pub async fn push_due(pool: &DbPool, queue: &ApplyQueue, now: i64) -> anyhow::Result<usize> {
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
