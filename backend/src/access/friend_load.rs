//! Loading friends and the catalog from the database: rows in, [`Friend`]s and a [`Catalog`] out.
//! The rules that use them are in `friend`, the API's view of them in `friend_dto`.

use std::collections::HashMap;

use diesel::SqliteConnection;
use diesel::result::QueryResult;

use crate::access::friend::{Catalog, Friend};
use crate::db;
use crate::db::apply_states::ApplyRow;
use crate::db::libraries::Library;

impl Catalog {
    pub fn load(conn: &mut SqliteConnection) -> QueryResult<Self> {
        Ok(Self::load_with_libraries(conn)?.0)
    }

    /// The catalog and the library rows it was built from (removed ones included).
    pub fn load_with_libraries(conn: &mut SqliteConnection) -> QueryResult<(Self, Vec<Library>)> {
        let libraries = db::libraries::list(conn)?;
        let prefs = crate::settings::plex::load(conn)?;
        let zone = crate::settings::plex::effective_time_zone(&prefs)
            .parse()
            .unwrap_or(chrono_tz::Tz::UTC);
        // (settings::plex::time_zone would read the preferences a second time.)
        let catalog = Self::new(&libraries, prefs.anchor_library_id)
            .in_time_zone(zone)
            .with_end_policy(prefs.end_policy);
        Ok((catalog, libraries))
    }
}

impl Friend {
    pub fn load(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<Self>> {
        let Some(user) = db::plex_users::find(conn, id)? else {
            return Ok(None);
        };
        let grants = db::plex_users::grants_of(conn, id)?;
        let apply = db::apply_states::find(conn, id)?;
        Ok(Some(Self {
            user,
            grants,
            apply,
        }))
    }

    /// Every friend, departed ones last, by title.
    pub fn load_all(conn: &mut SqliteConnection) -> QueryResult<Vec<Self>> {
        let grants = db::plex_users::all_grants(conn)?;
        let applies = db::apply_states::all(conn)?;
        Ok(assemble(db::plex_users::list(conn)?, grants, applies))
    }

    /// The friends with these ids that exist, in no particular order: a few queries whatever
    /// their number.
    pub fn load_some(conn: &mut SqliteConnection, ids: &[i64]) -> QueryResult<Vec<Self>> {
        let grants = db::plex_users::grants_of_some(conn, ids)?;
        let applies = db::apply_states::some(conn, ids)?;
        Ok(assemble(
            db::plex_users::list_some(conn, ids)?,
            grants,
            applies,
        ))
    }
}

fn assemble(
    users: Vec<db::plex_users::PlexUser>,
    mut grants: HashMap<i64, Vec<db::plex_users::GrantRow>>,
    applies: Vec<ApplyRow>,
) -> Vec<Friend> {
    let mut applies: HashMap<i64, ApplyRow> =
        applies.into_iter().map(|a| (a.plex_user_id, a)).collect();
    users
        .into_iter()
        .map(|user| Friend {
            grants: grants.remove(&user.id).unwrap_or_default(),
            apply: applies.remove(&user.id),
            user,
        })
        .collect()
}
