//! Queries on `passkey_users`, `passkeys` and `passkey_ceremonies`.

use diesel::prelude::*;

use crate::db::schema::{passkey_ceremonies, passkey_users, passkeys};

/// A registered passkey.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = passkeys)]
pub struct PasskeyRow {
    pub id: i64,
    pub account_id: i64,
    pub credential_id: String,
    pub name: String,
    pub rp_id: String,
    /// webauthn-rs's `Passkey`, as JSON.
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A new passkey's row.
#[derive(Debug, Insertable)]
#[diesel(table_name = passkeys)]
pub struct NewPasskey<'a> {
    pub account_id: i64,
    pub credential_id: &'a str,
    pub name: &'a str,
    pub rp_id: &'a str,
    pub passkey: &'a str,
    pub created_at: i64,
}

/// A ceremony waiting for its second request.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = passkey_ceremonies)]
pub struct CeremonyRow {
    pub token_hash: String,
    pub kind: String,
    pub account_id: Option<i64>,
    pub rp_id: String,
    pub state: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The user handle of `account`'s passkeys, if it has had one.
pub fn user_handle(conn: &mut SqliteConnection, account: i64) -> QueryResult<Option<String>> {
    passkey_users::table
        .find(account)
        .select(passkey_users::user_handle)
        .first(conn)
        .optional()
}

/// Gives `account` the user handle `handle` unless it has one; the one it has afterwards.
pub fn ensure_user_handle(
    conn: &mut SqliteConnection,
    account: i64,
    handle: &str,
) -> QueryResult<String> {
    diesel::insert_or_ignore_into(passkey_users::table)
        .values((
            passkey_users::account_id.eq(account),
            passkey_users::user_handle.eq(handle),
        ))
        .execute(conn)?;
    passkey_users::table
        .find(account)
        .select(passkey_users::user_handle)
        .first(conn)
}

/// The account whose passkeys carry `handle`.
pub fn account_of_handle(conn: &mut SqliteConnection, handle: &str) -> QueryResult<Option<i64>> {
    passkey_users::table
        .filter(passkey_users::user_handle.eq(handle))
        .select(passkey_users::account_id)
        .first(conn)
        .optional()
}

/// `account`'s passkeys, oldest first.
pub fn list(conn: &mut SqliteConnection, account: i64) -> QueryResult<Vec<PasskeyRow>> {
    passkeys::table
        .filter(passkeys::account_id.eq(account))
        .order(passkeys::id.asc())
        .select(PasskeyRow::as_select())
        .load(conn)
}

pub fn count(conn: &mut SqliteConnection, account: i64) -> QueryResult<i64> {
    passkeys::table
        .filter(passkeys::account_id.eq(account))
        .count()
        .get_result(conn)
}

pub fn find(conn: &mut SqliteConnection, account: i64, id: i64) -> QueryResult<Option<PasskeyRow>> {
    passkeys::table
        .find(id)
        .filter(passkeys::account_id.eq(account))
        .select(PasskeyRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_credential(
    conn: &mut SqliteConnection,
    credential_id: &str,
) -> QueryResult<Option<PasskeyRow>> {
    passkeys::table
        .filter(passkeys::credential_id.eq(credential_id))
        .select(PasskeyRow::as_select())
        .first(conn)
        .optional()
}

/// Whether `account` already has a passkey called `name` (other than `except`).
pub fn name_taken(
    conn: &mut SqliteConnection,
    account: i64,
    name: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut query = passkeys::table
        .filter(passkeys::account_id.eq(account))
        .filter(passkeys::name.eq(name))
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(passkeys::id.ne(id));
    }
    diesel::select(diesel::dsl::exists(query)).get_result(conn)
}

pub fn insert(conn: &mut SqliteConnection, new: &NewPasskey<'_>) -> QueryResult<PasskeyRow> {
    diesel::insert_into(passkeys::table)
        .values(new)
        .returning(PasskeyRow::as_returning())
        .get_result(conn)
}

pub fn rename(conn: &mut SqliteConnection, account: i64, id: i64, name: &str) -> QueryResult<bool> {
    let n = diesel::update(
        passkeys::table
            .find(id)
            .filter(passkeys::account_id.eq(account)),
    )
    .set(passkeys::name.eq(name))
    .execute(conn)?;
    Ok(n == 1)
}

/// After a sign-in with it: when, and its record (the counter moved on).
pub fn used(conn: &mut SqliteConnection, id: i64, passkey: &str, now: i64) -> QueryResult<()> {
    diesel::update(passkeys::table.find(id))
        .set((
            passkeys::passkey.eq(passkey),
            passkeys::last_used_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut SqliteConnection, account: i64, id: i64) -> QueryResult<bool> {
    let n = diesel::delete(
        passkeys::table
            .find(id)
            .filter(passkeys::account_id.eq(account)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Every passkey of `account` (an admin's reset); how many there were.
pub fn delete_all(conn: &mut SqliteConnection, account: i64) -> QueryResult<usize> {
    diesel::delete(passkeys::table.filter(passkeys::account_id.eq(account))).execute(conn)
}

/// A ceremony started: forgets the expired ones first (ceremonies are rare).
pub fn insert_ceremony(conn: &mut SqliteConnection, row: &CeremonyRow) -> QueryResult<()> {
    diesel::delete(
        passkey_ceremonies::table.filter(passkey_ceremonies::expires_at.le(row.created_at)),
    )
    .execute(conn)?;
    diesel::insert_into(passkey_ceremonies::table)
        .values((
            passkey_ceremonies::token_hash.eq(&row.token_hash),
            passkey_ceremonies::kind.eq(&row.kind),
            passkey_ceremonies::account_id.eq(row.account_id),
            passkey_ceremonies::rp_id.eq(&row.rp_id),
            passkey_ceremonies::state.eq(&row.state),
            passkey_ceremonies::created_at.eq(row.created_at),
            passkey_ceremonies::expires_at.eq(row.expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the live ceremony `token_hash` of `kind`: it is gone afterwards, whatever its answer
/// turns out to be (a ceremony is used once).
pub fn take_ceremony(
    conn: &mut SqliteConnection,
    token_hash: &str,
    kind: &str,
    now: i64,
) -> QueryResult<Option<CeremonyRow>> {
    let row = passkey_ceremonies::table
        .find(token_hash)
        .select(CeremonyRow::as_select())
        .first(conn)
        .optional()?;
    if row.is_some() {
        diesel::delete(passkey_ceremonies::table.find(token_hash)).execute(conn)?;
    }
    Ok(row.filter(|r| r.kind == kind && r.expires_at > now))
}
