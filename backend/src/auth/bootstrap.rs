//! First start and recovery. With no accounts, `admin` is created with the password from
//! `PLEXWARD_ADMIN_PASSWORD`, or a random one printed once to the console (stderr, never the log
//! files); either way it must be changed at first sign-in. `plexward admin reset-password USER`
//! does the same for an existing account.

use anyhow::Context;
use plexward_shared::Role;
use plexward_shared::password::check_password;

use crate::audit::{Actor, Event, Outcome};
use crate::auth::{password, secrets, tokens};
use crate::db::accounts::{self, NewAccount};
use crate::db::time::now_ms;
use crate::db::{DbPool, sessions};

pub const ADMIN_PASSWORD_ENV: &str = "PLEXWARD_ADMIN_PASSWORD";
const FIRST_ADMIN: &str = "admin";

/// Where a new password came from, for what to tell the operator.
#[derive(Debug, PartialEq, Eq)]
pub enum PasswordSource {
    Environment,
    /// Generated: the caller prints it once.
    Generated(String),
}

fn choose_password(username: &str) -> anyhow::Result<(String, PasswordSource)> {
    match std::env::var(ADMIN_PASSWORD_ENV) {
        Ok(pw) if !pw.is_empty() => {
            let check = check_password(&pw, username);
            anyhow::ensure!(
                check.acceptable,
                "{ADMIN_PASSWORD_ENV} is refused by the password policy: {}",
                check.message
            );
            Ok((pw, PasswordSource::Environment))
        }
        _ => {
            let pw = secrets::random_password();
            Ok((pw.clone(), PasswordSource::Generated(pw)))
        }
    }
}

/// Creates the first admin when there are no accounts. Returns what was done, if anything.
pub fn ensure_admin(pool: &DbPool) -> anyhow::Result<Option<PasswordSource>> {
    let mut conn = pool.get()?;
    if accounts::count(&mut conn)? > 0 {
        return Ok(None);
    }
    let (pw, source) = choose_password(FIRST_ADMIN)?;
    let hash = password::hash_now(&pw)?;
    let now = now_ms();
    conn.immediate_transaction(|conn| {
        // Re-check inside the write lock: two processes starting at once create one admin.
        if accounts::count(conn)? > 0 {
            return Ok::<_, diesel::result::Error>(false);
        }
        let account = accounts::insert(
            conn,
            &NewAccount {
                username: FIRST_ADMIN,
                password_hash: &hash,
                role: Role::Admin.as_str(),
                must_change_password: true,
                created_at: now,
                updated_at: now,
            },
        )?;
        Event::new("account.create", Outcome::Success, &Actor::system())
            .target("account", account.id)
            .details(serde_json::json!({"username": FIRST_ADMIN, "role": "admin", "reason": "first start"}))
            .insert(conn)?;
        Ok(true)
    })
    .map(|created| created.then_some(source))
    .context("creating the first admin account")
}

/// Demo mode's documented accounts (README): never use demo mode with real data.
pub const DEMO_ACCOUNTS: [(&str, Role, &str); 3] = [
    ("admin", Role::Admin, "demo admin walrus lantern"),
    (
        "moderator",
        Role::Moderator,
        "demo moderator walrus lantern",
    ),
    ("auditor", Role::Auditor, "demo auditor walrus lantern"),
];

/// In demo mode with an empty database: creates [`DEMO_ACCOUNTS`] (no forced change). Returns
/// whether it did.
pub fn ensure_demo_accounts(pool: &DbPool) -> anyhow::Result<bool> {
    let mut conn = pool.get()?;
    if accounts::count(&mut conn)? > 0 {
        return Ok(false);
    }
    let hashes = DEMO_ACCOUNTS
        .iter()
        .map(|(_, _, pw)| password::hash_now(pw))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let now = now_ms();
    conn.immediate_transaction(|conn| {
        if accounts::count(conn)? > 0 {
            return Ok::<_, diesel::result::Error>(false);
        }
        for ((username, role, _), hash) in DEMO_ACCOUNTS.iter().zip(&hashes) {
            let account = accounts::insert(
                conn,
                &NewAccount {
                    username,
                    password_hash: hash,
                    role: role.as_str(),
                    must_change_password: false,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            Event::new("account.create", Outcome::Success, &Actor::system())
                .target("account", account.id)
                .details(serde_json::json!({"username": username, "role": role.as_str(), "reason": "demo mode"}))
                .insert(conn)?;
        }
        Ok(true)
    })
    .context("creating the demo accounts")
}

/// Sets a new password for `username` (which must then be changed), ends its sessions, revokes
/// its API tokens and turns its two-factor sign-in off (the person at the console may have lost
/// the app too: this reset always lets them in).
pub fn reset_password(pool: &DbPool, username: &str) -> anyhow::Result<PasswordSource> {
    let mut conn = pool.get()?;
    let account = accounts::find_by_username(&mut conn, username)?
        .with_context(|| format!("no account named `{username}`"))?;
    let (pw, source) = choose_password(&account.username)?;
    let hash = password::hash_now(&pw)?;
    let now = now_ms();
    conn.immediate_transaction(|conn| {
        accounts::set_password(conn, account.id, &hash, true)?;
        sessions::revoke_all_for_account(
            conn,
            account.id,
            None,
            now,
            "password reset from the command line",
        )?;
        let revoked = tokens::revoke_all_for_account(
            conn,
            account.id,
            &Actor::system(),
            None,
            "password reset from the command line",
        )?;
        let mfa_removed = crate::auth::mfa::remove_all(conn, account.id)?;
        crate::auth::mfa::changed(conn, account.id)?;
        let local_sign_in_turned_on = crate::auth::sign_in_policy::allow_local_sign_in(conn)?;
        Event::new("account.password_reset", Outcome::Success, &Actor::system())
            .target("account", account.id)
            .details(serde_json::json!({
                "username": account.username,
                "via": "cli",
                "tokens_revoked": revoked,
                "two_factor_turned_off": mfa_removed,
                "local_sign_in_turned_on": local_sign_in_turned_on,
            }))
            .insert(conn)
    })?;
    Ok(source)
}
