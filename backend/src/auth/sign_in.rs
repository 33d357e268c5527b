//! Signing in and out, and refreshing a session: the throttles, the audit events and the
//! session rows, in one transaction each where there is a change. The access JWT and the cookies
//! that carry these to the client are HTTP's part (`http/auth.rs`).

use std::net::IpAddr;

use crate::audit::{Actor, Event, Outcome};
use crate::auth::sessions::{self, NewIds, Refresh};
use crate::auth::throttle::{NameCheck, Quota, retry_after_secs};
use crate::auth::{AuthError, AuthState, Principal, password, secrets::token_hash, sign_in_policy};
use crate::db::accounts::{self, Account};
use crate::db::{self};
use plexward_shared::SignInMethod;

/// Longest password we will even hash (the policy allows 128 characters).
const MAX_PASSWORD_BYTES: usize = 1024;

/// Who is signing in, as the socket tells.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl Client {
    fn ip_text(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }
}

/// A sign-in attempt's outcome and the client's sign-in quota after it (none when the socket
/// gave no address), which every answer reports, success or not.
#[derive(Debug)]
pub struct Attempt {
    pub quota: Option<Quota>,
    pub outcome: Result<SignedIn, AuthError>,
}

/// A right password: a session, or (two-factor sign-in on) the token of the second step.
#[derive(Debug)]
pub enum SignedIn {
    Session(Account, NewIds),
    SecondFactor {
        mfa_token: String,
        /// What may complete it (`totp`, `recovery_code`, `passkey`).
        methods: Vec<String>,
    },
}

/// Checks the password of `username` (throttled per address and per name) and starts a session.
/// Every outcome is audited.
pub async fn login(auth: &AuthState, username: &str, password: String, client: &Client) -> Attempt {
    let by_ip = client.ip.map(|ip| auth.throttle.check_ip(ip));
    let quota = by_ip.map(|checked| checked.unwrap_or_else(|refused| refused.quota));
    let limited = match by_ip {
        Some(Err(refused)) => Err(refused.wait),
        _ => match auth.throttle.check_name(username, client.ip) {
            NameCheck::Locked(wait) => Err(wait),
            NameCheck::Go(delay) => Ok(delay),
        },
    };
    let delay = match limited {
        Ok(delay) => delay,
        Err(wait) => return throttled(auth, username, client, quota, wait).await,
    };
    if !delay.is_zero() {
        // The name is under attack from elsewhere: slowed, never refused, from here.
        tokio::time::sleep(delay).await;
    }
    Attempt {
        quota,
        outcome: check_and_start(auth, username, password, client).await,
    }
}

/// The answer to an attempt the throttles refused (audited: repeats from one address fold into
/// that minute's row, see `audit::Event::record`).
async fn throttled(
    auth: &AuthState,
    username: &str,
    client: &Client,
    quota: Option<Quota>,
    wait: std::time::Duration,
) -> Attempt {
    Event::new(
        "auth.login",
        Outcome::Denied,
        &Actor::anonymous(Some(username)),
    )
    .ip(client.ip_text())
    .details(serde_json::json!({"reason": "throttled", "retry_after_secs": retry_after_secs(wait)}))
    .record(&auth.db)
    .await;
    tell_if_burst(auth).await;
    Attempt {
        quota: quota.map(|q| q.exhausted_for(wait)),
        outcome: Err(AuthError::LoginThrottled {
            retry_after_secs: retry_after_secs(wait),
        }),
    }
}

/// A failed sign-in: `signin.failures` when it makes a burst (the wall clock: it is about the
/// attack, not access windows).
pub(crate) async fn tell_if_burst(auth: &AuthState) {
    use super::failure_burst::WINDOW_MS;
    let now = db::time::now_ms();
    let Some(count) = auth.failures.record(now) else {
        return;
    };
    let minutes = WINDOW_MS / 60_000;
    tracing::warn!(count, minutes, "a burst of failed sign-ins");
    let mut notice = crate::notify::Notice::new(
        "signin.failures",
        format!("{count} sign-ins to Plexward failed within {minutes} minutes."),
    );
    notice.details = serde_json::json!({"count": count, "minutes": minutes});
    let told = db::run(&auth.db, move |conn| {
        crate::notify::record(conn, &notice, now)
    })
    .await;
    match told {
        Ok(_) => crate::notify::wake(),
        Err(e) => tracing::warn!(error = %e, "cannot record the failed sign-ins to tell"),
    }
}

