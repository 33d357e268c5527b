//! Starts the reconcile when the schedule says so: once at startup (to catch up on anything
//! missed while Plexward was down), then at every due time. It re-reads the settings each
//! second, so a change takes effect at once without a restart, and it only ever sleeps a
//! second at a time (a long sleep would not notice a suspend or a clock change).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use plexward_shared::ScheduleSettings;
use tokio::sync::watch;

use crate::access::applier::Applier;
use crate::audit::Actor;
use crate::db::jobs::Job;
use crate::db::time::from_ms;
use crate::db::{self, DbError, DbPool};
use crate::jobs::reconcile;
use crate::plex::connection::PlexConnection;
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

pub async fn run(
    pool: DbPool,
    plex: Arc<PlexConnection>,
    applier: Arc<Applier>,
    mut stop: watch::Receiver<bool>,
) {
    let started = applier.now();
    if plex.client().is_some()
        && let Err(e) = reconcile::start(&pool, &plex, &applier, Actor::system()).await
    {
        tracing::warn!(error = %e, "could not start the startup reconcile");
    }
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
        let due = match next_run_at(&pool, started).await {
            Ok(at) => at.timestamp_millis() <= applier.now(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the schedule; retrying");
                false
            }
        };
        if due && let Err(e) = reconcile::start(&pool, &plex, &applier, Actor::system()).await {
            tracing::warn!(error = %e, "could not start the scheduled reconcile");
        }
    }
}
