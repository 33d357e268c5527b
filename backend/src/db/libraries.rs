//! Queries on `libraries`.

use diesel::prelude::*;

use crate::db::schema::libraries;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = libraries)]
pub struct Library {
    pub id: i64,
    pub pms_key: i64,
    pub plextv_id: Option<i64>,
    pub title: String,
    pub kind: String,
    pub removed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn list(conn: &mut SqliteConnection) -> QueryResult<Vec<Library>> {
    libraries::table
        .order((libraries::removed_at.is_not_null(), libraries::title.asc()))
        .select(Library::as_select())
        .load(conn)
}

/// Inserts or refreshes the library with `pms_key`; returns whether it was new.
pub fn upsert(
    conn: &mut SqliteConnection,
    pms_key: i64,
    plextv_id: Option<i64>,
    title: &str,
    kind: &str,
    now: i64,
) -> QueryResult<bool> {
    let updated = diesel::update(libraries::table.filter(libraries::pms_key.eq(pms_key)))
        .set((
            libraries::plextv_id.eq(plextv_id),
            libraries::title.eq(title),
            libraries::kind.eq(kind),
            libraries::removed_at.eq(None::<i64>),
            libraries::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated > 0 {
        return Ok(false);
    }
    diesel::insert_into(libraries::table)
        .values((
            libraries::pms_key.eq(pms_key),
            libraries::plextv_id.eq(plextv_id),
            libraries::title.eq(title),
            libraries::kind.eq(kind),
            libraries::created_at.eq(now),
            libraries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Marks every library not in `seen` (PMS keys) as removed; returns how many newly were.
pub fn mark_removed_except(
    conn: &mut SqliteConnection,
    seen: &[i64],
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        libraries::table
            .filter(libraries::pms_key.ne_all(seen))
            .filter(libraries::removed_at.is_null()),
    )
    .set((libraries::removed_at.eq(now), libraries::updated_at.eq(now)))
    .execute(conn)
}

/// `pms_key → id` for libraries present on the server.
pub fn ids_by_key(conn: &mut SqliteConnection) -> QueryResult<Vec<(i64, i64)>> {
    libraries::table
        .filter(libraries::removed_at.is_null())
        .select((libraries::pms_key, libraries::id))
        .load(conn)
}

/// Whether library `id` exists and is still on the server (not marked removed).
pub fn is_present(conn: &mut SqliteConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        libraries::table
            .filter(libraries::id.eq(id))
            .filter(libraries::removed_at.is_null()),
    ))
    .get_result(conn)
}
