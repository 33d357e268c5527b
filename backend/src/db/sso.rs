//! Queries on `sso_logins` and `account_identities`.

use diesel::prelude::*;

use crate::db::schema::{account_identities, accounts, sso_logins};

/// A sign-in on its way through the provider.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sso_logins)]
pub struct SsoLogin {
    pub token_hash: String,
    pub csrf_state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_uri: String,
    pub created_at: i64,
    pub expires_at: i64,
}

pub fn insert_login(conn: &mut SqliteConnection, login: &SsoLogin) -> QueryResult<()> {
    // Sign-ins are rare: a good moment to forget the abandoned ones.
    diesel::delete(sso_logins::table.filter(sso_logins::expires_at.le(login.created_at)))
        .execute(conn)?;
    diesel::insert_into(sso_logins::table)
        .values(login)
        .execute(conn)?;
    Ok(())
}

/// The sign-in named by `token_hash`, removed as it is read (a callback is used once), if it has
/// not expired.
pub fn take_login(
    conn: &mut SqliteConnection,
    token_hash: &str,
    now: i64,
) -> QueryResult<Option<SsoLogin>> {
    let found = sso_logins::table
        .find(token_hash)
        .select(SsoLogin::as_select())
        .first(conn)
        .optional()?;
    diesel::delete(sso_logins::table.find(token_hash)).execute(conn)?;
    Ok(found.filter(|l| l.expires_at > now))
}

/// The account linked to the provider's `subject`.
pub fn account_of(
    conn: &mut SqliteConnection,
    issuer: &str,
    subject: &str,
) -> QueryResult<Option<i64>> {
    account_identities::table
        .find((issuer, subject))
        .select(account_identities::account_id)
        .first(conn)
        .optional()
}

pub fn link(
    conn: &mut SqliteConnection,
    issuer: &str,
    subject: &str,
    account_id: i64,
    now: i64,
) -> QueryResult<()> {
    diesel::insert_into(account_identities::table)
        .values((
            account_identities::issuer.eq(issuer),
            account_identities::subject.eq(subject),
            account_identities::account_id.eq(account_id),
            account_identities::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Enabled admins that have signed in through the provider.
pub fn enabled_admins_linked(conn: &mut SqliteConnection) -> QueryResult<i64> {
    let linked: Vec<i64> = account_identities::table
        .select(account_identities::account_id)
        .load(conn)?;
    accounts::table
        .filter(accounts::id.eq_any(linked))
        .filter(accounts::role.eq("admin"))
        .filter(accounts::disabled.eq(false))
        .count()
        .get_result(conn)
}
