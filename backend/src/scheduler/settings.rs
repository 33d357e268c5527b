//! The reconcile schedule as stored (one JSON row of `settings`), and the zone it is read in.

use chrono_tz::Tz;
use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::ScheduleSettings;

use crate::db;

const KEY: &str = "scheduler";

pub fn load(conn: &mut SqliteConnection) -> QueryResult<ScheduleSettings> {
    db::settings::get(conn, KEY)
}

pub fn save(conn: &mut SqliteConnection, settings: &ScheduleSettings) -> QueryResult<()> {
    db::settings::put(conn, KEY, settings)
}

/// The zone of the Plex settings (where daily times are read), UTC when unset or unknown.
pub fn time_zone(conn: &mut SqliteConnection) -> QueryResult<Tz> {
    let prefs = crate::settings::plex::load(conn)?;
    Ok(prefs
        .time_zone
        .as_deref()
        .and_then(|name| name.parse().ok())
        .unwrap_or(Tz::UTC))
}
