//! Starts a scheduled backup when one is due: `backup_interval_hours` after the last backup
//! started (manual ones count), or, when there has never been one, an hour after start (at most
//! the interval), so a first backup exists early without one at every start. It ticks each second
//! on the access clock, like the reconcile schedule, so a suspend or a clock change is noticed.

use std::sync::Arc;
use std::time::Duration;

use plexward_shared::BackupTrigger;
use tokio::sync::watch;

use crate::audit::Actor;
use crate::backups::BackupPlan;
use crate::clock::SharedClock;
use crate::db::{self, DbPool};
use crate::jobs::Executor;
use crate::jobs::backup::{self, BackupJob};

const TICK: Duration = Duration::from_secs(1);
const HOUR_MS: i64 = 3_600_000;

/// When the next scheduled backup is due (Unix ms): `interval` after `last` started, else
/// `min(interval, 1 h)` after `started`.
pub fn next_due(interval_hours: u32, last_started: Option<i64>, started: i64) -> i64 {
    let interval = i64::from(interval_hours) * HOUR_MS;
    match last_started {
        Some(last) => last + interval,
        None => started + interval.min(HOUR_MS),
    }
}

/// Runs until `stop` turns true; returns at once when scheduled backups are off.
pub async fn run(
    pool: DbPool,
    executor: Arc<Executor>,
    clock: SharedClock,
    plan: BackupPlan,
    mut stop: watch::Receiver<bool>,
) {
    if plan.interval_hours == 0 {
        return;
    }
    let started = clock.now_ms();
    let mut jumps = clock.jumps();
    loop {
        let last = db::run(&pool, |conn| db::jobs::latest_of_kind(conn, backup::KIND)).await;
        match last {
            Ok(last) => {
                let last = last.map(|j| j.started_at.unwrap_or(j.created_at));
                if next_due(plan.interval_hours, last, started) <= clock.now_ms() {
                    let job = BackupJob {
                        trigger: BackupTrigger::Scheduled,
                        data_dir: plan.data_dir.clone(),
                        keep: plan.keep,
                    };
                    if let Err(e) = executor.submit_unique(job, Actor::system()).await {
                        tracing::warn!(error = %e, "could not start the scheduled backup");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the last backup; retrying"),
        }
        tokio::select! {
            () = tokio::time::sleep(TICK) => {}
            () = crate::clock::jumped(&mut jumps) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
        if *stop.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{HOUR_MS, next_due};

    #[test]
    fn due_an_interval_after_the_last_or_soon_after_a_first_start() {
        assert_eq!(next_due(24, Some(1_000), 5_000), 1_000 + 24 * HOUR_MS);
        assert_eq!(next_due(24, None, 5_000), 5_000 + HOUR_MS);
        // A short interval is not stretched to an hour.
        assert_eq!(next_due(1, None, 0), HOUR_MS);
        assert_eq!(
            next_due(6, Some(0), 10 * HOUR_MS),
            6 * HOUR_MS,
            "overdue: due now"
        );
    }
}
