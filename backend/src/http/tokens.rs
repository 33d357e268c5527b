//! `/api/v1/tokens`: every account's API tokens, for admins.

use actix_web::{HttpResponse, delete, get, web};
use plexward_shared::{ApiTokenResponse, List, Permission};

use crate::auth::{Principal, tokens};
use crate::http::dto;
use crate::http::error::ApiError;
use crate::http::extractors::{QueryParams, paged};
use crate::state::AppState;

/// All API tokens of all accounts.
#[utoipa::path(
    operation_id = "listTokens",
    tag = "accounts",
    params(plexward_shared::Paging),
    responses(
        (status = 200, description = "Every token (never secrets)", body = List<ApiTokenResponse>),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/tokens")]
pub async fn list_all(
    principal: Principal,
    state: web::Data<AppState>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAllTokens)?;
    let rows = tokens::list(&state.auth, None).await?;
    Ok(HttpResponse::Ok().json(paged(
        rows.iter()
            .map(|(t, owner)| dto::api_token(t, owner))
            .collect(),
        paging,
    )?))
}

/// Revoke any account's API token.
#[utoipa::path(
    operation_id = "deleteToken",
    tag = "accounts",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such token", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/tokens/{id}")]
pub async fn delete_any(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAllTokens)?;
    tokens::revoke(&state.auth, &principal, id.into_inner(), None).await?;
    Ok(HttpResponse::NoContent().finish())
}
