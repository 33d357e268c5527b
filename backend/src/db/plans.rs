//! Queries on `access_plans` (and how many friends were given each, from `friend_plans`).

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{access_plans, friend_plans};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = access_plans)]
pub struct PlanRow {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    /// The plan's grants, sharing and end policy as JSON (`PlanBody`).
    pub body: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn list(conn: &mut SqliteConnection) -> QueryResult<Vec<PlanRow>> {
    access_plans::table
        .order((access_plans::name.asc(), access_plans::id.asc()))
        .select(PlanRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<PlanRow>> {
    access_plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()
}

/// Whether another plan than `except` has this name (case aside).
pub fn name_taken(
    conn: &mut SqliteConnection,
    name: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut query = access_plans::table
        .filter(access_plans::name.eq(name))
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(access_plans::id.ne(id));
    }
    Ok(query.count().get_result::<i64>(conn)? > 0)
}

pub fn insert(
    conn: &mut SqliteConnection,
    name: &str,
    description: Option<&str>,
    body: &str,
    now: i64,
) -> QueryResult<PlanRow> {
    diesel::insert_into(access_plans::table)
        .values((
            access_plans::name.eq(name),
            access_plans::description.eq(description),
            access_plans::body.eq(body),
            access_plans::version.eq(1),
            access_plans::created_at.eq(now),
            access_plans::updated_at.eq(now),
        ))
        .returning(PlanRow::as_returning())
        .get_result(conn)
}

/// Replaces plan `id` (one more version) if it is still at `expected` (`None`: any). `None`
/// when it is not (or is gone).
pub fn update(
    conn: &mut SqliteConnection,
    id: i64,
    expected: Option<i64>,
    name: &str,
    description: Option<&str>,
    body: &str,
    now: i64,
) -> QueryResult<Option<PlanRow>> {
    let mut target = access_plans::table
        .filter(access_plans::id.eq(id))
        .into_boxed();
    if let Some(v) = expected {
        target = target.filter(access_plans::version.eq(v));
    }
    let ids: Vec<i64> = target.select(access_plans::id).load(conn)?;
    if ids.is_empty() {
        return Ok(None);
    }
    diesel::update(access_plans::table.find(id))
        .set((
            access_plans::name.eq(name),
            access_plans::description.eq(description),
            access_plans::body.eq(body),
            access_plans::version.eq(access_plans::version + 1),
            access_plans::updated_at.eq(now),
        ))
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Deletes plan `id`; whether it existed. Friends given it keep their grants and its name.
pub fn delete(conn: &mut SqliteConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(access_plans::table.find(id)).execute(conn)? == 1)
}

/// How many friends were given each plan (any version): plan id → count.
pub fn friend_counts(conn: &mut SqliteConnection) -> QueryResult<HashMap<i64, u64>> {
    let rows: Vec<(i64, i64)> = friend_plans::table
        .group_by(friend_plans::plan_id)
        .select((friend_plans::plan_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, n)| (id, n as u64)).collect())
}
