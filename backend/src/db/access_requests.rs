//! Queries on `access_requests` (friends' requests for more access).

use diesel::prelude::*;

use crate::db::schema::{access_requests, libraries, plex_users};

/// A stored request, with its friend's names and its library's title.
#[derive(Debug, Clone, Queryable)]
pub struct RequestRow {
    pub id: i64,
    pub plex_user_id: i64,
    pub kind: String,
    pub library_id: Option<i64>,
    pub period: Option<String>,
    pub message: Option<String>,
    pub state: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    pub friend_title: String,
    pub friend_username: Option<String>,
    pub friend_email: Option<String>,
    pub library_title: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = access_requests)]
pub struct NewRequest<'a> {
    pub plex_user_id: i64,
    pub kind: &'a str,
    pub library_id: Option<i64>,
    pub period: Option<&'a str>,
    pub message: Option<&'a str>,
    pub created_at: i64,
}

/// Filters of the staff list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub friend: Option<i64>,
}

type Selection = (
    (
        access_requests::id,
        access_requests::plex_user_id,
        access_requests::kind,
        access_requests::library_id,
        access_requests::period,
        access_requests::message,
        access_requests::state,
        access_requests::created_at,
        access_requests::decided_at,
        access_requests::decided_by,
        access_requests::reason,
    ),
    plex_users::title,
    plex_users::username,
    plex_users::email,
    diesel::dsl::Nullable<libraries::title>,
);

fn selection() -> Selection {
    (
        (
            access_requests::id,
            access_requests::plex_user_id,
            access_requests::kind,
            access_requests::library_id,
            access_requests::period,
            access_requests::message,
            access_requests::state,
            access_requests::created_at,
            access_requests::decided_at,
            access_requests::decided_by,
            access_requests::reason,
        ),
        plex_users::title,
        plex_users::username,
        plex_users::email,
        libraries::title.nullable(),
    )
}

type Raw = (
    (
        i64,
        i64,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
    ),
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn row(raw: Raw) -> RequestRow {
    let (
        (
            id,
            plex_user_id,
            kind,
            library_id,
            period,
            message,
            state,
            created_at,
            decided_at,
            by,
            why,
        ),
        friend_title,
        friend_username,
        friend_email,
        library_title,
    ) = raw;
    RequestRow {
        id,
        plex_user_id,
        kind,
        library_id,
        period,
        message,
        state,
        created_at,
        decided_at,
        decided_by: by,
        reason: why,
        friend_title,
        friend_username,
        friend_email,
        library_title,
    }
}

macro_rules! joined {
    () => {
        access_requests::table
            .inner_join(plex_users::table)
            .left_join(
                libraries::table.on(access_requests::library_id.eq(libraries::id.nullable())),
            )
    };
}

pub fn insert(conn: &mut SqliteConnection, new: &NewRequest<'_>) -> QueryResult<i64> {
    diesel::insert_into(access_requests::table)
        .values(new)
        .returning(access_requests::id)
        .get_result(conn)
}

pub fn find(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<RequestRow>> {
    joined!()
        .filter(access_requests::id.eq(id))
        .select(selection())
        .first::<Raw>(conn)
        .optional()
        .map(|r| r.map(row))
}

/// A page of requests, newest first, and how many match in all.
pub fn list(
    conn: &mut SqliteConnection,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<RequestRow>, u64)> {
    let filtered = || {
        let mut query = joined!().into_boxed();
        if let Some(state) = filter.state {
            query = query.filter(access_requests::state.eq(state));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(access_requests::kind.eq(kind));
        }
        if let Some(friend) = filter.friend {
            query = query.filter(access_requests::plex_user_id.eq(friend));
        }
        query
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order((
            access_requests::created_at.desc(),
            access_requests::id.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .select(selection())
        .load::<Raw>(conn)?;
    Ok((rows.into_iter().map(row).collect(), total as u64))
}

/// Friend `friend`'s requests for the portal: every open one and the latest decided ones, up to
/// `limit`, newest first.
pub fn of_friend(
    conn: &mut SqliteConnection,
    friend: i64,
    limit: i64,
) -> QueryResult<Vec<RequestRow>> {
    joined!()
        .filter(access_requests::plex_user_id.eq(friend))
        .order((
            access_requests::state.eq("open").desc(),
            access_requests::created_at.desc(),
            access_requests::id.desc(),
        ))
        .limit(limit)
        .select(selection())
        .load::<Raw>(conn)
        .map(|rows| rows.into_iter().map(row).collect())
}

/// How many requests are open, over every friend.
pub fn open_total(conn: &mut SqliteConnection) -> QueryResult<i64> {
    access_requests::table
        .filter(access_requests::state.eq("open"))
        .count()
        .get_result(conn)
}

/// How many requests friend `friend` has open, and how many they made since `since`.
pub fn counts(conn: &mut SqliteConnection, friend: i64, since: i64) -> QueryResult<(i64, i64)> {
    let open = access_requests::table
        .filter(access_requests::plex_user_id.eq(friend))
        .filter(access_requests::state.eq("open"))
        .count()
        .get_result(conn)?;
    let recent = access_requests::table
        .filter(access_requests::plex_user_id.eq(friend))
        .filter(access_requests::created_at.ge(since))
        .count()
        .get_result(conn)?;
    Ok((open, recent))
}

/// The oldest request of friend `friend` made since `since` (when the daily limit frees up).
pub fn oldest_since(
    conn: &mut SqliteConnection,
    friend: i64,
    since: i64,
) -> QueryResult<Option<i64>> {
    access_requests::table
        .filter(access_requests::plex_user_id.eq(friend))
        .filter(access_requests::created_at.ge(since))
        .select(diesel::dsl::min(access_requests::created_at))
        .first::<Option<i64>>(conn)
}

/// Whether friend `friend` already has an open request of `kind` about `library`.
pub fn open_alike(
    conn: &mut SqliteConnection,
    friend: i64,
    kind: &str,
    library: Option<i64>,
) -> QueryResult<bool> {
    let mut query = access_requests::table
        .filter(access_requests::plex_user_id.eq(friend))
        .filter(access_requests::state.eq("open"))
        .filter(access_requests::kind.eq(kind))
        .into_boxed();
    query = match library {
        Some(l) => query.filter(access_requests::library_id.eq(l)),
        None => query.filter(access_requests::library_id.is_null()),
    };
    diesel::select(diesel::dsl::exists(query)).get_result(conn)
}

/// Closes open request `id` as `state`; false when it was not open any more (someone else
/// decided it first).
pub fn close(
    conn: &mut SqliteConnection,
    id: i64,
    state: &str,
    by: &str,
    reason: Option<&str>,
    now: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        access_requests::table
            .filter(access_requests::id.eq(id))
            .filter(access_requests::state.eq("open")),
    )
    .set((
        access_requests::state.eq(state),
        access_requests::decided_at.eq(now),
        access_requests::decided_by.eq(by),
        access_requests::reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Opens request `id` again (an approval whose change was refused).
pub fn reopen(conn: &mut SqliteConnection, id: i64) -> QueryResult<()> {
    diesel::update(access_requests::table.find(id))
        .set((
            access_requests::state.eq("open"),
            access_requests::decided_at.eq(None::<i64>),
            access_requests::decided_by.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}
