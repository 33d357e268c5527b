//! Queries on `idempotency_keys`: the first answer to each `Idempotency-Key`, per account.

use diesel::prelude::*;

use crate::db::schema::idempotency_keys as keys;

/// How long a key is remembered.
pub const KEPT_MS: i64 = 24 * 60 * 60 * 1000;

/// What is stored for a key.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Stored {
    pub method: String,
    pub path: String,
    /// `None` while the first request is still running.
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
}

/// Claims `key` for a request (`method` `path`) now: true when it was free (older claims than a
/// day are forgotten first), false when it is taken (look it up with [`find`]).
pub fn claim(
    conn: &mut SqliteConnection,
    account_id: i64,
    key: &str,
    method: &str,
    path: &str,
    now: i64,
) -> QueryResult<bool> {
    diesel::delete(keys::table.filter(keys::created_at.lt(now - KEPT_MS))).execute(conn)?;
    let inserted = diesel::insert_or_ignore_into(keys::table)
        .values((
            keys::account_id.eq(account_id),
            keys::key.eq(key),
            keys::method.eq(method),
            keys::path.eq(path),
            keys::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(inserted == 1)
}

pub fn find(
    conn: &mut SqliteConnection,
    account_id: i64,
    key: &str,
) -> QueryResult<Option<Stored>> {
    keys::table
        .find((account_id, key))
        .select((
            keys::method,
            keys::path,
            keys::status,
            keys::content_type,
            keys::body,
        ))
        .first(conn)
        .optional()
}

/// Keeps the first answer to `key`.
pub fn complete(
    conn: &mut SqliteConnection,
    account_id: i64,
    key: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> QueryResult<()> {
    diesel::update(keys::table.find((account_id, key)))
        .set((
            keys::status.eq(Some(i32::from(status))),
            keys::content_type.eq(content_type),
            keys::body.eq(Some(body)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets `key` (its request failed in a way a retry may fix).
pub fn release(conn: &mut SqliteConnection, account_id: i64, key: &str) -> QueryResult<()> {
    diesel::delete(keys::table.find((account_id, key))).execute(conn)?;
    Ok(())
}
