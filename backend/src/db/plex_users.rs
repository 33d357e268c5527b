//! Queries on `plex_users` and `grants`.

use diesel::prelude::*;

use crate::db::schema::{grants, libraries, plex_users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plex_users)]
pub struct PlexUser {
    pub id: i64,
    pub plex_user_id: i64,
    pub title: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub thumb: Option<String>,
    pub home: bool,
    pub share_id: Option<i64>,
    pub share_pending: bool,
    pub actual_libraries: String,
    pub departed_at: Option<i64>,
    pub first_seen_at: i64,
    pub last_synced_at: i64,
}

impl PlexUser {
    /// PMS keys Plex says the friend has.
    pub fn actual_keys(&self) -> Vec<i64> {
        serde_json::from_str(&self.actual_libraries).unwrap_or_default()
    }
}

/// A friend as a sync sees them on Plex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenFriend {
    pub plex_user_id: i64,
    pub title: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub thumb: Option<String>,
    pub home: bool,
    pub share_id: Option<i64>,
    pub share_pending: bool,
    /// PMS keys actually shared.
    pub actual_keys: Vec<i64>,
}

pub fn list(conn: &mut SqliteConnection) -> QueryResult<Vec<PlexUser>> {
    plex_users::table
        .order((
            plex_users::departed_at.is_not_null(),
            plex_users::title.asc(),
        ))
        .select(PlexUser::as_select())
        .load(conn)
}

/// Inserts or refreshes a friend; returns their row id and whether they are new.
pub fn upsert(
    conn: &mut SqliteConnection,
    seen: &SeenFriend,
    now: i64,
) -> QueryResult<(i64, bool)> {
    let existing: Option<i64> = plex_users::table
        .filter(plex_users::plex_user_id.eq(seen.plex_user_id))
        .select(plex_users::id)
        .first(conn)
        .optional()?;
    let actual = serde_json::to_string(&seen.actual_keys).unwrap_or_else(|_| "[]".into());
    let values = (
        plex_users::title.eq(&seen.title),
        plex_users::username.eq(seen.username.as_deref()),
        plex_users::email.eq(seen.email.as_deref()),
        plex_users::thumb.eq(seen.thumb.as_deref()),
        plex_users::home.eq(seen.home),
        plex_users::share_id.eq(seen.share_id),
        plex_users::share_pending.eq(seen.share_pending),
        plex_users::actual_libraries.eq(&actual),
        plex_users::departed_at.eq(None::<i64>),
        plex_users::last_synced_at.eq(now),
    );
    if let Some(id) = existing {
        diesel::update(plex_users::table.find(id))
            .set(values)
            .execute(conn)?;
        return Ok((id, false));
    }
    let id = diesel::insert_into(plex_users::table)
        .values((
            values,
            plex_users::plex_user_id.eq(seen.plex_user_id),
            plex_users::first_seen_at.eq(now),
        ))
        .returning(plex_users::id)
        .get_result(conn)?;
    Ok((id, true))
}

/// Marks friends not in `seen` (plex.tv user ids) as departed; returns how many newly were.
pub fn mark_departed_except(
    conn: &mut SqliteConnection,
    seen: &[i64],
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        plex_users::table
            .filter(plex_users::plex_user_id.ne_all(seen))
            .filter(plex_users::departed_at.is_null()),
    )
    .set(plex_users::departed_at.eq(now))
    .execute(conn)
}

