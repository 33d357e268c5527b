//! Who is calling: resolved on every request from the database (never from claims alone), so
//! sign-out, disabling, deletion and role changes take effect on the very next request. Reading
//! the credential off the request (headers, cookies, the CSRF check) is HTTP's part:
//! `http/principal.rs`.

use plexward_shared::{API_TOKEN_PREFIX, Permission, Role};

use crate::audit::{Actor, Event, Outcome, TokenRef};
use crate::auth::{AuthError, AuthState, secrets::token_hash};
use crate::db::{self, DbPool, accounts::Account};

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session {
        id: String,
        /// It must set up two-factor sign-in before anything else (see [`Principal::ready`]).
        mfa_enrolment_pending: bool,
    },
    /// An API token: its id and name (the name for the audit trail).
    ApiToken { id: i64, name: String },
}

/// An authenticated caller whose account is enabled (and, once [`Principal::ready`], needs no
/// password change).
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: Account,
    /// The role in force: the account's, or the API token's (itself capped by the account's).
    pub role: Role,
    pub via: Via,
    pub ip: Option<String>,
    /// Where refusals are recorded (the audit trail), and the runtime that writes them.
    db: DbPool,
    runtime: tokio::runtime::Handle,
}

impl Principal {
    /// Whether the caller holds `permission`: an API token can never exceed its account's
    /// current role, even if the account was demoted after the token was made.
    pub fn allows(&self, permission: Permission) -> bool {
        self.role.allows(permission) && self.account.role().allows(permission)
    }

    /// `Ok` when allowed; otherwise [`AuthError::Forbidden`], and the refusal is audited (in the
    /// background, on the main runtime: the answer does not wait for the write).
    pub fn require(&self, permission: Permission) -> Result<(), AuthError> {
        if self.allows(permission) {
            return Ok(());
        }
        let event = Event::new("authz.denied", Outcome::Denied, &self.actor())
            .ip(self.ip.clone())
            .details(serde_json::json!({
                "permission": permission,
                "role": self.role.as_str(),
                "via": match self.via { Via::Session { .. } => "session", Via::ApiToken { .. } => "api_token" },
            }));
        let pool = self.db.clone();
        self.runtime.spawn(async move { event.record(&pool).await });
        Err(AuthError::Forbidden)
    }

    /// The caller, refused while a signed-in session must change its password first (only
    /// `GET /me`, `PUT /me/password` and sign-out admit such a session: [`PendingPrincipal`]).
    pub fn ready(self) -> Result<Self, AuthError> {
        if self.account.must_change_password && self.session_id().is_some() {
            return Err(AuthError::PasswordChangeRequired);
        }
        if self.mfa_enrolment_pending() {
            return Err(AuthError::MfaEnrolmentRequired);
        }
        Ok(self)
    }

    /// A session whose role requires two-factor sign-in, signed in without it: it may set one up
    /// (and see itself, or sign out), nothing else.
    pub fn mfa_enrolment_pending(&self) -> bool {
        matches!(
            self.via,
            Via::Session {
                mfa_enrolment_pending: true,
                ..
            }
        )
    }

    /// The caller as the audit trail records them: the account, the client's address and the
    /// API token used, if any.
    pub fn actor(&self) -> Actor {
        let token = match &self.via {
            Via::ApiToken { id, name } => Some(TokenRef {
                id: *id,
                name: name.clone(),
            }),
            Via::Session { .. } => None,
        };
        Actor::account(self.account.id, &self.account.username)
            .from_ip(self.ip.clone())
            .with_token(token)
    }

    pub fn session_id(&self) -> Option<&str> {
        match &self.via {
            Via::Session { id, .. } => Some(id),
            Via::ApiToken { .. } => None,
        }
    }
}

/// Like [`Principal`] but also admits a session that must change its password or set up
/// two-factor sign-in first: only for `GET /me`, `PUT /me/password`, setting up a second factor
/// and sign-out.
#[derive(Debug, Clone)]
pub struct PendingPrincipal(pub Principal);

