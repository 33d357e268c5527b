//! Starts the reconcile when the schedule says so: once at startup (to catch up on anything
//! missed while Plexward was down), then at every due time. It re-reads the settings each
//! second, so a change takes effect at once without a restart, and it only ever sleeps a
//! second at a time (a long sleep would not notice a suspend or a clock change). It decides when;
//! the reconcile itself is a job of the executor.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use plexward_shared::ScheduleSettings;
use tokio::sync::watch;

use crate::audit::Actor;
use crate::clock::SharedClock;
use crate::db::jobs::Job;
use crate::db::time::from_ms;
use crate::db::{self, DbError, DbPool};
use crate::jobs::Executor;
use crate::jobs::reconcile::{self, ReconcileJob};
use crate::scheduler::heartbeat::Heartbeat;
use crate::scheduler::{schedule, settings};

const TICK: Duration = Duration::from_secs(1);

/// The schedule, its time zone and the last reconcile, as the next run depends on them.
pub fn load_schedule(
    conn: &mut diesel::SqliteConnection,
) -> diesel::QueryResult<(ScheduleSettings, Tz, Option<Job>)> {
    Ok((
        settings::load(conn)?,
        settings::time_zone(conn)?,
        db::jobs::latest_of_kind(conn, reconcile::KIND)?,
    ))
}

/// When the next reconcile is due: after the last one started, or after `since` when none ran.
pub fn next_run_after(
    settings: &ScheduleSettings,
    tz: Tz,
    last: Option<&Job>,
    since: i64,
) -> DateTime<Utc> {
    let after = last.map_or(since, |j| j.started_at.unwrap_or(j.created_at));
    schedule::next_run(settings, tz, from_ms(after))
}

async fn next_run_at(pool: &DbPool, since: i64) -> Result<DateTime<Utc>, DbError> {
    let (settings, tz, last) = db::run(pool, load_schedule).await?;
    Ok(next_run_after(&settings, tz, last.as_ref(), since))
}

/// Runs until `stop` turns true; `heartbeat` records each evaluation of the schedule (the clock
/// time it was evaluated at), so tests can wait for one instead of sleeping.
pub async fn run(
    pool: DbPool,
    executor: Arc<Executor>,
    clock: SharedClock,
    heartbeat: Heartbeat,
    mut stop: watch::Receiver<bool>,
) {
    let started = clock.now_ms();
    if executor.context().plex.client().is_some()
        && let Err(e) = executor.submit_unique(ReconcileJob, Actor::system()).await
    {
        tracing::warn!(error = %e, "could not start the startup reconcile");
    }
    let mut jumps = clock.jumps();
    loop {
        let now = clock.now_ms();
        let due = match next_run_at(&pool, started).await {
            Ok(at) => at.timestamp_millis() <= now,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the schedule; retrying");
                false
            }
        };
        if due && let Err(e) = executor.submit_unique(ReconcileJob, Actor::system()).await {
            tracing::warn!(error = %e, "could not start the scheduled reconcile");
        }
        heartbeat.beat_at(now);
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
