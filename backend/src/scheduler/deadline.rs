//! The deadline worker: sleeps until the next window edge (or the next retry due), or until
//! grants change, and then applies every friend with an edge in `(last pass, now]` at once,
//! through the executor (no queue poll between the edge and the Plex request), and queues the
//! friends whose failed apply is due for another try. Two indexed queries per pass, never a scan
//! of all friends.
//!
//! Sleeps are capped at [`MAX_SLEEP`], so a clock jump or a suspend is noticed within a second.
//! The database is the truth and the plan is computed at the moment of the apply: a pass that
//! runs late (suspend, clock jump, a slow database) just covers a longer interval, and a window
//! that began and ended within it is never granted after the fact; a clock that went backwards
//! restarts from the new present.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::heartbeat::Heartbeat;
use super::retry;
use crate::clock::SharedClock;
use crate::db::{self, DbPool};
use crate::jobs::Executor;
use crate::jobs::apply_friend::ApplyQueue;

/// The longest sleep: a clock change or a suspend is noticed within this.
pub const MAX_SLEEP: Duration = Duration::from_secs(1);

/// Pause after a failed pass (the database did not answer) before the next.
const AFTER_FAILURE: Duration = Duration::from_millis(250);

/// What one pass started.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// Friends with a window start or end in the interval (applied now).
    pub edges: usize,
    /// Friends whose retry was due (queued).
    pub retries: usize,
}

/// The worker's parts.
#[derive(Debug, Clone)]
pub struct Deadlines {
    pub pool: DbPool,
    pub clock: SharedClock,
    pub executor: Arc<Executor>,
    pub queue: ApplyQueue,
    pub heartbeat: Heartbeat,
    /// Notified when grants change (a new edge may be nearer than the one slept towards).
    pub wake: Arc<Notify>,
}

impl Deadlines {
    /// One pass over `(after, upto]`: applies the friends with an edge in it and queues those
    /// whose retry is due at `upto`.
    pub async fn pass(&self, after: i64, upto: i64) -> anyhow::Result<Pushed> {
        let edges = if upto > after {
            db::run(&self.pool, move |conn| {
                db::plex_users::with_edges_between(conn, after, upto)
            })
            .await?
        } else {
            Vec::new()
        };
        if !edges.is_empty() {
            let ids: Vec<i64> = edges.iter().map(|(id, _)| *id).collect();
            tracing::info!(friends = ?ids, "windows start or end: applying");
            for (id, at) in &edges {
                crate::metrics::global().deadline_passed(*id, *at);
            }
            self.executor.apply_now(ids.clone());
            // Off the edge's path to Plex: weekly grants that passed an edge move on to their
            // next one (a failure leaves the passed edge, so the next pass tries again).
            db::run(&self.pool, move |conn| {
                crate::access::repeat_edges::refresh(conn, Some(&ids), upto)
            })
            .await?;
        }
        let retries = retry::push_due(&self.pool, &self.queue, upto).await?;
        Ok(Pushed {
            edges: edges.len(),
            retries,
        })
    }

    /// How long to sleep after a pass that covered up to `covered`: until the next edge or
    /// retry, at most [`MAX_SLEEP`].
    async fn sleep_for(&self, covered: i64) -> Duration {
        let next = db::run(&self.pool, move |conn| {
            Ok((
                db::grant_edges::next_edge_after(conn, covered)?,
                db::grant_edges::next_retry_at(conn)?,
            ))
        })
        .await;
        let next = match next {
            Ok((edge, retry)) => match (edge, retry) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the next deadline");
                None
            }
        };
        match next {
            Some(at) => {
                let ms = (at - self.clock.now_ms()).max(0) as u64;
                Duration::from_millis(ms).min(MAX_SLEEP)
            }
            None => MAX_SLEEP,
        }
    }

    /// Every weekly grant's next edge, recomputed from `now` (at start: the rules or the zone
    /// data may have changed while stopped).
    async fn refresh_weekly(&self, now: i64) {
        let refreshed = db::run(&self.pool, move |conn| {
            crate::access::repeat_edges::refresh(conn, None, now)
        })
        .await;
        if let Err(e) = refreshed {
            tracing::warn!(error = %e, "cannot compute the weekly windows' next edges");
        }
    }

    /// Runs until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut jumps = self.clock.jumps();
        let mut last = self.clock.now_ms();
        self.refresh_weekly(last).await;
        loop {
            if *stop.borrow() {
                return;
            }
            let now = self.clock.now_ms();
            let wait = if now < last {
                // The clock went backwards: restart from the new present (the edges between
                // were handled when the clock first passed them), weekly edges recomputed.
                last = now;
                self.refresh_weekly(now).await;
                Duration::ZERO
            } else {
                match self.pass(last, now).await {
                    // Only move on when the interval was handled; a failed pass is retried whole.
                    Ok(_) => {
                        last = now;
                        self.heartbeat.beat_at(now);
                        self.sleep_for(now).await
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "deadline pass failed; retrying");
                        AFTER_FAILURE
                    }
                }
            };
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.wake.notified() => {}
                () = crate::clock::jumped(&mut jumps) => {}
                changed = stop.changed() => if changed.is_err() { return },
            }
        }
    }
}
