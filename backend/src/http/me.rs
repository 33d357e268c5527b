//! `/api/v1/me`: the signed-in account, its password and its API tokens. Open to every role.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::Utc;
use plexward_shared::password::check_password;
use plexward_shared::{
    API_TOKEN_PREFIX, AccountResponse, ApiTokenResponse, ChangePasswordRequest,
    CreateApiTokenRequest, CreatedApiTokenResponse, List,
};

use crate::audit::{Event, Outcome};
use crate::auth::principal::Via;
use crate::auth::secrets::{random_token, token_hash};
use crate::auth::{PendingPrincipal, Principal, password};
use crate::db::time::{now_ms, to_ms};
use crate::db::{self, accounts, api_tokens};
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::state::AppState;

/// The signed-in account (also while a password change is pending).
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, description = "The signed-in account", body = AccountResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/me")]
pub async fn me(principal: PendingPrincipal) -> HttpResponse {
    HttpResponse::Ok().json(principal.0.account.to_response())
}

/// Change your own password. Your other sessions end; this one stays signed in.
#[utoipa::path(
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
    let principal = principal.0;
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body?.into_inner();
    let username = principal.account.username.clone();
    if let Err(wait) = state.auth.throttle.check_name(&username) {
        let secs = crate::auth::throttle::retry_after_secs(wait);
        return Err(ApiError::TooManyRequests {
            message: format!("Too many wrong passwords; try again in {secs} s."),
            retry_after_secs: secs,
        });
    }
    if !password::verify(
        current_password.clone(),
        Some(principal.account.password_hash.clone()),
    )
    .await
    {
        state.auth.throttle.record_failure(&username);
        Event::new(
            "account.password_change",
            Outcome::Failure,
            &principal.actor(),
        )
        .target("account", principal.account.id)
        .ip(principal.ip.clone())
        .details(serde_json::json!({"reason": "current password wrong"}))
        .record(&state.db)
        .await;
        return Err(ApiError::field(
            "current_password",
            "is not your current password",
        ));
    }
    if new_password == current_password {
        return Err(ApiError::field(
            "new_password",
            "must differ from the current password",
        ));
    }
    let check = check_password(&new_password, &username);
    if !check.acceptable {
        return Err(ApiError::field("new_password", check.message));
    }
    let hash = password::hash(new_password).await?;
    let account_id = principal.account.id;
    let keep = principal.session_id().map(str::to_owned);
    let actor = principal.actor();
    let ip = principal.ip.clone();
    let now = now_ms();
    db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| {
            accounts::set_password(conn, account_id, &hash, false)?;
            let ended = db::sessions::revoke_all_for_account(
                conn,
                account_id,
                keep.as_deref(),
                now,
                "password changed",
            )?;
            Event::new("account.password_change", Outcome::Success, &actor)
                .target("account", account_id)
                .ip(ip)
                .details(serde_json::json!({"other_sessions_ended": ended}))
                .insert(conn)
        })
    })
    .await?;
    state.auth.throttle.record_success(&username);
    Ok(HttpResponse::NoContent().finish())
}

/// Your API tokens.
#[utoipa::path(
    tag = "me",
    responses((status = 200, description = "Your tokens (never their secrets)", body = List<ApiTokenResponse>)),
)]
#[get("/me/tokens")]
pub async fn list_tokens(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = principal.account.id;
    let rows = db::run(&state.db, move |conn| api_tokens::list(conn, Some(id))).await?;
    Ok(HttpResponse::Ok().json(List::all(
        rows.iter().map(|(t, owner)| t.to_response(owner)).collect(),
    )))
}

/// Create an API token. The secret is in this answer only.
#[utoipa::path(
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
    if let Via::ApiToken { .. } = principal.via {
        return Err(ApiError::Forbidden {
            code: "session_required",
            message: "API tokens can only be created from a signed-in session.".into(),
        });
    }
    let CreateApiTokenRequest {
        name,
        role,
        expires_at,
    } = body?.into_inner();
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::field("name", "must be 1–64 characters"));
    }
    let role = role.unwrap_or(principal.role);
    if !principal.account.role().covers(role) {
        return Err(ApiError::field(
            "role",
            format!(
                "your role ({}) cannot grant {}",
                principal.account.role().as_str(),
                role.as_str()
            ),
        ));
    }
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(ApiError::field("expires_at", "must be in the future"));
    }
    let secret = format!("{API_TOKEN_PREFIX}{}", random_token(40));
    let prefix = secret
        .chars()
        .take(API_TOKEN_PREFIX.len() + 4)
        .collect::<String>();
    let hash = token_hash(&secret);
    let account = principal.account.clone();
    let actor = principal.actor();
    let ip = principal.ip.clone();
    let now = now_ms();
    let created = db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if api_tokens::name_taken(conn, account.id, &name)? {
                return Ok(None);
            }
            let token = api_tokens::insert(
                conn,
                &api_tokens::NewApiToken {
                    account_id: account.id,
                    name: &name,
                    prefix: &prefix,
                    token_hash: &hash,
                    role: role.as_str(),
                    created_at: now,
                    expires_at: expires_at.map(to_ms),
                },
            )?;
            Event::new("token.create", Outcome::Success, &actor)
                .target("api_token", token.id)
                .ip(ip)
                .details(serde_json::json!({"name": token.name, "role": token.role, "prefix": token.prefix}))
                .insert(conn)?;
            Ok(Some(token))
        })
    })
    .await?;
    let token = created.ok_or_else(|| {
        ApiError::conflict(
            "token_name_taken",
            "You already have a token with this name.",
        )
    })?;
    Ok(HttpResponse::Created().json(CreatedApiTokenResponse {
        token: token.to_response(&principal.account.username),
        secret,
    }))
}

/// Revoke one of your API tokens.
#[utoipa::path(
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
    revoke_token(
        &state,
        &principal,
        id.into_inner(),
        Some(principal.account.id),
    )
    .await
}

/// Deletes token `id` (only if owned by `owner`, when given) and audits it.
pub async fn revoke_token(
    state: &AppState,
    principal: &Principal,
    id: i64,
    owner: Option<i64>,
) -> Result<HttpResponse, ApiError> {
    let actor = principal.actor();
    let ip = principal.ip.clone();
    let deleted = db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some((token, username)) = api_tokens::find(conn, id)? else {
                return Ok(false);
            };
            if owner.is_some_and(|o| o != token.account_id) {
                return Ok(false);
            }
            api_tokens::delete(conn, id)?;
            Event::new("token.revoke", Outcome::Success, &actor)
                .target("api_token", id)
                .ip(ip)
                .details(serde_json::json!({"name": token.name, "owner": username, "prefix": token.prefix}))
                .insert(conn)?;
            Ok(true)
        })
    })
    .await?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
