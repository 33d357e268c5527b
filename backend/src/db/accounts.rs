//! Queries on `accounts`.

use diesel::prelude::*;
use plexward_shared::Role;

use crate::db::schema::accounts;
use crate::db::time::now_ms;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
    /// Has a second factor (kept by `auth/mfa.rs`).
    pub mfa_enabled: bool,
}

impl Account {
    /// The version of what an admin may change (role, disabled, a password reset), as an entity
    /// tag (`W/"a…"`): a sign-in does not change it.
    pub fn version_tag(&self) -> String {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        (
            &self.role,
            self.disabled,
            self.must_change_password,
            &self.password_hash,
        )
            .hash(&mut h);
        format!("W/\"a{:016x}\"", h.finish())
    }

    /// The role; the CHECK constraint guarantees a known name.
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Auditor)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub must_change_password: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn count(conn: &mut SqliteConnection) -> QueryResult<i64> {
    accounts::table.count().get_result(conn)
}

pub fn list(conn: &mut SqliteConnection) -> QueryResult<Vec<Account>> {
    accounts::table
        .order(accounts::username.asc())
        .select(Account::as_select())
        .load(conn)
}

pub fn find(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<Account>> {
    accounts::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
        .optional()
}

/// Case-insensitive (the column is `COLLATE NOCASE`).
pub fn find_by_username(
    conn: &mut SqliteConnection,
    username: &str,
) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::username.eq(username))
        .select(Account::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut SqliteConnection, new: &NewAccount<'_>) -> QueryResult<Account> {
    diesel::insert_into(accounts::table)
        .values(new)
        .returning(Account::as_returning())
        .get_result(conn)
}

/// Enabled admins other than `except`: guards "the last active admin cannot be removed".
pub fn count_other_active_admins(conn: &mut SqliteConnection, except: i64) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::role.eq(Role::Admin.as_str()))
        .filter(accounts::disabled.eq(false))
        .filter(accounts::id.ne(except))
        .count()
        .get_result(conn)
}

pub fn set_password(
    conn: &mut SqliteConnection,
    id: i64,
    password_hash: &str,
    must_change: bool,
) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::password_hash.eq(password_hash),
            accounts::must_change_password.eq(must_change),
            accounts::updated_at.eq(now_ms()),
        ))
        .execute(conn)
}

pub fn set_role(conn: &mut SqliteConnection, id: i64, role: Role) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::role.eq(role.as_str()),
            accounts::updated_at.eq(now_ms()),
        ))
        .execute(conn)
}

pub fn set_disabled(conn: &mut SqliteConnection, id: i64, disabled: bool) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::disabled.eq(disabled),
            accounts::updated_at.eq(now_ms()),
        ))
        .execute(conn)
}

pub fn touch_login(conn: &mut SqliteConnection, id: i64, at: i64) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set(accounts::last_login_at.eq(at))
        .execute(conn)
}

pub fn delete(conn: &mut SqliteConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(accounts::table.find(id)).execute(conn)
}

/// Records whether the account has a second factor.
pub fn set_mfa_enabled(conn: &mut SqliteConnection, id: i64, on: bool) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set(accounts::mfa_enabled.eq(on))
        .execute(conn)
}
