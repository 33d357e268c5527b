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

/// The zone of the Plex settings (where daily times are read): the saved one, else the host's,
/// else UTC.
pub fn time_zone(conn: &mut SqliteConnection) -> QueryResult<Tz> {
    let prefs = crate::settings::plex::load(conn)?;
    Ok(crate::settings::plex::effective_time_zone(&prefs)
        .parse()
        .unwrap_or(Tz::UTC))
}
