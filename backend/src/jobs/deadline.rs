//! The deadline tick: several times a second, finds every friend with a window edge in
//! `(last tick, now]`, and every friend whose failed apply is due for another try, and pushes an
//! [`ApplyFriend`](super::apply_friend::ApplyFriend) job for each, so access starts and ends
//! within a second of the time the operator set. Two indexed queries per tick, never a scan of
//! all friends.
//!
//! The database is the truth and jobs are only triggers: a tick that runs late (suspend, clock
//! jump, a slow database) just covers a longer interval; a clock that went backwards restarts
//! from the new present; a lost job is made up for by the retry lease or the next reconcile.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::apply_friend::ApplyQueue;
use super::retry;
use crate::access::applier::Applier;
use crate::db::{self, DbPool};
use crate::scheduler::heartbeat::Heartbeat;

/// How often the tick runs. Short sleeps only: a long one would stop across a suspend.
pub const TICK: Duration = Duration::from_millis(250);

/// What one tick pushed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// Friends with a window start or end in the interval.
    pub edges: usize,
    /// Friends whose retry was due.
    pub retries: usize,
}

/// One tick over `(after, upto]`: pushes the friends with an edge in it and those whose retry
/// is due at `upto`.
pub async fn tick(
    pool: &DbPool,
    queue: &ApplyQueue,
    after: i64,
    upto: i64,
) -> anyhow::Result<Pushed> {
    let edges = if upto > after {
        db::run(pool, move |conn| {
            db::plex_users::with_edges_between(conn, after, upto)
        })
        .await?
    } else {
        Vec::new()
    };
    if !edges.is_empty() {
        let ids: Vec<i64> = edges.iter().map(|(id, _)| *id).collect();
        tracing::info!(friends = ?ids, "windows start or end: queueing applies");
        for (id, at) in &edges {
            crate::metrics::global().deadline_passed(*id, *at);
        }
        queue.push_many(&ids).await?;
    }
    let retries = retry::push_due(pool, queue, upto).await?;
    Ok(Pushed {
        edges: edges.len(),
        retries,
    })
}

/// Runs until `stop` turns true. Time comes from the applier's clock (tests move it).
pub async fn run(
    pool: DbPool,
    applier: Arc<Applier>,
    queue: ApplyQueue,
    heartbeat: Heartbeat,
    mut stop: watch::Receiver<bool>,
) {
    let mut last = applier.now();
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        let now = applier.now();
        if now < last {
            // The clock went backwards: restart from the new present (the edges between were
            // handled when the clock first passed them).
            last = now;
            continue;
        }
        match tick(&pool, &queue, last, now).await {
            // Only move on when the interval was handled; a failed tick is retried whole.
            Ok(_) => {
                last = now;
                heartbeat.beat();
            }
            Err(e) => tracing::warn!(error = %e, "deadline tick failed; retrying next tick"),
        }
    }
}
