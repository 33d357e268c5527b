//! API tokens: made from a signed-in session only, named uniquely per account, with a role the
//! account's covers and an optional expiry in the future. The secret is returned once and only
//! its hash is stored; revoking deletes the row. Every change is audited with it.

use chrono::{DateTime, Utc};
use plexward_shared::{API_TOKEN_PREFIX, Role};

use crate::audit::{Event, Outcome};
use crate::auth::principal::Via;
use crate::auth::secrets::{random_token, token_hash};
use crate::auth::{AuthError, AuthState, Principal};
use crate::db::time::to_ms;
use crate::db::{self, api_tokens, api_tokens::ApiToken};

/// Tokens with their owner's username: all of them, or one account's.
pub async fn list(
    auth: &AuthState,
    owner: Option<i64>,
) -> Result<Vec<(ApiToken, String)>, AuthError> {
    Ok(db::run(&auth.db, move |conn| api_tokens::list(conn, owner)).await?)
}

/// A token just made, with the secret (shown this once).
#[derive(Debug)]
pub struct Created {
    pub token: ApiToken,
    pub secret: String,
}

/// Tokens are made from a signed-in session, never from another token.
pub fn require_session(by: &Principal) -> Result<(), AuthError> {
    match by.via {
        Via::ApiToken { .. } => Err(AuthError::SessionRequired),
        Via::Session { .. } => Ok(()),
    }
}

/// Makes a token for the caller's account; `role` defaults to the caller's.
pub async fn create(
    auth: &AuthState,
    by: &Principal,
    name: &str,
    role: Option<Role>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Created, AuthError> {
    require_session(by)?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AuthError::invalid("name", "must be 1–64 characters"));
    }
    let role = role.unwrap_or(by.role);
    if !by.account.role().covers(role) {
        return Err(AuthError::invalid(
            "role",
            format!(
                "your role ({}) cannot grant {}",
                by.account.role().as_str(),
                role.as_str()
            ),
        ));
    }
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(AuthError::invalid("expires_at", "must be in the future"));
    }
    let secret = format!("{API_TOKEN_PREFIX}{}", random_token(40));
    let prefix = secret
        .chars()
        .take(API_TOKEN_PREFIX.len() + 4)
        .collect::<String>();
    let hash = token_hash(&secret);
    let account_id = by.account.id;
    let (actor, ip, now) = (by.actor(), by.ip.clone(), auth.now_ms());
    let created = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if api_tokens::name_taken(conn, account_id, &name)? {
                return Ok(None);
            }
            let token = api_tokens::insert(
                conn,
                &api_tokens::NewApiToken {
                    account_id,
                    name: &name,
                    prefix: &prefix,
                    token_hash: &hash,
                    role: role.as_str(),
                    created_at: now,
                    expires_at: expires_at.map(to_ms),
                },
            )?;
            Event::new("token.create", Outcome::Success, &actor)
                .target("api_token", token.id)
                .ip(ip)
                .details(serde_json::json!({"name": token.name, "role": token.role, "prefix": token.prefix}))
                .insert(conn)?;
            Ok(Some(token))
        })
    })
    .await?;
    let token = created.ok_or(AuthError::TokenNameTaken)?;
    Ok(Created { token, secret })
}

/// Deletes token `id` (only if owned by `owner`, when given) and audits it.
pub async fn revoke(
    auth: &AuthState,
    by: &Principal,
    id: i64,
    owner: Option<i64>,
) -> Result<(), AuthError> {
    let (actor, ip) = (by.actor(), by.ip.clone());
    let deleted = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some((token, username)) = api_tokens::find(conn, id)? else {
                return Ok(false);
            };
            if owner.is_some_and(|o| o != token.account_id) {
                return Ok(false);
            }
            api_tokens::delete(conn, id)?;
            Event::new("token.revoke", Outcome::Success, &actor)
                .target("api_token", id)
                .ip(ip)
                .details(serde_json::json!({"name": token.name, "owner": username, "prefix": token.prefix}))
                .insert(conn)?;
            Ok(true)
        })
    })
    .await?;
    if deleted {
        Ok(())
    } else {
        Err(AuthError::NotFound)
    }
}

/// Deletes every API token of `account_id` inside the caller's transaction, one `token.revoke`
/// event each (with `reason`): a reset meant to evict an intruder must take their tokens too.
/// The names of the tokens revoked, oldest first.
pub(crate) fn revoke_all_for_account(
    conn: &mut diesel::SqliteConnection,
    account_id: i64,
    actor: &crate::audit::Actor,
    ip: Option<String>,
    reason: &str,
) -> diesel::QueryResult<Vec<String>> {
    let mut revoked = Vec::new();
    for (token, username) in api_tokens::list(conn, Some(account_id))?.into_iter().rev() {
        api_tokens::delete(conn, token.id)?;
        Event::new("token.revoke", Outcome::Success, actor)
            .target("api_token", token.id)
            .ip(ip.clone())
            .details(serde_json::json!({
                "name": token.name,
                "owner": username,
                "prefix": token.prefix,
                "reason": reason,
            }))
            .insert(conn)?;
        revoked.push(token.name);
    }
    Ok(revoked)
}
