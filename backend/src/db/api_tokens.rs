//! Queries on `api_tokens`.

use diesel::prelude::*;
use plexward_shared::Role;

use crate::db::schema::{accounts, api_token_addresses, api_tokens};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub prefix: String,
    pub token_hash: String,
    pub role: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl ApiToken {
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Auditor)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub account_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a str,
    pub role: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

pub fn insert(conn: &mut SqliteConnection, new: &NewApiToken<'_>) -> QueryResult<ApiToken> {
    diesel::insert_into(api_tokens::table)
        .values(new)
        .returning(ApiToken::as_returning())
        .get_result(conn)
}

/// Tokens with their owner's username; all of them, or one account's.
pub fn list(
    conn: &mut SqliteConnection,
    account_id: Option<i64>,
) -> QueryResult<Vec<(ApiToken, String)>> {
    let mut query = api_tokens::table
        .inner_join(accounts::table)
        .select((ApiToken::as_select(), accounts::username))
        .order((api_tokens::created_at.desc(), api_tokens::id.desc()))
        .into_boxed();
    if let Some(id) = account_id {
        query = query.filter(api_tokens::account_id.eq(id));
    }
    query.load(conn)
}

pub fn find(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<(ApiToken, String)>> {
    api_tokens::table
        .inner_join(accounts::table)
        .filter(api_tokens::id.eq(id))
        .select((ApiToken::as_select(), accounts::username))
        .first(conn)
        .optional()
}

pub fn find_by_hash(
    conn: &mut SqliteConnection,
    token_hash: &str,
) -> QueryResult<Option<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .select(ApiToken::as_select())
        .first(conn)
        .optional()
}

pub fn name_taken(conn: &mut SqliteConnection, account_id: i64, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        api_tokens::table
            .filter(api_tokens::account_id.eq(account_id))
            .filter(api_tokens::name.eq(name)),
    ))
    .get_result(conn)
}

pub fn touch(conn: &mut SqliteConnection, id: i64, now: i64) -> QueryResult<usize> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)
}

/// Where token `id` has been used from before `ip`: `None` when `ip` is known already, else the
/// addresses seen so far (empty on first use), after remembering `ip`. A read when nothing is
/// new, so a busy script does not turn reads into writes.
pub fn new_address(
    conn: &mut SqliteConnection,
    id: i64,
    ip: &str,
    now: i64,
) -> QueryResult<Option<Vec<String>>> {
    let known: Vec<String> = api_token_addresses::table
        .filter(api_token_addresses::token_id.eq(id))
        .order(api_token_addresses::first_seen_at.desc())
        .select(api_token_addresses::ip)
        .load(conn)?;
    if known.iter().any(|k| k == ip) {
        return Ok(None);
    }
    diesel::insert_or_ignore_into(api_token_addresses::table)
        .values((
            api_token_addresses::token_id.eq(id),
            api_token_addresses::ip.eq(ip),
            api_token_addresses::first_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(Some(known))
}

pub fn delete(conn: &mut SqliteConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(api_tokens::table.find(id)).execute(conn)
}
