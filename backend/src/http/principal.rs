//! Reading the caller off a request, for `auth::Principal`: in order, `Authorization: Bearer
//! pwt_…` (API token), `Authorization: Bearer <JWT>` (sign-in token), the SPA's HttpOnly access
//! cookie (with the CSRF check). Who that is, and whether they may, is `auth/`'s to say.

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

/// The client's address as seen on the socket (no proxy headers are trusted).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// The 403 for a cookie-carried request from another origin.
pub fn cross_origin_refused() -> ApiError {
    ApiError::Forbidden {
        code: "cross_origin_refused",
        message: "This request must come from Plexward's own pages.".into(),
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

    let found = match bearer {
        Some(secret) if principal::is_api_token(&secret) => {
            principal::by_api_token(&state.auth, &secret, ip).await
        }
        Some(jwt) => principal::by_jwt(&state.auth, &jwt, ip).await,
        None => {
            let jwt = cookies::read_access(req).ok_or_else(ApiError::unauthenticated)?;
            if !csrf::same_origin(req) {
                return Err(cross_origin_refused());
            }
            principal::by_jwt(&state.auth, &jwt, ip).await
        }
    };
    Ok(found?)
}
