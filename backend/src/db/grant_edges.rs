//! When the deadline worker must next wake: the first window edge after a time, and the first
//! retry due. Index lookups (`grants_starts_at`, `grants_ends_at`), whatever the number of friends.

use diesel::dsl::min;
use diesel::prelude::*;

use crate::db::schema::{apply_states, grants};

/// The earliest window start or end strictly after `after` (Unix ms), if any. Departed friends'
/// grants count too: at worst they wake the worker once for nothing.
pub fn next_edge_after(conn: &mut SqliteConnection, after: i64) -> QueryResult<Option<i64>> {
    let start: Option<i64> = grants::table
        .filter(grants::starts_at.gt(after))
        .select(min(grants::starts_at))
        .first(conn)?;
    let end: Option<i64> = grants::table
        .filter(grants::ends_at.gt(after))
        .select(min(grants::ends_at))
        .first(conn)?;
    Ok(match (start, end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// The earliest retry of a failed apply, due or not (Unix ms).
pub fn next_retry_at(conn: &mut SqliteConnection) -> QueryResult<Option<i64>> {
    apply_states::table
        .select(min(apply_states::next_retry_at))
        .first(conn)
}
