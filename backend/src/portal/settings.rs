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

/// The public address as stored: an `http(s)` URL with a host and no query or fragment, without
/// a trailing slash; empty is none.
fn public_url(value: Option<&str>) -> Result<Option<String>, PortalError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let invalid = |why: &str| PortalError::Invalid("public_url", why.to_owned());
    if value.len() > 300 {
        return Err(invalid("at most 300 characters"));
    }
    let url = url::Url::parse(value)
        .map_err(|_| invalid("an address such as https://plex.example.com/plexward"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid("an http:// or https:// address with a host name"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid("no query, fragment or user name"));
    }
    Ok(Some(url.as_str().trim_end_matches('/').to_owned()))
}

/// Saves the switch and the public address, audited (`settings.portal_update`); off ends every
/// portal session.
pub async fn save(
    pool: &DbPool,
    actor: &Actor,
    wanted: PortalSettings,
) -> Result<PortalSettings, PortalError> {
    let wanted = PortalSettings {
        public_url: public_url(wanted.public_url.as_deref())?,
        ..wanted
    };
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
                        "public_url": {"from": before.public_url, "to": wanted.public_url},
                        "portal_sessions_ended": ended,
                    }))
                    .insert(conn)?;
            }
            Ok(wanted)
        })
    })
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_address_is_a_plain_web_address() {
        let ok = |v: &str| public_url(Some(v)).ok().flatten();
        assert_eq!(
            ok(" https://plex.example.com/plexward/ ").as_deref(),
            Some("https://plex.example.com/plexward")
        );
        assert_eq!(
            ok("http://10.0.0.5:8080").as_deref(),
            Some("http://10.0.0.5:8080")
        );
        assert!(public_url(Some("")).is_ok_and(|v| v.is_none()));
        for bad in [
            "plex.example.com",
            "ftp://x.example",
            "https://x.example/?a=1",
            "javascript:alert(1)",
        ] {
            assert!(public_url(Some(bad)).is_err(), "{bad}");
        }
    }
}
