//! Queries on `watched_jobs`: user-visible background work (sync, bulk apply) with progress.

use diesel::prelude::*;

// The table is `watched_jobs` (apalis owns `Jobs`, and SQLite names ignore case).
use crate::db::schema::watched_jobs as jobs;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub result: Option<String>,
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

pub fn find(conn: &mut SqliteConnection, id: &str) -> QueryResult<Option<Job>> {
    jobs::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .optional()
}

/// The unfinished job of `kind`, if one is queued or running.
pub fn active_of_kind(conn: &mut SqliteConnection, kind: &str) -> QueryResult<Option<Job>> {
    jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::state.eq_any(["queued", "running"]))
        .select(Job::as_select())
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut SqliteConnection,
    id: &str,
    kind: &str,
    created_by: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id),
            jobs::kind.eq(kind),
            jobs::state.eq("queued"),
            jobs::created_by.eq(created_by),
            jobs::created_at.eq(now),
        ))
        .execute(conn)
}

pub fn start(conn: &mut SqliteConnection, id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(jobs::table.find(id))
        .set((jobs::state.eq("running"), jobs::started_at.eq(now)))
        .execute(conn)
}

pub fn progress(
    conn: &mut SqliteConnection,
    id: &str,
    done: i64,
    total: i64,
) -> QueryResult<usize> {
    diesel::update(jobs::table.find(id))
        .set((jobs::progress_done.eq(done), jobs::progress_total.eq(total)))
        .execute(conn)
}

pub fn finish(
    conn: &mut SqliteConnection,
    id: &str,
    result: Result<String, String>,
    now: i64,
) -> QueryResult<usize> {
    let (state, result, error) = match result {
        Ok(r) => ("succeeded", Some(r), None),
        Err(e) => ("failed", None, Some(e)),
    };
    diesel::update(jobs::table.find(id))
        .set((
            jobs::state.eq(state),
            jobs::result.eq(result),
            jobs::error.eq(error),
            jobs::finished_at.eq(now),
        ))
        .execute(conn)
}

/// At start-up: work left unfinished by a previous process is over; say so.
pub fn fail_interrupted(conn: &mut SqliteConnection, now: i64) -> QueryResult<usize> {
    diesel::update(jobs::table.filter(jobs::state.eq_any(["queued", "running"])))
        .set((
            jobs::state.eq("failed"),
            jobs::error.eq("interrupted by a restart; run it again"),
            jobs::finished_at.eq(now),
        ))
        .execute(conn)
}

/// The newest job of `kind` (by creation).
pub fn latest_of_kind(conn: &mut SqliteConnection, kind: &str) -> QueryResult<Option<Job>> {
    jobs::table
        .filter(jobs::kind.eq(kind))
        .order((jobs::created_at.desc(), jobs::id.desc()))
        .select(Job::as_select())
        .first(conn)
        .optional()
}
