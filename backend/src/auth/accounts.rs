//! Application accounts: creating, changing and deleting them, and changing one's own password.
//! The rules live here, each checked inside the transaction that makes the change:
//! - an admin cannot delete, disable or demote themself;
//! - the last enabled admin cannot be removed (deleted, disabled or demoted) by anyone;
//! - a password must pass the shared policy (`plexward_shared::password`);
//! - sessions end when the account can no longer be trusted with them: disabling it or an admin's
//!   password reset ends all of them, changing one's own password ends all but the caller's;
//! - an admin's password reset revokes the account's API tokens (a reset is how an intruder is
//!   evicted); changing one's own password does too unless the caller keeps them.

use plexward_shared::password::check_password;
use plexward_shared::{CreateAccountRequest, Role, UpdateAccountRequest};

use crate::audit::{Event, Outcome};
use crate::auth::sessions::EndOthers;
use crate::auth::throttle::{NameCheck, retry_after_secs};
use crate::auth::{AuthError, AuthState, Principal, password, tokens};
use crate::db::{self, accounts, accounts::Account, sessions};

/// Letters, digits and `._@-`, 1–64 characters.
fn check_username(username: &str) -> Result<(), AuthError> {
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if username.is_empty() || username.chars().count() > 64 || !ok_chars {
        return Err(AuthError::invalid(
            "username",
            "use 1–64 letters, digits, '.', '_', '-' or '@'",
        ));
    }
    Ok(())
}

/// The password policy, for `field`.
fn check_policy(field: &'static str, password: &str, username: &str) -> Result<(), AuthError> {
    let check = check_password(password, username);
    if check.acceptable {
        Ok(())
    } else {
        Err(AuthError::invalid(field, check.message))
    }
}

/// Whether the change takes an enabled admin away (demoted or disabled).
fn loses_admin(before: &Account, role: Option<Role>, disabled: Option<bool>) -> bool {
    before.role() == Role::Admin
        && !before.disabled
        && (role.is_some_and(|r| r != Role::Admin) || disabled == Some(true))
}

/// Why a change was refused inside its transaction (plain data: it crosses threads).
#[derive(Debug)]
enum Refused {
    NotFound,
    LastAdmin,
    /// `If-Match` names an older version of the account.
    Stale,
}

impl From<Refused> for AuthError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::NotFound => AuthError::NotFound,
            Refused::LastAdmin => AuthError::LastAdmin,
            Refused::Stale => AuthError::Stale,
        }
    }
}

pub async fn list(auth: &AuthState) -> Result<Vec<Account>, AuthError> {
    Ok(db::run(&auth.db, accounts::list).await?)
}

pub async fn find(auth: &AuthState, id: i64) -> Result<Account, AuthError> {
    db::run(&auth.db, move |conn| accounts::find(conn, id))
        .await?
        .ok_or(AuthError::NotFound)
}

/// Creates an account; it must change its password at first sign-in unless told otherwise.
pub async fn create(
    auth: &AuthState,
    by: &Principal,
    request: CreateAccountRequest,
) -> Result<Account, AuthError> {
    let CreateAccountRequest {
        username,
        password: pw,
        role,
        must_change_password,
    } = request;
    let username = username.trim().to_owned();
    check_username(&username)?;
    check_policy("password", &pw, &username)?;
    let hash = password::hash(pw).await?;
    let (actor, ip, now) = (by.actor(), by.ip.clone(), auth.now_ms());
    let created = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if accounts::find_by_username(conn, &username)?.is_some() {
                return Ok(None);
            }
            let account = accounts::insert(
                conn,
                &accounts::NewAccount {
                    username: &username,
                    password_hash: &hash,
                    role: role.as_str(),
                    must_change_password: must_change_password.unwrap_or(true),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            Event::new("account.create", Outcome::Success, &actor)
                .target("account", account.id)
                .ip(ip)
                .details(serde_json::json!({"username": account.username, "role": account.role}))
                .insert(conn)?;
            Ok(Some(account))
        })
    })
    .await?;
    created.ok_or(AuthError::UsernameTaken)
}

