//! `/api/v1/settings/sign-in`: the sign-in rules (which roles must use two-factor sign-in). The
//! rules are `auth::sign_in_policy`'s.

use actix_web::{HttpResponse, get, put, web};
use plexward_shared::{Permission, SignInSettings};

use crate::auth::{Principal, sign_in_policy};
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::state::AppState;

/// The sign-in rules.
#[utoipa::path(
    operation_id = "getSignInSettings",
    tag = "settings",
    responses(
        (status = 200, description = "The sign-in rules", body = SignInSettings),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/settings/sign-in")]
pub async fn get_sign_in(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    Ok(HttpResponse::Ok().json(sign_in_policy::get(&state.auth).await?))
}

/// Set the sign-in rules. `mfa_required_roles`: accounts of these roles must use two-factor
/// sign-in; one without it sets it up at its next sign-in before it can do anything else, and
/// cannot turn it off. Sessions already signed in are not affected. Audited.
#[utoipa::path(
    operation_id = "setSignInSettings",
    tag = "settings",
    request_body = SignInSettings,
    responses(
        (status = 200, description = "Saved", body = SignInSettings),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 400, description = "Not a known role (`invalid_body`)", body = plexward_shared::ErrorResponse),
        (status = 409, description = "`local_sign_in: false` while no enabled admin can sign in through single sign-on (`sso_admin_required`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/settings/sign-in")]
pub async fn put_sign_in(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<SignInSettings>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    let saved = sign_in_policy::save(&state.auth, &principal.actor(), body?.into_inner()).await?;
    Ok(HttpResponse::Ok().json(saved))
}
