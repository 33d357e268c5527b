//! The reconcile schedule as stored (one JSON row of `settings`), and the zone it is read in.

use chrono_tz::Tz;
use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::ScheduleSettings;

use crate::db;
use crate::settings::SettingsError;

const KEY: &str = "scheduler";
/// What the schedule's version (`ETag`) covers.
pub const TAGGED_KEYS: [&str; 1] = [KEY];

pub fn load(conn: &mut SqliteConnection) -> QueryResult<ScheduleSettings> {
    db::settings::get(conn, KEY)
}

pub fn save(conn: &mut SqliteConnection, settings: &ScheduleSettings) -> QueryResult<()> {
    db::settings::put(conn, KEY, settings)
}

/// The zone of the Plex settings (where daily times are read).
pub fn time_zone(conn: &mut SqliteConnection) -> QueryResult<Tz> {
    crate::settings::plex::time_zone(conn)
}

/// Saves `update` over the saved schedule with its audit event, in one transaction: the new
/// settings, or the bad fields, or [`SettingsError::Stale`] when `expected` (an `If-Match` tag)
/// no longer names the stored schedule (nothing saved).
pub async fn update(
    pool: &db::DbPool,
    update: &plexward_shared::ScheduleUpdate,
    expected: Option<String>,
    actor: &crate::audit::Actor,
) -> Result<ScheduleSettings, SettingsError> {
    let (update, actor) = (update.clone(), actor.clone());
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if !db::settings::still(conn, &TAGGED_KEYS, expected.as_deref())? {
                return Ok(Err(SettingsError::Stale));
            }
            let before = load(conn)?;
            let new = match super::schedule::updated(&before, &update) {
                Ok(new) => new,
                Err(fields) => return Ok(Err(SettingsError::Invalid(fields))),
            };
            save(conn, &new)?;
            crate::audit::Event::new("scheduler.update", crate::audit::Outcome::Success, &actor)
                .details(serde_json::json!({ "before": before, "after": new }))
                .insert(conn)?;
            Ok(Ok(new))
        })
    })
    .await?
}
