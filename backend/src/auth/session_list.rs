//! Seeing and ending sign-in sessions: your own (`/me/sessions`), or, for admins, anyone's
//! (`/accounts/{id}/sessions`). Ending one is audited; the access token it holds stops working
//! at once (every request checks the session).

use serde_json::json;

use crate::audit::{Event, Outcome};
use crate::auth::{AuthError, AuthState, Principal};
use crate::db::{self, accounts, sessions::Session};

/// The live sessions of `account_id`, the most recently seen first (404 for no such account).
pub async fn list(auth: &AuthState, account_id: i64) -> Result<Vec<Session>, AuthError> {
    let now = auth.now_ms();
    db::run(&auth.db, move |conn| {
        if accounts::find(conn, account_id)?.is_none() {
            return Ok(Err(AuthError::NotFound));
        }
        Ok(Ok(db::sessions::live_for_account(conn, account_id, now)?))
    })
    .await?
}

/// Ends session `id` of `account_id` (404 unless it is one of its live sessions).
pub async fn end(
    auth: &AuthState,
    by: &Principal,
    account_id: i64,
    id: String,
) -> Result<(), AuthError> {
    let (actor, now) = (by.actor(), auth.now_ms());
    let own = by.account.id == account_id;
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let live = db::sessions::find(conn, &id)?
                .filter(|s| s.account_id == account_id && s.is_live(now));
            let Some(session) = live else {
                return Ok(Err(AuthError::NotFound));
            };
            let reason = if own {
                "ended by you"
            } else {
                "ended by an admin"
            };
            db::sessions::revoke(conn, &session.id, now, reason)?;
            Event::new("session.end", Outcome::Success, &actor)
                .target("account", account_id)
                .ip(actor.ip.clone())
                .details(json!({
                    "session_created_at": session.created_at,
                    "session_ip": session.ip,
                    "method": session.method,
                }))
                .insert(conn)?;
            Ok(Ok(()))
        })
    })
    .await?
}

/// Ends every live session of `account_id` but the caller's own; how many.
pub async fn end_all(
    auth: &AuthState,
    by: &Principal,
    account_id: i64,
) -> Result<usize, AuthError> {
    let (actor, now) = (by.actor(), auth.now_ms());
    let keep = by.session_id().map(str::to_owned);
    let own = by.account.id == account_id;
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if accounts::find(conn, account_id)?.is_none() {
                return Ok(Err(AuthError::NotFound));
            }
            let reason = if own {
                "ended by you"
            } else {
                "ended by an admin"
            };
            let ended = db::sessions::revoke_all_for_account(
                conn,
                account_id,
                keep.as_deref(),
                now,
                reason,
            )?;
            Event::new("session.end_all", Outcome::Success, &actor)
                .target("account", account_id)
                .ip(actor.ip.clone())
                .details(json!({"ended": ended}))
                .insert(conn)?;
            Ok(Ok(ended))
        })
    })
    .await?
}
