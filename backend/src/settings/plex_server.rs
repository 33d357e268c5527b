//! The Plex server Plexward manages, as the last sync found it. The applier needs its machine id
//! for every plex.tv call; keeping it saves a PMS round trip per apply.

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use serde::{Deserialize, Serialize};

use crate::db;

const KEY: &str = "plex.server";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerIdentity {
    pub machine_id: Option<String>,
    pub name: Option<String>,
    /// Whether the owner's account has Plex Pass (content restrictions need it), as the last
    /// sync found it (`None`: not known).
    pub plex_pass: Option<bool>,
}

pub fn load(conn: &mut SqliteConnection) -> QueryResult<ServerIdentity> {
    db::settings::get(conn, KEY)
}

pub fn save(conn: &mut SqliteConnection, server: &ServerIdentity) -> QueryResult<()> {
    db::settings::put(conn, KEY, server)
}
