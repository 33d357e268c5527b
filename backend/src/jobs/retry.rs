//! The retry loop: every second, applies the friends whose failed apply is due for another try.
//! One indexed query per tick; the truth (who failed, when to retry) is in `apply_states`, so a
//! restart loses nothing. The scheduler issue folds this into the apalis deadline worker.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::access::applier::Applier;

const TICK: Duration = Duration::from_secs(1);

/// Runs until `stop` turns true; an apply in flight finishes first.
pub async fn run(applier: Arc<Applier>, mut stop: watch::Receiver<bool>) {
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
        if let Err(e) = applier.retry_due().await {
            tracing::warn!(error = %e, "retry tick failed; trying again next tick");
        }
    }
}
