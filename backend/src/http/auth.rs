//! `/api/v1/auth`: sign in, refresh, sign out. The rules (throttles, sessions, audit) are
//! `auth::sign_in`'s; here the access token and the cookies that carry it.

use actix_web::{HttpRequest, HttpResponse, ResponseError, post, web};
use chrono::Utc;
use plexward_shared::{LoginRequest, LoginResponse};

use crate::auth::PendingPrincipal;
use crate::auth::sessions::NewIds;
use crate::auth::sign_in::{self, Client, Refreshed};
use crate::db::accounts::Account;
use crate::http::error::ApiError;
use crate::http::principal::{client_ip, cross_origin_refused};
use crate::http::{cookies, csrf, dto, rate_limit};
use crate::state::AppState;

/// Who is signing in, as the request tells: its address (a trusted proxy's forwarded one) and
/// user agent. Shared by the password, second-factor and single sign-on routes.
pub(crate) fn sign_in_client(req: &HttpRequest) -> Client {
    Client {
        ip: crate::http::client_addr::of(req).ip,
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// The answer to a successful sign-in or refresh: the token in the body for scripts, and the
/// same token plus the refresh token in HttpOnly cookies for the SPA.
pub(crate) fn signed_in(
    req: &HttpRequest,
    state: &AppState,
    account: &Account,
    ids: &NewIds,
) -> Result<HttpResponse, ApiError> {
    let (token, expires_at) = state
        .auth
        .jwt
        .issue(account.id, &ids.session_id, Utc::now())?;
    let access_age = (expires_at - Utc::now()).num_seconds();
    Ok(HttpResponse::Ok()
        .cookie(cookies::access(req, &token, access_age))
        .cookie(cookies::refresh(
            req,
            &ids.refresh_token,
            ids.refresh_max_age_secs,
        ))
        .json(LoginResponse {
            token,
            expires_at,
            account: dto::own_account(account, ids.mfa_enrolment_pending),
        }))
}

fn signed_out(req: &HttpRequest, mut response: actix_web::HttpResponseBuilder) -> HttpResponse {
    for cookie in cookies::cleared(req) {
        response.cookie(cookie);
    }
    response.finish()
}

/// 401 in the error envelope, clearing the cookies of a session that is over.
fn session_over(req: &HttpRequest) -> HttpResponse {
    let mut response = ResponseError::error_response(&ApiError::Unauthorized {
        code: "session_expired",
        message: "The session is over; sign in again.".into(),
    });
    for cookie in cookies::cleared(req) {
        // Setting a cookie only fails for invalid names/values, which ours never are.
        let _ = response.add_cookie(&cookie);
    }
    response
}

/// Sign in with a username and password.
#[utoipa::path(
    operation_id = "signIn",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; cookies set. Every answer of this operation \
            carries the caller's sign-in quota as `RateLimit-Limit`, `RateLimit-Remaining` and \
            `RateLimit-Reset` (seconds until the full limit is back). With two-factor sign-in on, no \
            session yet: `{mfa_required: true, mfa_token, methods}` for `POST /api/v1/auth/mfa`.", body = plexward_shared::LoginAnswer,
            headers(
                ("RateLimit-Limit" = u32, description = "Sign-in attempts allowed in a burst from this address"),
                ("RateLimit-Remaining" = u32, description = "Attempts left now"),
                ("RateLimit-Reset" = u64, description = "Seconds until the full limit is available again"),
            )),
        (status = 401, description = "Wrong username or password", body = plexward_shared::ErrorResponse),
        (status = 403, description = "Account disabled", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Missing fields", body = plexward_shared::ErrorResponse),
        (status = 429, description = "Too many attempts: `Retry-After` says when to try again, `RateLimit-Remaining` is 0", body = plexward_shared::ErrorResponse,
            headers(
                ("Retry-After" = u64, description = "Seconds until the next attempt is allowed"),
                ("RateLimit-Limit" = u32, description = "Sign-in attempts allowed in a burst from this address"),
                ("RateLimit-Remaining" = u32, description = "0"),
                ("RateLimit-Reset" = u64, description = "Seconds until the full limit is available again"),
            )),
    ),
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password } = body.into_inner();
    let username = username.trim().to_owned();
    if username.is_empty() || password.is_empty() {
        let field = if username.is_empty() {
            "username"
        } else {
            "password"
        };
        return Err(ApiError::field(field, "is required"));
    }
    let client = sign_in_client(&req);
    let attempt = sign_in::login(&state.auth, &username, password, &client).await;
    let mut response = attempt
        .outcome
        .map_err(ApiError::from)
        .and_then(|signed| match signed {
            sign_in::SignedIn::Session(account, ids) => signed_in(&req, &state, &account, &ids),
            sign_in::SignedIn::SecondFactor { mfa_token, methods } => Ok(HttpResponse::Ok().json(
                plexward_shared::MfaRequiredResponse {
                    mfa_required: true,
                    mfa_token,
                    methods,
                },
            )),
        })
        .unwrap_or_else(|e| e.error_response());
    if let Some(quota) = attempt.quota {
        rate_limit::insert_headers(response.headers_mut(), &quota);
    }
    Ok(response)
}

/// Trade the refresh cookie for a new access token (and a new refresh cookie).
#[utoipa::path(
    operation_id = "refreshSession",
    tag = "auth",
    responses(
        (status = 200, description = "Session extended; cookies replaced", body = LoginResponse),
        (status = 401, description = "No valid session", body = plexward_shared::ErrorResponse),
        (status = 403, description = "Not from Plexward's own pages", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(presented) = cookies::read_refresh(&req) else {
        return Err(ApiError::unauthenticated());
    };
    if !csrf::same_origin(&req) {
        return Err(cross_origin_refused());
    }
    match sign_in::refresh(&state.auth, presented, client_ip(&req)).await? {
        Refreshed::Rotated { ids, account } => signed_in(&req, &state, &account, &ids),
        Refreshed::Over => Ok(session_over(&req)),
    }
}

/// Sign out: ends the session and clears the cookies. Always answers 204.
#[utoipa::path(
    operation_id = "signOut",
    tag = "auth",
    responses(
        (status = 204, description = "Signed out"),
        (status = 403, description = "Not from Plexward's own pages", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Option<PendingPrincipal>,
) -> Result<HttpResponse, ApiError> {
    if principal.is_none() && cookies::read_refresh(&req).is_some() && !csrf::same_origin(&req) {
        return Err(cross_origin_refused());
    }
    // The access token may have expired already; the refresh cookie still names the session.
    sign_in::logout(
        &state.auth,
        principal.as_ref().map(|p| &p.0),
        cookies::read_refresh(&req),
        client_ip(&req),
    )
    .await?;
    Ok(signed_out(&req, HttpResponse::NoContent()))
}
