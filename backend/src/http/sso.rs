//! Single sign-on: `/api/v1/settings/sso` (admins), `/api/v1/auth/sso` (what the login page
//! shows), `/api/v1/auth/sso/start` and `/api/v1/auth/sso/callback` (the browser's round trip
//! through the provider). The rules are `auth::sso`'s; here the redirects and cookies.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::Utc;
use plexward_shared::{
    Permission, SSO_CALLBACK_PATH, SsoInfoResponse, SsoSettingsRequest, SsoSettingsResponse,
};
use serde::Deserialize;

use crate::auth::{Principal, sso};
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::{base_path, client_addr, cookies};
use crate::state::AppState;

/// Names the sign-in on its way through the provider. SameSite=Lax: the provider's redirect back
/// is a cross-site top-level GET, which Strict cookies would miss.
const PENDING_COOKIE: &str = "pw_sso";

/// Single sign-on's settings (never the client secret).
#[utoipa::path(
    operation_id = "getSsoSettings",
    tag = "settings",
    responses(
        (status = 200, description = "The settings", body = SsoSettingsResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/settings/sso")]
pub async fn get_settings(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    Ok(HttpResponse::Ok().json(sso::settings(&state.auth).await?))
}

/// Set up single sign-on with an OpenID provider: its `issuer`, the `client_id` and
/// `client_secret` (write-only, sealed) registered there with the redirect URI
/// `https://<plexward>/api/v1/auth/sso/callback`, `scopes` besides `openid`, the `role_mapping`
/// from groups to roles, whether unknown people get an account (`create_unknown_users`, with
/// `default_role` when no group matches). Absent fields are kept. Audited.
#[utoipa::path(
    operation_id = "setSsoSettings",
    tag = "settings",
    request_body = SsoSettingsRequest,
    responses(
        (status = 200, description = "Saved", body = SsoSettingsResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Switching it off while local sign-in is off (`sso_admin_required`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "An invalid field (`fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/settings/sso")]
pub async fn put_settings(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<SsoSettingsRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    let saved = sso::save(&state.auth, &principal.actor(), body?.into_inner()).await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Whether the login page offers single sign-on, and the button's words.
#[utoipa::path(
    operation_id = "getSsoInfo",
    tag = "auth",
    responses((status = 200, description = "What the login page shows", body = SsoInfoResponse)),
)]
#[get("/auth/sso")]
pub async fn info(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(sso::info(&state.auth).await?))
}

/// This server's callback URL as the browser reaches it (a trusted proxy's host and scheme).
fn callback_url(req: &HttpRequest) -> String {
    let scheme = if client_addr::of(req).https {
        "https"
    } else {
        "http"
    };
    format!(
        "{scheme}://{}{}{SSO_CALLBACK_PATH}",
        client_addr::host(req),
        base_path::of(req)
    )
}

fn pending_cookie(req: &HttpRequest, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(PENDING_COOKIE, value)
        .path(format!("{}/api/v1/auth/sso", base_path::of(req)))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(client_addr::of(req).https)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

/// Back to the login page, saying why (`?sso_error=`).
fn to_login(req: &HttpRequest, error: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            LOCATION,
            format!("{}/login?sso_error={error}", base_path::of(req)),
        ))
        .cookie(pending_cookie(req, String::new(), 0))
        .finish()
}

/// Start a single sign-on: a redirect (303) to the provider. For browsers (the login page's
/// button); when it is off or the provider cannot be reached, back to `/login?sso_error=…`.
#[utoipa::path(
    operation_id = "startSso",
    tag = "auth",
    responses((status = 303, description = "To the provider (or back to the login page with `sso_error`)")),
)]
#[get("/auth/sso/start")]
pub async fn start(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match sso::start(&state.auth, &callback_url(&req)).await {
        Ok((url, token)) => HttpResponse::SeeOther()
            .insert_header((LOCATION, url))
            .cookie(pending_cookie(&req, token, 600))
            .finish(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot start a single sign-on");
            to_login(&req, e.code())
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// Sent by providers that follow RFC 9207; the ID token's issuer is what is checked.
    #[allow(dead_code)]
    iss: Option<String>,
}

/// Where the provider sends the browser back: on success the session cookies and a redirect
/// (303) to the app; otherwise to `/login?sso_error=…` (`expired`, `state_mismatch`,
/// `wrong_audience`, `token_expired`, `not_allowed`, …). Audited either way.
#[utoipa::path(
    operation_id = "finishSso",
    tag = "auth",
    params(CallbackQuery),
    responses((status = 303, description = "Signed in (to the app) or not (to the login page with `sso_error`)")),
)]
#[get("/auth/sso/callback")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let client = crate::http::auth::sign_in_client(&req);
    let callback = sso::Callback {
        token: req.cookie(PENDING_COOKIE).map(|c| c.value().to_owned()),
        code: query.code,
        state: query.state,
        error: query.error,
    };
    let (account, ids) = match sso::finish(&state.auth, callback, &client).await {
        Ok(done) => done,
        Err(e) => return Ok(to_login(&req, e.code())),
    };
    let (token, expires_at) = state
        .auth
        .jwt
        .issue(account.id, &ids.session_id, Utc::now())?;
    let access_age = (expires_at - Utc::now()).num_seconds();
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("{}/", base_path::of(&req))))
        .cookie(cookies::access(&req, &token, access_age))
        .cookie(cookies::refresh(
            &req,
            &ids.refresh_token,
            ids.refresh_max_age_secs,
        ))
        .cookie(pending_cookie(&req, String::new(), 0))
        .finish())
}
