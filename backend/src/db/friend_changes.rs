//! Queries on `friend_changes`: the change feed SQLite triggers keep for the friend read model
//! (see the migration `friend_read_model`). Rows are only read here; the triggers write them.

use diesel::prelude::*;

use crate::db::schema::friend_changes;

/// The friend id a change of everyone's inputs (libraries, the anchor) is recorded under.
pub const EVERYONE: i64 = 0;

/// Friends whose inputs changed after `seq`: `(friend id, seq)`, oldest change first. One range
/// scan on the `friend_changes_seq` index.
pub fn since(conn: &mut SqliteConnection, seq: i64) -> QueryResult<Vec<(i64, i64)>> {
    friend_changes::table
        .filter(friend_changes::seq.gt(seq))
        .order(friend_changes::seq.asc())
        .select((friend_changes::plex_user_id, friend_changes::seq))
        .load(conn)
}

/// The newest `seq` (0 when nothing changed yet).
pub fn latest(conn: &mut SqliteConnection) -> QueryResult<i64> {
    friend_changes::table
        .select(diesel::dsl::max(friend_changes::seq))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}
