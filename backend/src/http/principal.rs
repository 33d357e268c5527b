//! Reading the caller off a request, for `auth::Principal`: in order, `Authorization: Bearer
//! pwt_…` or `X-Api-Key: pwt_…` (API token), `Authorization: Bearer <JWT>` (sign-in token), the
//! SPA's HttpOnly access cookie (with the CSRF check). Who that is, and whether they may, is
//! `auth/`'s to say.
//!
//! `X-Api-Key` (the header Wizarr and Seerr scripts use) carries API tokens only: a sign-in JWT
//! there is refused like a wrong token, so a JWT keeps one way in. When both headers are sent
//! they must carry the same token; otherwise the request is refused (401
//! `conflicting_credentials`, the status of every other credential problem) rather than guessing
//! which one the script meant.
//!
//! Neither header needs the CSRF check: a browser never adds them on its own, and a page's script
//! cannot send them cross-site without a CORS preflight this server never approves.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::auth::{PendingPrincipal, Principal, principal};
use crate::http::error::ApiError;
use crate::http::{cookies, csrf};
use crate::state::AppState;

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(authenticate(&req).await?.ready()?) })
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

/// The client's address (behind a trusted proxy, the one it forwarded for; see `client_addr`).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    crate::http::client_addr::of(req)
        .ip
        .map(|ip| ip.to_string())
}

/// The header that carries an API token as an alternative to `Authorization: Bearer`.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The 401 for an `Authorization` and an `X-Api-Key` that carry different credentials.
fn conflicting_credentials() -> ApiError {
    ApiError::Unauthorized {
        code: "conflicting_credentials",
        message: "Authorization and X-Api-Key carry different credentials; send one of them."
            .into(),
    }
}

/// The 403 for a cookie-carried request from another origin.
pub fn cross_origin_refused() -> ApiError {
    ApiError::Forbidden {
        code: "cross_origin_refused",
        message: "This request must come from Plexward's own pages.".into(),
    }
}

/// The 403 for a friend's portal session outside the portal.
pub fn portal_session_refused() -> ApiError {
    ApiError::Forbidden {
        code: "portal_session",
        message: "A friend's portal session may see its own access only (at /portal).".into(),
    }
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
    let api_key = match req.headers().get(API_KEY_HEADER) {
        // A value that is not even text cannot be a token: the same 401 as a wrong one.
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::unauthenticated())?
                .trim()
                .to_owned(),
        ),
        None => None,
    };

    let found = match (bearer, api_key) {
        (Some(bearer), Some(key)) if bearer != key => return Err(conflicting_credentials()),
        (_, Some(key)) if !principal::is_api_token(&key) => {
            return Err(ApiError::unauthenticated());
        }
        (_, Some(secret)) => principal::by_api_token(&state.auth, &secret, ip).await,
        (Some(secret), None) if principal::is_api_token(&secret) => {
            principal::by_api_token(&state.auth, &secret, ip).await
        }
        (Some(jwt), None) => principal::by_jwt(&state.auth, &jwt, ip).await,
        (None, None) => {
            let Some(jwt) = cookies::read_access(req) else {
                // A friend's portal session is signed in, but to the portal only.
                return Err(if cookies::read_portal(req).is_some() {
                    portal_session_refused()
                } else {
                    ApiError::unauthenticated()
                });
            };
            if !csrf::same_origin(req) {
                return Err(cross_origin_refused());
            }
            principal::by_jwt(&state.auth, &jwt, ip).await
        }
    };
    Ok(found?)
}