/// The part of [`login`] past the throttles: the password, the account's state, the session.
async fn check_and_start(
    auth: &AuthState,
    username: &str,
    password: String,
    client: &Client,
) -> Result<SignedIn, AuthError> {
    let ip = client.ip_text();
    let attempt = Actor::anonymous(Some(username));
    if !db::run(&auth.db, sign_in_policy::local_sign_in).await? {
        Event::new("auth.login", Outcome::Denied, &attempt)
            .ip(ip)
            .details(serde_json::json!({"reason": "local sign-in is off"}))
            .record(&auth.db)
            .await;
        return Err(AuthError::LocalSignInOff);
    }
    let lookup = username.to_owned();
    let account = db::run(&auth.db, move |conn| {
        accounts::find_by_username(conn, &lookup)
    })
    .await?;
    let password_ok = password.len() <= MAX_PASSWORD_BYTES
        && password::verify(password, account.as_ref().map(|a| a.password_hash.clone())).await;
    let account = match account {
        Some(account) if password_ok => account,
        _ => {
            let lock = auth
                .throttle
                .record_failure(username, client.ip, account.is_some());
            Event::new("auth.login", Outcome::Failure, &attempt)
                .ip(ip)
                .details(serde_json::json!({
                    "reason": "invalid credentials",
                    "locked_for_secs": lock.map(|d| d.as_secs()),
                }))
                .record(&auth.db)
                .await;
            tell_if_burst(auth).await;
            return Err(AuthError::InvalidCredentials);
        }
    };
    if account.disabled {
        Event::new(
            "auth.login",
            Outcome::Denied,
            &Actor::account(account.id, &account.username),
        )
        .ip(ip)
        .details(serde_json::json!({"reason": "account disabled"}))
        .record(&auth.db)
        .await;
        return Err(AuthError::AccountDisabled);
    }
    auth.throttle.record_success(username, client.ip);
    let (id, now) = (account.id, auth.now_ms());
    let actor = Actor::account(account.id, &account.username);
    let challenge = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if !super::mfa::required(conn, id)? {
                return Ok(None);
            }
            let token = super::mfa::challenge(conn, id, now)?;
            let methods = super::mfa::methods(conn, id)?;
            Event::new("auth.mfa", Outcome::Success, &actor)
                .ip(ip.clone())
                .details(serde_json::json!({
                    "stage": "password accepted; second factor asked",
                    "methods": methods,
                }))
                .insert(conn)?;
            Ok(Some((token, methods)))
        })
    })
    .await?;
    if let Some((mfa_token, methods)) = challenge {
        return Ok(SignedIn::SecondFactor { mfa_token, methods });
    }
    let (account, ids) =
        start_session(auth, &account, client, SignInMethod::Password, None).await?;
    Ok(SignedIn::Session(account, ids))
}

