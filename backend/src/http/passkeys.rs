//! Passkeys: `/api/v1/me/passkeys…` (yours: list, register, rename, remove), `/api/v1/auth/
//! passkey…` (sign in with one alone) and `/api/v1/auth/mfa/passkey/options` (one as the second
//! step). The rules are `auth::passkeys`'; here the relying party is read off the request.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use plexward_shared::{
    List, PasskeyAssertion, PasskeyCeremony, PasskeyMfaOptionsRequest, PasskeyRegisterRequest,
    PasskeyRegisteredResponse, PasskeyRenameRequest, PasskeyResponse,
};

use crate::auth::passkeys::{self, RelyingParty};
use crate::auth::{PendingPrincipal, Principal, mfa, tokens};
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::{auth::sign_in_client, client_addr};
use crate::settings::server_update;
use crate::state::AppState;

/// The relying party of the page that sent `req`: the scheme and host the browser used (a
/// trusted proxy's forwarded ones), checked against the configured hostnames.
pub(crate) async fn relying_party(
    req: &HttpRequest,
    state: &AppState,
) -> Result<RelyingParty, ApiError> {
    let scheme = if client_addr::of(req).https {
        "https"
    } else {
        "http"
    };
    let hostnames = server_update::effective(&state.db, &state.server)
        .await?
        .hostnames;
    Ok(RelyingParty::new(
        scheme,
        &client_addr::host(req),
        &hostnames,
    )?)
}

fn no_store(mut response: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    response.insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
    response
}

