//! Queries on `invites`.

use diesel::prelude::*;

use crate::db::schema::invites;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = invites)]
pub struct InviteRow {
    pub id: i64,
    pub identifier: String,
    pub state: String,
    pub plex_user_id: Option<i64>,
    pub plex_account_id: Option<i64>,
    /// What it gives as asked (JSON, `access::invites::InviteBody`).
    pub body: String,
    /// JSON array of library ids.
    pub sent_library_ids: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub sent_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub ended_at: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = invites)]
pub struct NewInvite<'a> {
    pub identifier: &'a str,
    pub state: &'a str,
    pub plex_user_id: Option<i64>,
    pub plex_account_id: Option<i64>,
    pub body: &'a str,
    pub sent_library_ids: &'a str,
    pub note: Option<&'a str>,
    pub created_by: &'a str,
    pub created_at: i64,
    pub sent_at: i64,
    pub expires_at: i64,
}

/// Filters of a listing.
#[derive(Debug, Clone, Default)]
pub struct InviteFilter {
    pub state: Option<&'static str>,
    /// Part of the identifier (case aside).
    pub q: Option<String>,
    pub friend_id: Option<i64>,
}

pub fn insert(conn: &mut SqliteConnection, new: &NewInvite<'_>) -> QueryResult<InviteRow> {
    diesel::insert_into(invites::table)
        .values(new)
        .returning(InviteRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<InviteRow>> {
    invites::table
        .find(id)
        .select(InviteRow::as_select())
        .first(conn)
        .optional()
}

/// A page of invites matching `filter`, newest first, and how many match in all.
pub fn list(
    conn: &mut SqliteConnection,
    filter: &InviteFilter,
    offset: u64,
    limit: Option<u64>,
) -> QueryResult<(Vec<InviteRow>, u64)> {
    let query = || {
        let mut q = invites::table.into_boxed();
        if let Some(state) = filter.state {
            q = q.filter(invites::state.eq(state));
        }
        if let Some(text) = &filter.q {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            q = q.filter(
                invites::identifier
                    .like(format!("%{escaped}%"))
                    .escape('\\'),
            );
        }
        if let Some(friend) = filter.friend_id {
            q = q.filter(invites::plex_user_id.eq(friend));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    // SQLite needs a LIMIT with an OFFSET: -1 is "no limit".
    let page = query()
        .order((invites::created_at.desc(), invites::id.desc()))
        .limit(limit.map_or(-1, |l| l as i64))
        .offset(offset as i64)
        .select(InviteRow::as_select())
        .load(conn)?;
    Ok((page, total as u64))
}

/// Every pending invite.
pub fn pending(conn: &mut SqliteConnection) -> QueryResult<Vec<InviteRow>> {
    invites::table
        .filter(invites::state.eq("pending"))
        .select(InviteRow::as_select())
        .load(conn)
}

/// A pending invite to `identifier` (case aside), if any.
pub fn pending_to(conn: &mut SqliteConnection, identifier: &str) -> QueryResult<Option<InviteRow>> {
    invites::table
        .filter(invites::state.eq("pending"))
        .filter(
            invites::identifier
                .like(identifier.replace('%', "").replace('_', "\\_"))
                .escape('\\'),
        )
        .select(InviteRow::as_select())
        .first(conn)
        .optional()
}

/// Moves a pending invite to `state` at `at` (accepted: `accepted_at`; else `ended_at`). False
/// when it was no longer pending.
pub fn finish(conn: &mut SqliteConnection, id: i64, state: &str, at: i64) -> QueryResult<bool> {
    let target = invites::table
        .filter(invites::id.eq(id))
        .filter(invites::state.eq("pending"));
    let n = if state == "accepted" {
        diesel::update(target)
            .set((invites::state.eq(state), invites::accepted_at.eq(at)))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((invites::state.eq(state), invites::ended_at.eq(at)))
            .execute(conn)?
    };
    Ok(n == 1)
}

/// A pending invite was sent again at `at`.
pub fn resent(conn: &mut SqliteConnection, id: i64, at: i64) -> QueryResult<()> {
    diesel::update(invites::table.find(id))
        .set(invites::sent_at.eq(at))
        .execute(conn)?;
    Ok(())
}