/// Changes an account's role, enables/disables it, or resets its password (it must then choose a
/// new one). Disabling or a reset ends its sessions at once.
pub async fn update(
    auth: &AuthState,
    by: &Principal,
    id: i64,
    request: UpdateAccountRequest,
    expected: Option<String>,
) -> Result<Account, AuthError> {
    let UpdateAccountRequest {
        role,
        disabled,
        password: pw,
    } = request;
    if id == by.account.id && (role.is_some_and(|r| r != Role::Admin) || disabled == Some(true)) {
        return Err(AuthError::SelfChange(if disabled == Some(true) {
            "disable"
        } else {
            "demote"
        }));
    }
    let hash = match pw {
        Some(pw) => {
            let target = find(auth, id).await?;
            check_policy("password", &pw, &target.username)?;
            Some(password::hash(pw).await?)
        }
        None => None,
    };
    let (actor, ip, now) = (by.actor(), by.ip.clone(), auth.now_ms());
    let after = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(before) = accounts::find(conn, id)? else {
                return Ok(Err(Refused::NotFound));
            };
            if expected
                .as_deref()
                .is_some_and(|t| !db::same_tag(t, &before.version_tag()))
            {
                return Ok(Err(Refused::Stale));
            }
            if loses_admin(&before, role, disabled)
                && accounts::count_other_active_admins(conn, id)? == 0
            {
                return Ok(Err(Refused::LastAdmin));
            }
            if let Some(role) = role {
                accounts::set_role(conn, id, role)?;
            }
            if let Some(disabled) = disabled {
                accounts::set_disabled(conn, id, disabled)?;
                if disabled {
                    sessions::revoke_all_for_account(conn, id, None, now, "account disabled")?;
                }
            }
            if let Some(hash) = &hash {
                accounts::set_password(conn, id, hash, true)?;
                sessions::revoke_all_for_account(
                    conn,
                    id,
                    None,
                    now,
                    "password reset by an admin",
                )?;
                tokens::revoke_all_for_account(
                    conn,
                    id,
                    &actor,
                    ip.clone(),
                    "password reset by an admin",
                )?;
            }
            let after = accounts::find(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
            Event::new("account.update", Outcome::Success, &actor)
                .target("account", id)
                .ip(ip)
                .details(serde_json::json!({
                    "username": after.username,
                    "before": {"role": before.role, "disabled": before.disabled},
                    "after": {"role": after.role, "disabled": after.disabled},
                    "password_reset": hash.is_some(),
                }))
                .insert(conn)?;
            Ok(Ok(after))
        })
    })
    .await??;
    Ok(after)
}

/// Deletes an account with its sessions and API tokens (the schema cascades). The audit trail
/// keeps its name.
pub async fn delete(auth: &AuthState, by: &Principal, id: i64) -> Result<(), AuthError> {
    if id == by.account.id {
        return Err(AuthError::SelfChange("delete"));
    }
    let (actor, ip) = (by.actor(), by.ip.clone());
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(target) = accounts::find(conn, id)? else {
                return Ok(Err(Refused::NotFound));
            };
            if loses_admin(&target, None, Some(true))
                && accounts::count_other_active_admins(conn, id)? == 0
            {
                return Ok(Err(Refused::LastAdmin));
            }
            accounts::delete(conn, id)?;
            Event::new("account.delete", Outcome::Success, &actor)
                .target("account", id)
                .ip(ip)
                .details(serde_json::json!({"username": target.username, "role": target.role}))
                .insert(conn)?;
            Ok(Ok(()))
        })
    })
    .await??;
    Ok(())
}

/// Changes the caller's own password, after checking the current one (throttled like sign-in,
/// per name). The caller's other sessions end; this one stays signed in. With `revoke_tokens`
/// (the default in the API) the account's API tokens are revoked too.
pub async fn change_own_password(
    auth: &AuthState,
    by: &Principal,
    current_password: String,
    new_password: String,
    ends: EndOthers,
) -> Result<(), AuthError> {
    let username = by.account.username.clone();
    let client_ip = by.ip.as_deref().and_then(|ip| ip.parse().ok());
    match auth.throttle.check_name(&username, client_ip) {
        NameCheck::Locked(wait) => {
            return Err(AuthError::PasswordThrottled {
                retry_after_secs: retry_after_secs(wait),
            });
        }
        NameCheck::Go(delay) if !delay.is_zero() => tokio::time::sleep(delay).await,
        NameCheck::Go(_) => {}
    }
    if !password::verify(
        current_password.clone(),
        Some(by.account.password_hash.clone()),
    )
    .await
    {
        auth.throttle.record_failure(&username, client_ip, true);
        Event::new("account.password_change", Outcome::Failure, &by.actor())
            .target("account", by.account.id)
            .ip(by.ip.clone())
            .details(serde_json::json!({"reason": "current password wrong"}))
            .record(&auth.db)
            .await;
        return Err(AuthError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    if new_password == current_password {
        return Err(AuthError::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    check_policy("new_password", &new_password, &username)?;
    let hash = password::hash(new_password).await?;
    let account_id = by.account.id;
    let keep = by.session_id().map(str::to_owned);
    let (actor, ip, now) = (by.actor(), by.ip.clone(), auth.now_ms());
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            accounts::set_password(conn, account_id, &hash, false)?;
            let ended = crate::auth::sessions::end_others(
                conn,
                account_id,
                keep.as_deref(),
                ends,
                &actor,
                "password changed",
                now,
            )?;
            Event::new("account.password_change", Outcome::Success, &actor)
                .target("account", account_id)
                .ip(ip)
                .details(serde_json::json!({
                    "other_sessions_ended": ended.sessions,
                    "tokens_revoked": ended.tokens,
                }))
                .insert(conn)
        })
    })
    .await?;
    auth.throttle.record_success(&username, client_ip);
    Ok(())
}
