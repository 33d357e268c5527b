//! Queries on `portal_sessions` (a friend's portal sign-in), and finding the friend a Plex
//! account is.

use diesel::prelude::*;

use crate::db::schema::{plex_users, portal_sessions};

/// A new portal session's row.
#[derive(Debug, Insertable)]
#[diesel(table_name = portal_sessions)]
pub struct NewPortalSession<'a> {
    pub token_hash: &'a str,
    pub plex_user_id: i64,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// The friend (our `plex_users.id`) whose plex.tv account is `plex_account_id`, if it is one of
/// this server's and has not left.
pub fn friend_of_account(
    conn: &mut SqliteConnection,
    plex_account_id: i64,
) -> QueryResult<Option<i64>> {
    plex_users::table
        .filter(plex_users::plex_user_id.eq(plex_account_id))
        .filter(plex_users::departed_at.is_null())
        .select(plex_users::id)
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut SqliteConnection, row: &NewPortalSession<'_>) -> QueryResult<()> {
    // Sign-ins are rare and write anyway: a good moment to forget ended sessions.
    diesel::delete(portal_sessions::table.filter(portal_sessions::expires_at.le(row.created_at)))
        .execute(conn)?;
    diesel::insert_into(portal_sessions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The friend of the live session `token_hash`, marking it seen (at most once a minute).
pub fn touch(conn: &mut SqliteConnection, token_hash: &str, now: i64) -> QueryResult<Option<i64>> {
    let found: Option<(i64, i64)> = portal_sessions::table
        .find(token_hash)
        .filter(portal_sessions::expires_at.gt(now))
        .select((portal_sessions::plex_user_id, portal_sessions::last_seen_at))
        .first(conn)
        .optional()?;
    if let Some((_, seen)) = found
        && now - seen > 60_000
    {
        diesel::update(portal_sessions::table.find(token_hash))
            .set(portal_sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(found.map(|(friend, _)| friend))
}

pub fn delete(conn: &mut SqliteConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(portal_sessions::table.find(token_hash)).execute(conn)
}

/// Every portal session (the portal was switched off): how many ended.
pub fn delete_all(conn: &mut SqliteConnection) -> QueryResult<usize> {
    diesel::delete(portal_sessions::table).execute(conn)
}

/// Whether friend `plex_user_id` is still one of this server's.
pub fn friend_is_current(conn: &mut SqliteConnection, plex_user_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        plex_users::table
            .find(plex_user_id)
            .filter(plex_users::departed_at.is_null()),
    ))
    .get_result(conn)
}