/// A bearer credential as presented: an API token (`pwt_…`) or a sign-in JWT.
pub fn is_api_token(secret: &str) -> bool {
    secret.starts_with(API_TOKEN_PREFIX)
}

/// The caller behind a sign-in JWT: its session must be live and its account enabled.
pub async fn by_jwt(
    auth: &AuthState,
    jwt: &str,
    ip: Option<String>,
) -> Result<Principal, AuthError> {
    let claims = auth.jwt.verify(jwt).ok_or(AuthError::Unauthenticated)?;
    let account_id: i64 = claims.sub.parse().map_err(|_| AuthError::Unauthenticated)?;
    let sid = claims.sid;
    let now = auth.now_ms();
    let found = db::run(&auth.db, move |conn| {
        let Some(session) = db::sessions::find(conn, &sid)? else {
            return Ok(None);
        };
        if session.account_id != account_id || !session.is_live(now) {
            return Ok(None);
        }
        Ok(db::accounts::find(conn, account_id)?
            .map(|a| (a, session.id, session.mfa_enrolment_pending)))
    })
    .await?;
    match found {
        Some((account, id, mfa_enrolment_pending)) if !account.disabled => Ok(Principal {
            role: account.role(),
            account,
            via: Via::Session {
                id,
                mfa_enrolment_pending,
            },
            ip,
            db: auth.db.clone(),
            runtime: auth.runtime.clone(),
        }),
        _ => Err(AuthError::Unauthenticated),
    }
}

/// The caller behind an API token: unexpired, its account enabled; its role is the token's.
pub async fn by_api_token(
    auth: &AuthState,
    secret: &str,
    ip: Option<String>,
) -> Result<Principal, AuthError> {
    let hash = token_hash(secret);
    let now = auth.now_ms();
    let from = ip.clone();
    let found = db::run(&auth.db, move |conn| {
        let Some(token) = db::api_tokens::find_by_hash(conn, &hash)? else {
            return Ok(None);
        };
        if token.expires_at.is_some_and(|at| at <= now) {
            return Ok(None);
        }
        let Some(account) = db::accounts::find(conn, token.account_id)? else {
            return Ok(None);
        };
        // Record use at most once a minute: a busy script must not turn reads into writes.
        if token.last_used_at.is_none_or(|at| now - at > 60_000) {
            db::api_tokens::touch(conn, token.id, now)?;
        }
        let seen_before = match &from {
            Some(ip) if !account.disabled => db::api_tokens::new_address(conn, token.id, ip, now)?,
            _ => None,
        };
        let role = token.role();
        Ok(Some((account, token.id, token.name, role, seen_before)))
    })
    .await?;
    if let Some((account, id, name, _, Some(seen_before))) = &found {
        // A token turning up somewhere new is worth an auditor's look (the first use less so).
        let actor = Actor::account(account.id, &account.username)
            .from_ip(ip.clone())
            .with_token(Some(TokenRef {
                id: *id,
                name: name.clone(),
            }));
        Event::new("token.new_address", Outcome::Success, &actor)
            .target("api_token", id)
            .details(serde_json::json!({
                "token": name,
                "first_use": seen_before.is_empty(),
                "seen_before": seen_before.iter().take(5).collect::<Vec<_>>(),
            }))
            .record(&auth.db)
            .await;
    }
    match found {
        // Until the account has chosen a new password (an admin reset it), its tokens are as
        // suspect as the old password: refused everywhere, `GET /me` included.
        Some((account, ..)) if !account.disabled && account.must_change_password => {
            Err(AuthError::PasswordChangeRequired)
        }
        Some((account, id, name, role, _)) if !account.disabled => Ok(Principal {
            account,
            role,
            via: Via::ApiToken { id, name },
            ip,
            db: auth.db.clone(),
            runtime: auth.runtime.clone(),
        }),
        _ => Err(AuthError::Unauthenticated),
    }
}