/// Starts a session for `account` (its password, and second factor if on, accepted), audited
/// as a sign-in with `details`.
pub(crate) async fn start_session(
    auth: &AuthState,
    account: &Account,
    client: &Client,
    method: SignInMethod,
    details: Option<serde_json::Value>,
) -> Result<(Account, NewIds), AuthError> {
    let ip = client.ip_text();
    let now = auth.now_ms();
    let user_agent = client.user_agent.clone();
    let (account_id, role) = (account.id, account.role());
    let actor = Actor::account(account.id, &account.username);
    let (ids, account) = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            // Sign-ins are rare and already write: a good moment to forget long-ended sessions.
            db::sessions::purge_ended(conn, now)?;
            // The provider is in charge of a single sign-on's factors.
            let pending = method != SignInMethod::Sso
                && sign_in_policy::enrolment_pending(conn, account_id, role)?;
            let ids = sessions::start(
                conn,
                sessions::Start {
                    account_id,
                    ip: ip.as_deref(),
                    user_agent: user_agent.as_deref(),
                    method,
                    mfa_enrolment_pending: pending,
                },
                now,
            )?;
            accounts::touch_login(conn, account_id, now)?;
            let mut details = details.clone().unwrap_or_else(|| serde_json::json!({}));
            details["method"] = method.as_str().into();
            if pending {
                details["mfa_enrolment_required"] = true.into();
            }
            let event = Event::new("auth.login", Outcome::Success, &actor)
                .ip(ip.clone())
                .details(details);
            event.insert(conn)?;
            let account =
                accounts::find(conn, account_id)?.ok_or(diesel::result::Error::NotFound)?;
            Ok((ids, account))
        })
    })
    .await?;
    Ok((account, ids))
}

/// What presenting a refresh token led to, for the answer.
#[derive(Debug)]
pub enum Refreshed {
    /// The session goes on: a new refresh token (and, from HTTP, a new access token).
    Rotated { ids: NewIds, account: Account },
    /// The session is over (unknown, ended, or revoked just now because the token was reused).
    Over,
}

/// Trades a refresh token for a new one. A token presented again after its grace window ends
/// its session (a stolen token): audited and logged. A second use within the window is
/// [`AuthError::RefreshConflict`].
pub async fn refresh(
    auth: &AuthState,
    presented: String,
    ip: Option<String>,
) -> Result<Refreshed, AuthError> {
    let now = auth.now_ms();
    let outcome = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| sessions::rotate(conn, &presented, now))
    })
    .await?;
    match outcome {
        Refresh::Rotated { ids, account } => Ok(Refreshed::Rotated { ids, account }),
        Refresh::Race => Err(AuthError::RefreshConflict),
        Refresh::Reused {
            account,
            session_id,
        } => {
            let actor = account
                .map(|a| Actor::account(a.id, &a.username))
                .unwrap_or_else(|| Actor::anonymous(None));
            Event::new("auth.refresh_reuse", Outcome::Denied, &actor)
                .target("session", &session_id[..8])
                .ip(ip)
                .details(serde_json::json!({"reason": "a used refresh token was presented again; session revoked"}))
                .record(&auth.db)
                .await;
            tracing::warn!("refresh token reuse detected: session revoked");
            Ok(Refreshed::Over)
        }
        Refresh::Invalid => Ok(Refreshed::Over),
    }
}

/// Ends the caller's session: the signed-in one, or (when the access token has expired) the one
/// the refresh token names. Audited when a session actually ended.
pub async fn logout(
    auth: &AuthState,
    principal: Option<&Principal>,
    refresh_token: Option<String>,
    ip: Option<String>,
) -> Result<(), AuthError> {
    let now = auth.now_ms();
    let refresh_hash = refresh_token.map(|t| token_hash(&t));
    let session = principal.and_then(|p| p.session_id().map(str::to_owned));
    let actor = principal.map(Principal::actor);
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let session_id = match session {
                Some(id) => Some(id),
                None => match refresh_hash {
                    Some(hash) => db::sessions::find_refresh(conn, &hash)?.map(|t| t.session_id),
                    None => None,
                },
            };
            if let Some(id) = session_id
                && db::sessions::revoke(conn, &id, now, "signed out")? > 0
            {
                let actor = match actor {
                    Some(a) => a,
                    None => match db::sessions::find(conn, &id)? {
                        Some(s) => accounts::find(conn, s.account_id)?
                            .map(|a| Actor::account(a.id, &a.username))
                            .unwrap_or_else(|| Actor::anonymous(None)),
                        None => Actor::anonymous(None),
                    },
                };
                Event::new("auth.logout", Outcome::Success, &actor)
                    .ip(ip)
                    .insert(conn)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(())
}
