//! Sign-in sessions: creation, refresh-token rotation with reuse detection, revocation. Each
//! function runs inside the caller's transaction.

use diesel::SqliteConnection;
use diesel::result::QueryResult;

use plexward_shared::SignInMethod;

use crate::audit::Actor;
use crate::auth::secrets::{random_token, token_hash};
use crate::auth::tokens;
use crate::db::accounts::{self, Account};
use crate::db::sessions::{self as q, NewSession};

/// A session lives 7 days past its last refresh, and 30 days at most.
pub const IDLE_MS: i64 = 7 * 24 * 3600 * 1000;
pub const MAX_MS: i64 = 30 * 24 * 3600 * 1000;
/// Two refreshes with the same token this close together are a race between tabs, not theft.
const RACE_GRACE_MS: i64 = 5_000;

/// A new session's identifiers; the access JWT is issued from them after commit.
#[derive(Debug)]
pub struct NewIds {
    pub session_id: String,
    pub refresh_token: String,
    /// Lifetime of the refresh cookie, seconds.
    pub refresh_max_age_secs: i64,
    /// The session must set up two-factor sign-in before anything else.
    pub mfa_enrolment_pending: bool,
}

/// Who a new session is for and how it signed in.
#[derive(Debug, Clone, Copy)]
pub struct Start<'a> {
    pub account_id: i64,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub method: SignInMethod,
    /// Its role requires two-factor sign-in and it has none: it sets it up before anything else.
    pub mfa_enrolment_pending: bool,
}

pub fn start(conn: &mut SqliteConnection, new: Start<'_>, now: i64) -> QueryResult<NewIds> {
    let Start {
        account_id,
        ip,
        user_agent,
        method,
        mfa_enrolment_pending,
    } = new;
    let session_id = random_token(32);
    let refresh_token = random_token(48);
    q::insert(
        conn,
        &NewSession {
            id: &session_id,
            account_id,
            created_at: now,
            expires_at: now + IDLE_MS,
            last_seen_at: now,
            ip,
            user_agent: user_agent.map(|ua| &ua[..ua.len().min(256)]),
            method: method.as_str(),
            mfa_enrolment_pending,
        },
    )?;
    q::insert_refresh(conn, &token_hash(&refresh_token), &session_id, now)?;
    Ok(NewIds {
        session_id,
        refresh_token,
        refresh_max_age_secs: IDLE_MS / 1000,
        mfa_enrolment_pending,
    })
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Refresh {
    /// A fresh refresh token for the same session.
    Rotated { ids: NewIds, account: Account },
    /// Unknown token, or its session is over.
    Invalid,
    /// A token already used was presented again: the session has been revoked.
    Reused {
        account: Option<Account>,
        session_id: String,
    },
    /// Used a moment ago by a concurrent request: refused, session kept.
    Race,
}

pub fn rotate(conn: &mut SqliteConnection, presented: &str, now: i64) -> QueryResult<Refresh> {
    let Some(token) = q::find_refresh(conn, &token_hash(presented))? else {
        return Ok(Refresh::Invalid);
    };
    let Some(session) = q::find(conn, &token.session_id)? else {
        return Ok(Refresh::Invalid);
    };
    let account = accounts::find(conn, session.account_id)?;
    if let Some(used) = token.used_at {
        if now - used < RACE_GRACE_MS && session.is_live(now) {
            return Ok(Refresh::Race);
        }
        q::revoke(conn, &session.id, now, "refresh token reused")?;
        return Ok(Refresh::Reused {
            account,
            session_id: session.id,
        });
    }
    let Some(account) = account.filter(|a| !a.disabled) else {
        return Ok(Refresh::Invalid);
    };
    if !session.is_live(now) {
        return Ok(Refresh::Invalid);
    }
    q::mark_refresh_used(conn, &token.token_hash, now)?;
    let refresh_token = random_token(48);
    q::insert_refresh(conn, &token_hash(&refresh_token), &session.id, now)?;
    let expires_at = (now + IDLE_MS).min(session.created_at + MAX_MS);
    q::extend(conn, &session.id, now, expires_at)?;
    Ok(Refresh::Rotated {
        ids: NewIds {
            session_id: session.id,
            refresh_token,
            refresh_max_age_secs: (expires_at - now) / 1000,
            mfa_enrolment_pending: session.mfa_enrolment_pending,
        },
        account,
    })
}

/// What a password or two-factor change does to the account's other ways in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndOthers {
    /// End every session but the caller's.
    pub sessions: bool,
    /// Revoke every API token.
    pub tokens: bool,
}

/// What [`end_others`] ended: how many sessions, and the names of the tokens revoked.
#[derive(Debug, Clone, Default)]
pub struct Ended {
    pub sessions: usize,
    pub tokens: Vec<String>,
}

/// Ends the account's other sessions and/or its API tokens, inside the caller's transaction.
pub fn end_others(
    conn: &mut SqliteConnection,
    account_id: i64,
    keep: Option<&str>,
    ends: EndOthers,
    actor: &Actor,
    reason: &str,
    now: i64,
) -> QueryResult<Ended> {
    let sessions = if ends.sessions {
        q::revoke_all_for_account(conn, account_id, keep, now, reason)?
    } else {
        0
    };
    let tokens = if ends.tokens {
        tokens::revoke_all_for_account(conn, account_id, actor, actor.ip.clone(), reason)?
    } else {
        Vec::new()
    };
    Ok(Ended { sessions, tokens })
}
