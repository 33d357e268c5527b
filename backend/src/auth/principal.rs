//! Who is calling: resolved on every request from the database (never from claims alone), so
//! sign-out, disabling, deletion and role changes take effect on the very next request.
//!
//! Credentials, in order: `Authorization: Bearer pwt_…` (API token), `Authorization: Bearer <JWT>`
//! (sign-in token), the SPA's HttpOnly access cookie (with the CSRF check for mutations).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use plexward_shared::{API_TOKEN_PREFIX, Permission, Role};

use crate::audit::{Actor, Event, Outcome};
use crate::auth::{cookies, csrf, secrets::token_hash};
use crate::db::time::now_ms;
use crate::db::{self, accounts::Account};
use crate::http::error::ApiError;
use crate::state::AppState;

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session { id: String },
    ApiToken { id: i64 },
}

/// An authenticated caller whose account is enabled and needs no password change.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: Account,
    /// The role in force: the account's, or the API token's (itself capped by the account's).
    pub role: Role,
    pub via: Via,
    pub ip: Option<String>,
    /// Where refusals are recorded (the audit trail).
    db: db::DbPool,
}

impl Principal {
    /// Whether the caller holds `permission`: an API token can never exceed its account's
    /// current role, even if the account was demoted after the token was made.
    pub fn allows(&self, permission: Permission) -> bool {
        self.role.allows(permission) && self.account.role().allows(permission)
    }

    /// `Ok` when allowed; otherwise 403, and the refusal is audited (in the background: the
    /// answer does not wait for the write).
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
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
        actix_web::rt::spawn(async move { event.record(&pool).await });
        Err(ApiError::forbidden())
    }

    pub fn actor(&self) -> Actor {
        Actor::account(self.account.id, &self.account.username)
    }

    pub fn session_id(&self) -> Option<&str> {
        match &self.via {
            Via::Session { id } => Some(id),
            Via::ApiToken { .. } => None,
        }
    }
}

/// Like [`Principal`] but also admits a session that must change its password first: only for
/// `GET /me`, `PUT /me/password` and sign-out.
#[derive(Debug, Clone)]
pub struct PendingPrincipal(pub Principal);

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = authenticate(&req).await?;
            if principal.account.must_change_password && principal.session_id().is_some() {
                return Err(ApiError::Forbidden {
                    code: "password_change_required",
                    message: "Choose a new password before doing anything else.".into(),
                });
            }
            Ok(principal)
        })
    }
}

impl FromRequest for PendingPrincipal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map(PendingPrincipal) })
    }
}

/// The client's address as seen on the socket (no proxy headers are trusted).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

async fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState missing")))?
        .clone();
    let ip = client_ip(req);
    let bearer = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|v| v.trim().to_owned());

    match bearer {
        Some(secret) if secret.starts_with(API_TOKEN_PREFIX) => {
            by_api_token(&state, secret, ip).await
        }
        Some(jwt) => by_jwt(&state, &jwt, ip).await,
        None => {
            let jwt = cookies::read_access(req).ok_or_else(ApiError::unauthenticated)?;
            if !csrf::same_origin(req) {
                return Err(ApiError::Forbidden {
                    code: "cross_origin_refused",
                    message: "This request must come from Plexward's own pages.".into(),
                });
            }
            by_jwt(&state, &jwt, ip).await
        }
    }
}

async fn by_jwt(state: &AppState, jwt: &str, ip: Option<String>) -> Result<Principal, ApiError> {
    let claims = state
        .auth
        .jwt
        .verify(jwt)
        .ok_or_else(ApiError::unauthenticated)?;
    let account_id: i64 = claims
        .sub
        .parse()
        .map_err(|_| ApiError::unauthenticated())?;
    let sid = claims.sid;
    let now = now_ms();
    let found = db::run(&state.db, move |conn| {
        let Some(session) = db::sessions::find(conn, &sid)? else {
            return Ok(None);
        };
        if session.account_id != account_id || !session.is_live(now) {
            return Ok(None);
        }
        Ok(db::accounts::find(conn, account_id)?.map(|a| (a, session.id)))
    })
    .await?;
    match found {
        Some((account, id)) if !account.disabled => Ok(Principal {
            role: account.role(),
            account,
            via: Via::Session { id },
            ip,
            db: state.db.clone(),
        }),
        _ => Err(ApiError::unauthenticated()),
    }
}

async fn by_api_token(
    state: &AppState,
    secret: String,
    ip: Option<String>,
) -> Result<Principal, ApiError> {
    let hash = token_hash(&secret);
    let now = now_ms();
    let found = db::run(&state.db, move |conn| {
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
        Ok(Some((account, token.id, token.role())))
    })
    .await?;
    match found {
        Some((account, id, role)) if !account.disabled => Ok(Principal {
            account,
            role,
            via: Via::ApiToken { id },
            ip,
            db: state.db.clone(),
        }),
        _ => Err(ApiError::unauthenticated()),
    }
}
