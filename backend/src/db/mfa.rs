//! Queries on `account_totp`, `recovery_codes` and `mfa_challenges`.

use diesel::prelude::*;

use crate::db::schema::{account_totp, mfa_challenges, recovery_codes};

/// An account's TOTP row: the sealed secret, whether it is on, the last step accepted.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = account_totp)]
pub struct TotpRow {
    pub account_id: i64,
    pub secret_sealed: String,
    pub confirmed_at: Option<i64>,
    pub last_step: Option<i64>,
    pub created_at: i64,
}

pub fn totp(conn: &mut SqliteConnection, account: i64) -> QueryResult<Option<TotpRow>> {
    account_totp::table
        .find(account)
        .select(TotpRow::as_select())
        .first(conn)
        .optional()
}

/// A new secret being set up (replacing one not confirmed yet).
pub fn start_totp(
    conn: &mut SqliteConnection,
    account: i64,
    secret_sealed: &str,
    now: i64,
) -> QueryResult<()> {
    diesel::replace_into(account_totp::table)
        .values((
            account_totp::account_id.eq(account),
            account_totp::secret_sealed.eq(secret_sealed),
            account_totp::confirmed_at.eq(None::<i64>),
            account_totp::last_step.eq(None::<i64>),
            account_totp::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Turns it on, with the step its confirming code came from, and the recovery codes' hashes
/// (replacing any older ones).
pub fn confirm_totp(
    conn: &mut SqliteConnection,
    account: i64,
    step: i64,
    code_hashes: &[String],
    now: i64,
) -> QueryResult<()> {
    diesel::update(account_totp::table.find(account))
        .set((
            account_totp::confirmed_at.eq(now),
            account_totp::last_step.eq(step),
        ))
        .execute(conn)?;
    replace_recovery_codes(conn, account, code_hashes)
}

/// `account`'s recovery codes become `code_hashes` (the old ones stop working).
pub fn replace_recovery_codes(
    conn: &mut SqliteConnection,
    account: i64,
    code_hashes: &[String],
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account)))
        .execute(conn)?;
    for hash in code_hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::account_id.eq(account),
                recovery_codes::code_hash.eq(hash),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records `step` as used, if it is newer than the last one: false when it was not (a code
/// accepted twice at once loses here).
pub fn use_step(conn: &mut SqliteConnection, account: i64, step: i64) -> QueryResult<bool> {
    let n = diesel::update(
        account_totp::table.find(account).filter(
            account_totp::last_step
                .is_null()
                .or(account_totp::last_step.lt(step)),
        ),
    )
    .set(account_totp::last_step.eq(step))
    .execute(conn)?;
    Ok(n == 1)
}

/// Uses recovery code `hash` of `account`: false when it is not one, or was used.
pub fn use_recovery_code(
    conn: &mut SqliteConnection,
    account: i64,
    hash: &str,
    now: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        recovery_codes::table
            .find((account, hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn recovery_codes_left(conn: &mut SqliteConnection, account: i64) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::account_id.eq(account))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

/// Removes `account`'s TOTP secret: whether it had one.
pub fn remove_totp(conn: &mut SqliteConnection, account: i64) -> QueryResult<bool> {
    let n = diesel::delete(account_totp::table.find(account)).execute(conn)?;
    Ok(n == 1)
}

/// Forgets `account`'s recovery codes and waiting sign-ins (no second factor is left).
pub fn forget_second_step(conn: &mut SqliteConnection, account: i64) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account)))
        .execute(conn)?;
    diesel::delete(mfa_challenges::table.filter(mfa_challenges::account_id.eq(account)))
        .execute(conn)?;
    Ok(())
}

pub fn insert_challenge(
    conn: &mut SqliteConnection,
    token_hash: &str,
    account: i64,
    expires_at: i64,
    now: i64,
) -> QueryResult<()> {
    // Sign-ins are rare: a good moment to forget the expired ones.
    diesel::delete(mfa_challenges::table.filter(mfa_challenges::expires_at.le(now)))
        .execute(conn)?;
    diesel::insert_into(mfa_challenges::table)
        .values((
            mfa_challenges::token_hash.eq(token_hash),
            mfa_challenges::account_id.eq(account),
            mfa_challenges::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The account a live challenge is for, and its wrong codes so far.
pub fn challenge(
    conn: &mut SqliteConnection,
    token_hash: &str,
    now: i64,
) -> QueryResult<Option<(i64, i64)>> {
    mfa_challenges::table
        .find(token_hash)
        .filter(mfa_challenges::expires_at.gt(now))
        .select((mfa_challenges::account_id, mfa_challenges::failures))
        .first(conn)
        .optional()
}

pub fn challenge_failed(conn: &mut SqliteConnection, token_hash: &str) -> QueryResult<()> {
    diesel::update(mfa_challenges::table.find(token_hash))
        .set(mfa_challenges::failures.eq(mfa_challenges::failures + 1))
        .execute(conn)?;
    Ok(())
}

pub fn end_challenge(conn: &mut SqliteConnection, token_hash: &str) -> QueryResult<()> {
    diesel::delete(mfa_challenges::table.find(token_hash)).execute(conn)?;
    Ok(())
}