/// Your passkeys, oldest first.
#[utoipa::path(
    operation_id = "listMyPasskeys",
    tag = "me",
    responses(
        (status = 200, description = "Your passkeys (never their keys)", body = List<PasskeyResponse>),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/me/passkeys")]
pub async fn list(
    PendingPrincipal(principal): PendingPrincipal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let items = passkeys::list(&state.auth, principal.account.id).await?;
    Ok(HttpResponse::Ok().json(List::all(items)))
}

/// Start registering a passkey: the options for `navigator.credentials.create()`. Passkeys
/// belong to the host name the page is at; a bare IP address cannot have them. Signed-in
/// sessions only (not tokens).
#[utoipa::path(
    operation_id = "startMyPasskeyRegistration",
    tag = "me",
    responses(
        (status = 200, description = "The ceremony: its id and the browser's options (5 minutes, once)", body = PasskeyCeremony),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
        (status = 403, description = "From an API token", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Passkeys cannot work at this address (`passkeys_unavailable`: a bare IP, or not a configured host name)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "You have 20 passkeys already (`fields.name`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/me/passkeys/registration")]
pub async fn start_registration(
    req: HttpRequest,
    PendingPrincipal(principal): PendingPrincipal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tokens::require_session(&principal)?;
    let rp = relying_party(&req, &state).await?;
    let ceremony = passkeys::start_registration(&state.auth, &rp, &principal.account).await?;
    Ok(no_store(HttpResponse::Ok()).json(ceremony))
}

/// Finish registering a passkey: the browser's new credential and a name. Your first second
/// factor also brings ten recovery codes, shown this once. `end_other_sessions` and
/// `revoke_tokens` (both default `false`) also end your other sessions and API tokens. Audited.
#[utoipa::path(
    operation_id = "registerMyPasskey",
    tag = "me",
    request_body = PasskeyRegisterRequest,
    responses(
        (status = 201, description = "Registered", body = PasskeyRegisteredResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
        (status = 403, description = "From an API token", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Registered already (`passkey_exists`), or passkeys cannot work at this address (`passkeys_unavailable`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "A bad or taken `name`, a `credential` the checks refused, or a `ceremony_id` expired or used", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/me/passkeys")]
pub async fn register(
    req: HttpRequest,
    PendingPrincipal(principal): PendingPrincipal,
    state: web::Data<AppState>,
    body: JsonBody<PasskeyRegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    tokens::require_session(&principal)?;
    let body = body?.into_inner();
    let rp = relying_party(&req, &state).await?;
    let answer = passkeys::finish_registration(&state.auth, &rp, &principal, body).await?;
    Ok(no_store(HttpResponse::Created()).json(answer))
}

/// Rename one of your passkeys. Audited.
#[utoipa::path(
    operation_id = "renameMyPasskey",
    tag = "me",
    params(("id" = i64, Path, description = "Passkey id")),
    request_body = PasskeyRenameRequest,
    responses(
        (status = 200, description = "Renamed", body = PasskeyResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
        (status = 403, description = "From an API token", body = plexward_shared::ErrorResponse),
        (status = 404, description = "Not one of your passkeys", body = plexward_shared::ErrorResponse),
        (status = 422, description = "A bad or taken `name`", body = plexward_shared::ErrorResponse),
    ),
)]
#[patch("/me/passkeys/{id}")]
pub async fn rename(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<PasskeyRenameRequest>,
) -> Result<HttpResponse, ApiError> {
    tokens::require_session(&principal)?;
    let body = body?.into_inner();
    let renamed = passkeys::rename(&state.auth, &principal, id.into_inner(), &body.name).await?;
    Ok(HttpResponse::Ok().json(renamed))
}

/// Remove one of your passkeys (the authenticator may still hold it; it no longer signs in
/// here). Audited.
#[utoipa::path(
    operation_id = "removeMyPasskey",
    tag = "me",
    params(("id" = i64, Path, description = "Passkey id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
        (status = 403, description = "From an API token", body = plexward_shared::ErrorResponse),
        (status = 404, description = "Not one of your passkeys", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Your role requires two-factor sign-in and this is your last second factor (`mfa_required`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/me/passkeys/{id}")]
pub async fn remove(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    tokens::require_session(&principal)?;
    passkeys::remove(&state.auth, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Start signing in with a passkey alone: the options for `navigator.credentials.get()`; the
/// browser offers the passkeys it holds for this site (no username). Counts as a sign-in attempt
/// for this address's limit.
#[utoipa::path(
    operation_id = "startPasskeySignIn",
    tag = "auth",
    responses(
        (status = 200, description = "The ceremony: its id and the browser's options (5 minutes, once)", body = PasskeyCeremony),
        (status = 403, description = "Local sign-in is off (`local_sign_in_off`): use single sign-on", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Passkeys cannot work at this address (`passkeys_unavailable`)", body = plexward_shared::ErrorResponse),
        (status = 429, description = "Too many sign-in attempts from this address", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/auth/passkey/options")]
pub async fn start_sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let rp = relying_party(&req, &state).await?;
    let ceremony = passkeys::start_sign_in(&state.auth, &rp, &sign_in_client(&req)).await?;
    Ok(no_store(HttpResponse::Ok()).json(ceremony))
}

/// Sign in with a passkey alone: the browser's answer for the ceremony. Like a password sign-in
/// that needs no second step: a session and its cookies.
#[utoipa::path(
    operation_id = "passkeySignIn",
    tag = "auth",
    request_body = PasskeyAssertion,
    responses(
        (status = 200, description = "Signed in; cookies set", body = plexward_shared::LoginResponse),
        (status = 401, description = "Not accepted (`invalid_passkey`): unknown passkey, wrong signature, or the ceremony expired or was used", body = plexward_shared::ErrorResponse),
        (status = 403, description = "Account disabled (`account_disabled`), or local sign-in is off (`local_sign_in_off`)", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Passkeys cannot work at this address (`passkeys_unavailable`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/auth/passkey")]
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<PasskeyAssertion>,
) -> Result<HttpResponse, ApiError> {
    let body = body?.into_inner();
    let rp = relying_party(&req, &state).await?;
    let client = sign_in_client(&req);
    let (account, ids) = passkeys::finish_sign_in(&state.auth, &rp, body, &client).await?;
    crate::http::auth::signed_in(&req, &state, &account, &ids)
}

/// Start the passkey step of a sign-in whose password was accepted (`methods` of `POST
/// /api/v1/auth/login` lists `passkey`): the options for `navigator.credentials.get()`. The
/// answer goes to `POST /api/v1/auth/mfa` as `passkey`.
#[utoipa::path(
    operation_id = "startPasskeyStep",
    tag = "auth",
    request_body = PasskeyMfaOptionsRequest,
    responses(
        (status = 200, description = "The ceremony: its id and the browser's options (5 minutes, once)", body = PasskeyCeremony),
        (status = 401, description = "The sign-in expired (`mfa_expired`)", body = plexward_shared::ErrorResponse),
        (status = 409, description = "The account has no passkeys (`no_passkeys`), or none works at this address (`passkeys_unavailable`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/auth/mfa/passkey/options")]
pub async fn start_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<PasskeyMfaOptionsRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body?.into_inner();
    let rp = relying_party(&req, &state).await?;
    let ceremony = mfa::start_passkey_step(&state.auth, &rp, &body.mfa_token).await?;
    Ok(no_store(HttpResponse::Ok()).json(ceremony))
}
