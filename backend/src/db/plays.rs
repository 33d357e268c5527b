//! Queries on `plays` (the watch history read from the PMS) and `friend_activity` (when each
//! friend last watched, and what plays now).

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{friend_activity, plays, plex_users};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = plays)]
pub struct NewPlay {
    pub history_key: String,
    pub plex_user_id: i64,
    pub library_id: Option<i64>,
    pub viewed_at: i64,
    pub title: String,
    pub kind: String,
}

/// Friends (not departed) by plex.tv account id.
pub fn friends_by_account(conn: &mut SqliteConnection) -> QueryResult<HashMap<i64, i64>> {
    Ok(plex_users::table
        .filter(plex_users::departed_at.is_null())
        .select((plex_users::plex_user_id, plex_users::id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Stores `new` plays, skipping those stored before; how many were new.
pub fn insert(conn: &mut SqliteConnection, new: &[NewPlay]) -> QueryResult<usize> {
    let mut added = 0;
    for chunk in new.chunks(500) {
        added += diesel::insert_or_ignore_into(plays::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(added)
}

/// Friend `friend` watched `title` at `at`: their last watched time moves forward only.
pub fn record_watched(
    conn: &mut SqliteConnection,
    friend: i64,
    at: i64,
    title: &str,
) -> QueryResult<()> {
    let known: Option<i64> = friend_activity::table
        .find(friend)
        .select(friend_activity::last_watched_at)
        .first(conn)
        .optional()?;
    match known {
        Some(last) if last >= at => Ok(()),
        Some(_) => diesel::update(friend_activity::table.find(friend))
            .set((
                friend_activity::last_watched_at.eq(at),
                friend_activity::last_title.eq(title),
            ))
            .execute(conn)
            .map(drop),
        None => diesel::insert_into(friend_activity::table)
            .values((
                friend_activity::plex_user_id.eq(friend),
                friend_activity::last_watched_at.eq(at),
                friend_activity::last_title.eq(title),
            ))
            .execute(conn)
            .map(drop),
    }
}

/// What plays now: `playing` (friend → title); everyone else plays nothing.
pub fn set_watching_now(
    conn: &mut SqliteConnection,
    playing: &HashMap<i64, String>,
) -> QueryResult<()> {
    let ids: Vec<i64> = playing.keys().copied().collect();
    diesel::update(friend_activity::table.filter(friend_activity::plex_user_id.ne_all(&ids)))
        .set(friend_activity::watching_now.eq(None::<String>))
        .execute(conn)?;
    for (friend, title) in playing {
        diesel::update(friend_activity::table.find(friend))
            .set(friend_activity::watching_now.eq(title))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets plays viewed before `before`; how many.
pub fn forget_before(conn: &mut SqliteConnection, before: i64) -> QueryResult<usize> {
    diesel::delete(plays::table.filter(plays::viewed_at.lt(before))).execute(conn)
}

/// A friend's last watched time (ms), what it was, and what plays now.
pub type ActivityRow = (i64, Option<String>, Option<String>);

/// Friend `friend`'s [`ActivityRow`].
pub fn activity_of(conn: &mut SqliteConnection, friend: i64) -> QueryResult<Option<ActivityRow>> {
    friend_activity::table
        .find(friend)
        .select((
            friend_activity::last_watched_at,
            friend_activity::last_title,
            friend_activity::watching_now,
        ))
        .first(conn)
        .optional()
}

/// Friend `friend`'s plays by library since `since`: `(library, viewed_at)` each.
pub fn plays_since(
    conn: &mut SqliteConnection,
    friend: i64,
    since: i64,
) -> QueryResult<Vec<(Option<i64>, i64)>> {
    plays::table
        .filter(plays::plex_user_id.eq(friend))
        .filter(plays::viewed_at.ge(since))
        .select((plays::library_id, plays::viewed_at))
        .load(conn)
}

/// Friend `friend`'s last play in each library (ever, as far as kept).
pub fn last_by_library(
    conn: &mut SqliteConnection,
    friend: i64,
) -> QueryResult<Vec<(Option<i64>, Option<i64>)>> {
    plays::table
        .filter(plays::plex_user_id.eq(friend))
        .group_by(plays::library_id)
        .select((plays::library_id, diesel::dsl::max(plays::viewed_at)))
        .load(conn)
}

/// Friend `friend`'s notices for the stretch of inactivity that began at `since`:
/// `(reminded_at, due_told_at)`; none for another stretch.
pub fn notices(
    conn: &mut SqliteConnection,
    friend: i64,
    since: i64,
) -> QueryResult<(Option<i64>, Option<i64>)> {
    use crate::db::schema::inactivity_notices as n;
    Ok(n::table
        .find(friend)
        .filter(n::since.eq(since))
        .select((n::reminded_at, n::due_told_at))
        .first(conn)
        .optional()?
        .unwrap_or((None, None)))
}

/// Records a notice for friend `friend`'s stretch from `since`: reminded (`due` false) or told
/// due (`due` true), at `at`. A notice of an older stretch is replaced.
pub fn record_notice(
    conn: &mut SqliteConnection,
    friend: i64,
    since: i64,
    due: bool,
    at: i64,
) -> QueryResult<()> {
    use crate::db::schema::inactivity_notices as n;
    let (reminded, told) = notices(conn, friend, since)?;
    let (reminded, told) = if due {
        (reminded, Some(at))
    } else {
        (Some(at), told)
    };
    diesel::replace_into(n::table)
        .values((
            n::plex_user_id.eq(friend),
            n::since.eq(since),
            n::reminded_at.eq(reminded),
            n::due_told_at.eq(told),
        ))
        .execute(conn)?;
    Ok(())
}
