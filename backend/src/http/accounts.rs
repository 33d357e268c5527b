//! `/api/v1/accounts`: application accounts, for admins. Guards: an admin cannot delete, disable
//! or demote themself, and the last enabled admin cannot be removed by anyone.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use plexward_shared::password::check_password;
use plexward_shared::{
    AccountResponse, CreateAccountRequest, List, Permission, Role, UpdateAccountRequest,
};

use crate::audit::{Event, Outcome};
use crate::auth::{Principal, password};
use crate::db::time::now_ms;
use crate::db::{self, accounts, sessions};
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::state::AppState;

/// Letters, digits and `._@-`, 1–64 characters.
fn validate_username(username: &str) -> Result<(), ApiError> {
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if username.is_empty() || username.chars().count() > 64 || !ok_chars {
        return Err(ApiError::field(
            "username",
            "use 1–64 letters, digits, '.', '_', '-' or '@'",
        ));
    }
    Ok(())
}

fn self_refused(what: &str) -> ApiError {
    ApiError::conflict(
        "self_change_refused",
        format!("You cannot {what} your own account."),
    )
}

/// Why a change was refused inside its transaction (plain data: it crosses threads).
#[derive(Debug)]
enum Refused {
    NotFound,
    LastAdmin,
}

impl Refused {
    fn into_error(self) -> ApiError {
        match self {
            Refused::NotFound => ApiError::NotFound,
            Refused::LastAdmin => ApiError::conflict(
                "last_admin",
                "This is the last enabled admin; make another admin first.",
            ),
        }
    }
}

/// All accounts.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 200, description = "Every account", body = List<AccountResponse>),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/accounts")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    let rows = db::run(&state.db, accounts::list).await?;
    Ok(HttpResponse::Ok().json(List::all(rows.iter().map(|a| a.to_response()).collect())))
}

/// One account.
#[utoipa::path(
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
    let id = id.into_inner();
    let account = db::run(&state.db, move |conn| accounts::find(conn, id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(account.to_response()))
}

/// Create an account. It must change its password at first sign-in unless told otherwise.
#[utoipa::path(
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
    let CreateAccountRequest {
        username,
        password: pw,
        role,
        must_change_password,
    } = body?.into_inner();
    let username = username.trim().to_owned();
    validate_username(&username)?;
    let check = check_password(&pw, &username);
    if !check.acceptable {
        return Err(ApiError::field("password", check.message));
    }
    let hash = password::hash(pw).await?;
    let actor = principal.actor();
    let ip = principal.ip.clone();
    let now = now_ms();
    let created = db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if accounts::find_by_username(conn, &username)?.is_some() {
                return Ok(None);
            }
            let account = accounts::insert(
                conn,
                &accounts::NewAccount {
                    username: &username,
                    password_hash: &hash,
                    role: role.as_str(),
                    must_change_password: must_change_password.unwrap_or(true),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            Event::new("account.create", Outcome::Success, &actor)
                .target("account", account.id)
                .ip(ip)
                .details(serde_json::json!({"username": account.username, "role": account.role}))
                .insert(conn)?;
            Ok(Some(account))
        })
    })
    .await?;
    let account = created.ok_or_else(|| {
        ApiError::conflict("username_taken", "An account with this username exists.")
    })?;
    Ok(HttpResponse::Created().json(account.to_response()))
}

/// Change an account's role, enable/disable it, or reset its password. Disabling or a password
/// reset ends its sessions at once.
#[utoipa::path(
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    request_body = UpdateAccountRequest,
    responses(
        (status = 200, description = "Updated", body = AccountResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such account", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Refused: yourself, or the last admin", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Password refused by the policy", body = plexward_shared::ErrorResponse),
    ),
)]
#[patch("/accounts/{id}")]
pub async fn update(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<UpdateAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    let id = id.into_inner();
    let UpdateAccountRequest {
        role,
        disabled,
        password: pw,
    } = body?.into_inner();
    let is_self = id == principal.account.id;
    if is_self && (role.is_some_and(|r| r != Role::Admin) || disabled == Some(true)) {
        return Err(self_refused(if disabled == Some(true) {
            "disable"
        } else {
            "demote"
        }));
    }
    let hash = match pw {
        Some(pw) => {
            let target = db::run(&state.db, move |conn| accounts::find(conn, id))
                .await?
                .ok_or(ApiError::NotFound)?;
            let check = check_password(&pw, &target.username);
            if !check.acceptable {
                return Err(ApiError::field("password", check.message));
            }
            Some(password::hash(pw).await?)
        }
        None => None,
    };
    let actor = principal.actor();
    let ip = principal.ip.clone();
    let now = now_ms();
    let result = db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(before) = accounts::find(conn, id)? else {
                return Ok(Err(Refused::NotFound));
            };
            let loses_admin = before.role() == Role::Admin
                && !before.disabled
                && (role.is_some_and(|r| r != Role::Admin) || disabled == Some(true));
            if loses_admin && accounts::count_other_active_admins(conn, id)? == 0 {
                return Ok(Err(Refused::LastAdmin));
            }
            if let Some(role) = role {
                accounts::set_role(conn, id, role)?;
            }
            if let Some(disabled) = disabled {
                accounts::set_disabled(conn, id, disabled)?;
                if disabled {
                    sessions::revoke_all_for_account(conn, id, None, now, "account disabled")?;
                }
            }
            if let Some(hash) = &hash {
                accounts::set_password(conn, id, hash, true)?;
                sessions::revoke_all_for_account(
                    conn,
                    id,
                    None,
                    now,
                    "password reset by an admin",
                )?;
            }
            let after = accounts::find(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
            Event::new("account.update", Outcome::Success, &actor)
                .target("account", id)
                .ip(ip)
                .details(serde_json::json!({
                    "username": after.username,
                    "before": {"role": before.role, "disabled": before.disabled},
                    "after": {"role": after.role, "disabled": after.disabled},
                    "password_reset": hash.is_some(),
                }))
                .insert(conn)?;
            Ok(Ok(after))
        })
    })
    .await?
    .map_err(Refused::into_error)?;
    Ok(HttpResponse::Ok().json(result.to_response()))
}

/// Delete an account, its sessions and its API tokens. The audit trail keeps its name.
#[utoipa::path(
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
    let id = id.into_inner();
    if id == principal.account.id {
        return Err(self_refused("delete"));
    }
    let actor = principal.actor();
    let ip = principal.ip.clone();
    db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(target) = accounts::find(conn, id)? else {
                return Ok(Err(Refused::NotFound));
            };
            if target.role() == Role::Admin
                && !target.disabled
                && accounts::count_other_active_admins(conn, id)? == 0
            {
                return Ok(Err(Refused::LastAdmin));
            }
            accounts::delete(conn, id)?;
            Event::new("account.delete", Outcome::Success, &actor)
                .target("account", id)
                .ip(ip)
                .details(serde_json::json!({"username": target.username, "role": target.role}))
                .insert(conn)?;
            Ok(Ok(()))
        })
    })
    .await?
    .map_err(Refused::into_error)?;
    Ok(HttpResponse::NoContent().finish())
}