/// An undated grant (always active), unless one exists for that library.
pub fn insert_undated_grant(
    conn: &mut SqliteConnection,
    plex_user: i64,
    library: i64,
    now: i64,
) -> QueryResult<usize> {
    diesel::insert_or_ignore_into(grants::table)
        .values((
            grants::plex_user_id.eq(plex_user),
            grants::library_id.eq(library),
            grants::created_at.eq(now),
            grants::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn find(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<PlexUser>> {
    plex_users::table
        .find(id)
        .select(PlexUser::as_select())
        .first(conn)
        .optional()
}

/// A friend's grants: `(library id, library PMS key, starts_at, ends_at)`, by library title.
pub type GrantRow = (i64, i64, Option<i64>, Option<i64>);

pub fn grants_of(conn: &mut SqliteConnection, plex_user: i64) -> QueryResult<Vec<GrantRow>> {
    grants::table
        .inner_join(libraries::table)
        .filter(grants::plex_user_id.eq(plex_user))
        .order(libraries::title.asc())
        .select((
            grants::library_id,
            libraries::pms_key,
            grants::starts_at,
            grants::ends_at,
        ))
        .load(conn)
}

/// Every friend's grants, grouped by friend id.
pub fn all_grants(
    conn: &mut SqliteConnection,
) -> QueryResult<std::collections::HashMap<i64, Vec<GrantRow>>> {
    let rows: Vec<(i64, GrantRow)> = grants::table
        .inner_join(libraries::table)
        .order(libraries::title.asc())
        .select((
            grants::plex_user_id,
            (
                grants::library_id,
                libraries::pms_key,
                grants::starts_at,
                grants::ends_at,
            ),
        ))
        .load(conn)?;
    let mut by_user: std::collections::HashMap<i64, Vec<GrantRow>> = Default::default();
    for (user, grant) in rows {
        by_user.entry(user).or_default().push(grant);
    }
    Ok(by_user)
}

/// What Plex now has for the friend after Plexward changed it (`share_id` `None`: no share).
pub fn record_share(
    conn: &mut SqliteConnection,
    id: i64,
    share_id: Option<i64>,
    pending: bool,
    keys: &[i64],
) -> QueryResult<()> {
    let actual = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
    diesel::update(plex_users::table.find(id))
        .set((
            plex_users::share_id.eq(share_id),
            plex_users::share_pending.eq(pending && share_id.is_some()),
            plex_users::actual_libraries.eq(actual),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a friend's grants: `(library id, starts_at, ends_at)`.
pub fn replace_grants(
    conn: &mut SqliteConnection,
    plex_user: i64,
    new: &[(i64, Option<i64>, Option<i64>)],
    now: i64,
) -> QueryResult<()> {
    let keep: Vec<i64> = new.iter().map(|g| g.0).collect();
    diesel::delete(
        grants::table
            .filter(grants::plex_user_id.eq(plex_user))
            .filter(grants::library_id.ne_all(&keep)),
    )
    .execute(conn)?;
    for &(library, starts_at, ends_at) in new {
        diesel::insert_into(grants::table)
            .values((
                grants::plex_user_id.eq(plex_user),
                grants::library_id.eq(library),
                grants::starts_at.eq(starts_at),
                grants::ends_at.eq(ends_at),
                grants::created_at.eq(now),
                grants::updated_at.eq(now),
            ))
            .on_conflict((grants::plex_user_id, grants::library_id))
            .do_update()
            .set((
                grants::starts_at.eq(starts_at),
                grants::ends_at.eq(ends_at),
                grants::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Friends (not departed) with a window starting or ending in `(after, upto]`: whose desired set
/// changed since the last tick, each with its earliest edge in the interval (Unix ms). Two range
/// scans on the `grants_starts_at`/`grants_ends_at` indexes, whatever the number of friends.
pub fn with_edges_between(
    conn: &mut SqliteConnection,
    after: i64,
    upto: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    let starting = grants::table
        .filter(grants::starts_at.gt(after))
        .filter(grants::starts_at.le(upto))
        .select((grants::plex_user_id, grants::starts_at.assume_not_null()));
    let ending = grants::table
        .filter(grants::ends_at.gt(after))
        .filter(grants::ends_at.le(upto))
        .select((grants::plex_user_id, grants::ends_at.assume_not_null()));
    let edges: Vec<(i64, i64)> = starting.union(ending).load(conn)?;
    let mut earliest: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    for (id, at) in edges {
        earliest
            .entry(id)
            .and_modify(|e| *e = (*e).min(at))
            .or_insert(at);
    }
    let ids: Vec<i64> = earliest.keys().copied().collect();
    let departed: Vec<i64> = plex_users::table
        .filter(plex_users::id.eq_any(&ids))
        .filter(plex_users::departed_at.is_not_null())
        .select(plex_users::id)
        .load(conn)?;
    earliest.retain(|id, _| !departed.contains(id));
    Ok(earliest.into_iter().collect())
}
