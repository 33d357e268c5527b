//! How Plexward treats the Plex server's friends: the anchor library, the time zone times are
//! shown and entered in, and what to do about drift. (The connection itself — URL and token —
//! is `crate::plex::connection`.)

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::DriftPolicy;
use serde::{Deserialize, Serialize};

use crate::db;

const KEY: &str = "plex.preferences";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlexPreferences {
    /// Plexward id of the library every shared friend keeps.
    pub anchor_library_id: Option<i64>,
    /// IANA name; `None` = the host's time zone.
    pub time_zone: Option<String>,
    pub drift_policy: DriftPolicy,
}

pub fn load(conn: &mut SqliteConnection) -> QueryResult<PlexPreferences> {
    db::settings::get(conn, KEY)
}

pub fn save(conn: &mut SqliteConnection, prefs: &PlexPreferences) -> QueryResult<()> {
    db::settings::put(conn, KEY, prefs)
}
