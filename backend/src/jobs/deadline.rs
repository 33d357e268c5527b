//! The deadline tick: several times a second, finds every friend with a window edge in
//! `(last tick, now]` and applies them, so access starts and ends within a second of the time the
//! operator set. The database is the truth and applies are idempotent: a tick that runs late
//! (suspend, clock jump, a slow apply) just covers a longer interval; a clock that went backwards
//! restarts from the new present.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::access::applier::Applier;
use crate::audit::Actor;
use crate::db::{self, DbError, DbPool};

/// How often the tick runs. Short sleeps only: a long one would stop across a suspend.
pub const TICK: Duration = Duration::from_millis(250);

/// One tick: applies friends with an edge in `(after, upto]`; returns how many.
pub async fn tick(
    pool: &DbPool,
    applier: &Applier,
    after: i64,
    upto: i64,
) -> Result<usize, DbError> {
    if upto <= after {
        return Ok(0);
    }
    let due = db::run(pool, move |conn| {
        db::plex_users::with_edges_between(conn, after, upto)
    })
    .await?;
    for id in &due {
        tracing::info!(friend = id, "a window starts or ends: applying");
        applier.apply(*id, &Actor::system()).await?;
    }
    Ok(due.len())
}

/// Runs until `stop` turns true (an apply in flight finishes first).
pub async fn run(pool: DbPool, applier: Arc<Applier>, mut stop: watch::Receiver<bool>) {
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
        match tick(&pool, &applier, last, now).await {
            // Only move on when the interval was handled; a failed tick is retried whole.
            Ok(_) => last = now,
            Err(e) => tracing::warn!(error = %e, "deadline tick failed; retrying next tick"),
        }
    }
}
