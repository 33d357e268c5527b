//! The portal's switch (one `settings` row, `portal`): off by default. Switching it off ends
//! every portal session at once.

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::PortalSettings;
use serde_json::json;

use crate::audit::{Actor, Event, Outcome};
use crate::db::{self, DbPool};
use crate::portal::PortalError;

const KEY: &str = "portal";

pub fn load(conn: &mut SqliteConnection) -> QueryResult<PortalSettings> {
    db::settings::get(conn, KEY)
}

/// Stores the switch as it is (no audit: set-up and tests).
pub fn save_now(conn: &mut SqliteConnection, wanted: &PortalSettings) -> QueryResult<()> {
    db::settings::put(conn, KEY, wanted)
}

pub async fn get(pool: &DbPool) -> Result<PortalSettings, PortalError> {
    Ok(db::run(pool, load).await?)
}

/// Saves the switch, audited (`settings.portal_update`); off ends every portal session.
pub async fn save(
    pool: &DbPool,
    actor: &Actor,
    wanted: PortalSettings,
) -> Result<PortalSettings, PortalError> {
    let actor = actor.clone();
    Ok(db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let before = load(conn)?;
            db::settings::put(conn, KEY, &wanted)?;
            let ended = if wanted.enabled {
                0
            } else {
                db::portal_sessions::delete_all(conn)?
            };
            if before != wanted {
                Event::new("settings.portal_update", Outcome::Success, &actor)
                    .target("settings", "portal")
                    .ip(actor.ip.clone())
                    .details(json!({
                        "enabled": {"from": before.enabled, "to": wanted.enabled},
                        "portal_sessions_ended": ended,
                    }))
                    .insert(conn)?;
            }
            Ok(wanted)
        })
    })
    .await?)
}
