//! `/api/v1/me`: the signed-in account, its password and its API tokens. Open to every role.

use actix_web::{HttpResponse, delete, get, post, put, web};
use plexward_shared::{
    AccountResponse, ApiTokenResponse, ChangePasswordRequest, CreateApiTokenRequest,
    CreatedApiTokenResponse, List,
};

use crate::auth::sessions::EndOthers;
use crate::auth::{PendingPrincipal, Principal, accounts, tokens};
use crate::http::dto;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams, paged};
use crate::state::AppState;

/// The signed-in account (also while a password change is pending).
#[utoipa::path(
    operation_id = "getMe",
    tag = "me",
    responses(
        (status = 200, description = "The signed-in account", body = AccountResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/me")]
pub async fn me(principal: PendingPrincipal) -> HttpResponse {
    let pending = principal.0.mfa_enrolment_pending();
    HttpResponse::Ok().json(dto::own_account(&principal.0.account, pending))
}

/// Change your own password. Your other sessions end unless `end_other_sessions` is `false`;
/// this one stays signed in. Your API tokens are revoked too unless `revoke_tokens` is `false`.
#[utoipa::path(
    operation_id = "changeMyPassword",
    tag = "me",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Password changed"),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Current password wrong, or new one refused by the policy", body = plexward_shared::ErrorResponse),
        (status = 429, description = "Too many wrong current passwords", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/me/password")]
pub async fn change_password(
    principal: PendingPrincipal,
    state: web::Data<AppState>,
    body: JsonBody<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let ChangePasswordRequest {
        current_password,
        new_password,
        revoke_tokens,
        end_other_sessions,
    } = body?.into_inner();
    accounts::change_own_password(
        &state.auth,
        &principal.0,
        current_password,
        new_password,
        EndOthers {
            sessions: end_other_sessions.unwrap_or(true),
            tokens: revoke_tokens.unwrap_or(true),
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Your API tokens.
#[utoipa::path(
    operation_id = "listMyTokens",
    tag = "me",
    params(plexward_shared::Paging),
    responses((status = 200, description = "Your tokens (never their secrets)", body = List<ApiTokenResponse>)),
)]
#[get("/me/tokens")]
pub async fn list_tokens(
    // Also while a password change or a two-factor set-up is due: those forms name the tokens
    // that keep working.
    PendingPrincipal(principal): PendingPrincipal,
    state: web::Data<AppState>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    let rows = tokens::list(&state.auth, Some(principal.account.id)).await?;
    Ok(HttpResponse::Ok().json(paged(
        rows.iter()
            .map(|(t, owner)| dto::api_token(t, owner))
            .collect(),
        paging,
    )?))
}

/// Create an API token. The secret is in this answer only.
#[utoipa::path(
    operation_id = "createMyToken",
    tag = "me",
    request_body = CreateApiTokenRequest,
    responses(
        (status = 201, description = "Created; keep the secret now", body = CreatedApiTokenResponse),
        (status = 403, description = "Tokens can only be created from a signed-in session", body = plexward_shared::ErrorResponse),
        (status = 409, description = "You already have a token with this name", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid name, role or expiry", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/me/tokens")]
pub async fn create_token(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateApiTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    // Before the body: a token caller is refused whatever it sent.
    tokens::require_session(&principal)?;
    let CreateApiTokenRequest {
        name,
        role,
        expires_at,
    } = body?.into_inner();
    let created = tokens::create(&state.auth, &principal, &name, role, expires_at).await?;
    Ok(HttpResponse::Created().json(CreatedApiTokenResponse {
        token: dto::api_token(&created.token, &principal.account.username),
        secret: created.secret,
    }))
}

/// Revoke one of your API tokens.
#[utoipa::path(
    operation_id = "deleteMyToken",
    tag = "me",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token of yours", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/me/tokens/{id}")]
pub async fn delete_token(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    tokens::revoke(
        &state.auth,
        &principal,
        id.into_inner(),
        Some(principal.account.id),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
