//! `/api/v1/accounts`: application accounts, for admins. The rules (an admin cannot delete,
//! disable or demote themself; the last enabled admin cannot be removed by anyone; sessions end
//! on disable and reset) are `auth::accounts`'.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use plexward_shared::{
    AccountResponse, CreateAccountRequest, List, Permission, UpdateAccountRequest,
};

use crate::auth::{Principal, accounts};
use crate::http::dto;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams, paged};
use crate::http::preconditions;
use crate::state::AppState;

/// All accounts.
#[utoipa::path(
    operation_id = "listAccounts",
    tag = "accounts",
    params(plexward_shared::Paging),
    responses(
        (status = 200, description = "Every account", body = List<AccountResponse>),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/accounts")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    let rows = accounts::list(&state.auth).await?;
    Ok(HttpResponse::Ok().json(paged(rows.iter().map(dto::account).collect(), paging)?))
}

/// One account.
#[utoipa::path(
    operation_id = "getAccount",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account", body = AccountResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such account", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/accounts/{id}")]
pub async fn get_one(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    let account = accounts::find(&state.auth, id.into_inner()).await?;
    let body = dto::account(&account);
    Ok(preconditions::tagged(&body, &body.version))
}

/// Create an account. It must change its password at first sign-in unless told otherwise.
#[utoipa::path(
    operation_id = "createAccount",
    tag = "accounts",
    request_body = CreateAccountRequest,
    responses(
        (status = 201, description = "Created", body = AccountResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Username taken", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid username or password", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/accounts")]
pub async fn create(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    let account = accounts::create(&state.auth, &principal, body?.into_inner()).await?;
    Ok(HttpResponse::Created().json(dto::account(&account)))
}

/// Change an account's role, enable/disable it, or reset its password. Disabling or a password
/// reset ends its sessions at once.
#[utoipa::path(
    operation_id = "updateAccount",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id"),
        ("If-Match" = Option<String>, Header, description = "The account's `ETag` (or `version`) as read: refused with 412 if someone changed it since. Without it, the last write wins.")),
    request_body = UpdateAccountRequest,
    responses(
        (status = 200, description = "Updated", body = AccountResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such account", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Refused: yourself, or the last admin", body = plexward_shared::ErrorResponse),
        (status = 412, description = "`If-Match` names an older version (`precondition_failed`): nothing saved; `current` is the account now", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Password refused by the policy", body = plexward_shared::ErrorResponse),
    ),
)]
#[patch("/accounts/{id}")]
pub async fn update(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<UpdateAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    let expected = preconditions::expected_tag(&req)?;
    let id = id.into_inner();
    let updated = accounts::update(&state.auth, &principal, id, body?.into_inner(), expected).await;
    let account = match updated {
        Err(crate::auth::AuthError::Stale) => {
            let now = dto::account(&accounts::find(&state.auth, id).await?);
            return Err(preconditions::account_changed(&state, id, now).await);
        }
        other => other?,
    };
    let body = dto::account(&account);
    Ok(preconditions::tagged(&body, &body.version))
}

/// Delete an account, its sessions and its API tokens. The audit trail keeps its name.
#[utoipa::path(
    operation_id = "deleteAccount",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such account", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Refused: yourself, or the last admin", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/accounts/{id}")]
pub async fn delete_one(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    accounts::delete(&state.auth, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
