//! Queries on `sessions` and `refresh_tokens`.

use diesel::prelude::*;

use crate::db::schema::{refresh_tokens, sessions};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub account_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub method: String,
    pub mfa_enrolment_pending: bool,
}

impl Session {
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub account_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub method: &'a str,
    pub mfa_enrolment_pending: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub token_hash: String,
    pub session_id: String,
    pub created_at: i64,
    pub used_at: Option<i64>,
}

pub fn insert(conn: &mut SqliteConnection, new: &NewSession<'_>) -> QueryResult<usize> {
    diesel::insert_into(sessions::table)
        .values(new)
        .execute(conn)
}

pub fn find(conn: &mut SqliteConnection, id: &str) -> QueryResult<Option<Session>> {
    sessions::table
        .find(id)
        .select(Session::as_select())
        .first(conn)
        .optional()
}

/// The live sessions of `account_id`, the most recently seen first.
pub fn live_for_account(
    conn: &mut SqliteConnection,
    account_id: i64,
    now: i64,
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::account_id.eq(account_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order((sessions::last_seen_at.desc(), sessions::id))
        .select(Session::as_select())
        .load(conn)
}

/// The account's sessions no longer need to set up two-factor sign-in (it has it now).
pub fn clear_mfa_enrolment(conn: &mut SqliteConnection, account_id: i64) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::account_id.eq(account_id))
            .filter(sessions::mfa_enrolment_pending.eq(true)),
    )
    .set(sessions::mfa_enrolment_pending.eq(false))
    .execute(conn)
}

pub fn extend(
    conn: &mut SqliteConnection,
    id: &str,
    now: i64,
    expires_at: i64,
) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id))
        .set((
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
}

pub fn revoke(conn: &mut SqliteConnection, id: &str, now: i64, reason: &str) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)
}

/// Revokes every live session of an account, except `keep` (the caller's own, on password change).
pub fn revoke_all_for_account(
    conn: &mut SqliteConnection,
    account_id: i64,
    keep: Option<&str>,
    now: i64,
    reason: &str,
) -> QueryResult<usize> {
    let target = sessions::table
        .filter(sessions::account_id.eq(account_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::id.ne(keep.unwrap_or("")));
    diesel::update(target)
        .set((
            sessions::revoked_at.eq(now),
            sessions::revoked_reason.eq(reason),
        ))
        .execute(conn)
}

pub fn insert_refresh(
    conn: &mut SqliteConnection,
    token_hash: &str,
    session_id: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)
}

pub fn find_refresh(
    conn: &mut SqliteConnection,
    token_hash: &str,
) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .find(token_hash)
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()
}

pub fn mark_refresh_used(
    conn: &mut SqliteConnection,
    token_hash: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .find(token_hash)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)
}

/// Deletes sessions that ended (expired or revoked) more than a day ago, with their refresh
/// tokens (cascade). The day of grace keeps a just-revoked session to recognise a stolen refresh
/// token replayed soon after.
pub fn purge_ended(conn: &mut SqliteConnection, now: i64) -> QueryResult<usize> {
    let cutoff = now - 24 * 3600 * 1000;
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(cutoff)
                .or(sessions::revoked_at.lt(cutoff)),
        ),
    )
    .execute(conn)
}
