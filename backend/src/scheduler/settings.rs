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

/// The zone of the Plex settings (where daily times are read).
pub fn time_zone(conn: &mut SqliteConnection) -> QueryResult<Tz> {
    crate::settings::plex::time_zone(conn)
}

/// Saves `update` over the saved schedule with its audit event, in one transaction: the new
/// settings, or the bad fields (nothing saved).
pub async fn update(
    pool: &db::DbPool,
    update: &plexward_shared::ScheduleUpdate,
    actor: &crate::audit::Actor,
) -> Result<Result<ScheduleSettings, crate::access::grants::FieldErrors>, db::DbError> {
    let (update, actor) = (update.clone(), actor.clone());
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let before = load(conn)?;
            let new = match super::schedule::updated(&before, &update) {
                Ok(new) => new,
                Err(fields) => return Ok(Err(fields)),
            };
            save(conn, &new)?;
            crate::audit::Event::new("scheduler.update", crate::audit::Outcome::Success, &actor)
                .details(serde_json::json!({ "before": before, "after": new }))
                .insert(conn)?;
            Ok(Ok(new))
        })
    })
    .await
}
