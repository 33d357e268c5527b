//! When the deadline worker must next wake: the first window edge after a time, and the first
//! retry due. Index lookups (`grants_starts_at`, `grants_ends_at`, `grant_next_edges_at`),
//! whatever the number of friends. Weekly grants keep their next edge in `grant_next_edges`
//! (`access::repeat_edges` computes it).

use diesel::dsl::min;
use diesel::prelude::*;

use crate::db::schema::{apply_states, grant_next_edges, grants};

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
    let weekly: Option<i64> = grant_next_edges::table
        .filter(grant_next_edges::at.gt(after))
        .select(min(grant_next_edges::at))
        .first(conn)?;
    Ok([start, end, weekly].into_iter().flatten().min())
}

/// Weekly grants' next edges in `(after, upto]`: `(friend id, edge)`.
pub fn weekly_between(
    conn: &mut SqliteConnection,
    after: i64,
    upto: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    grant_next_edges::table
        .filter(grant_next_edges::at.gt(after))
        .filter(grant_next_edges::at.le(upto))
        .select((grant_next_edges::plex_user_id, grant_next_edges::at))
        .load(conn)
}

/// Replaces the stored next edges of the weekly grants of `friends` (all friends when `None`)
/// with `edges`: `(grant id, friend id, next edge)`.
pub fn replace_weekly(
    conn: &mut SqliteConnection,
    friends: Option<&[i64]>,
    edges: &[(i64, i64, i64)],
) -> QueryResult<()> {
    match friends {
        None => diesel::delete(grant_next_edges::table).execute(conn)?,
        Some(ids) => diesel::delete(
            grant_next_edges::table.filter(grant_next_edges::plex_user_id.eq_any(ids)),
        )
        .execute(conn)?,
    };
    for &(grant, friend, at) in edges {
        diesel::insert_into(grant_next_edges::table)
            .values((
                grant_next_edges::grant_id.eq(grant),
                grant_next_edges::plex_user_id.eq(friend),
                grant_next_edges::at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The earliest retry of a failed apply, due or not (Unix ms).
pub fn next_retry_at(conn: &mut SqliteConnection) -> QueryResult<Option<i64>> {
    apply_states::table
        .select(min(apply_states::next_retry_at))
        .first(conn)
}
