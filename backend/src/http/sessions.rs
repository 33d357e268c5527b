//! Sign-in sessions: `/api/v1/me/sessions` (yours) and `/api/v1/accounts/{id}/sessions`
//! (anyone's, for admins). The rules are `auth::session_list`'s.

use actix_web::{HttpResponse, delete, get, web};
use plexward_shared::{List, Permission, SessionResponse, SessionsEndedResponse};

use crate::auth::{Principal, session_list};
use crate::http::dto;
use crate::http::error::ApiError;
use crate::http::extractors::{QueryParams, paged};
use crate::state::AppState;

async fn listed(
    state: &AppState,
    principal: &Principal,
    account_id: i64,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    let rows = session_list::list(&state.auth, account_id).await?;
    let current = principal.session_id();
    let items = rows.iter().map(|s| dto::session(s, current)).collect();
    Ok(HttpResponse::Ok().json(paged(items, paging)?))
}

fn ended(count: usize) -> HttpResponse {
    HttpResponse::Ok().json(SessionsEndedResponse {
        ended: u32::try_from(count).unwrap_or(u32::MAX),
    })
}

/// Your live sign-in sessions, the most recently used first: when each began and was last used,
/// from where, on what, and how it signed in. `current` marks this one.
#[utoipa::path(
    operation_id = "listMySessions",
    tag = "me",
    params(plexward_shared::Paging),
    responses(
        (status = 200, description = "Your sessions (never their tokens)", body = List<SessionResponse>),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/me/sessions")]
pub async fn list_mine(
    principal: Principal,
    state: web::Data<AppState>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    listed(&state, &principal, principal.account.id, paging).await
}

/// End one of your sessions (this one too: that is signing out everywhere but the cookies).
#[utoipa::path(
    operation_id = "endMySession",
    tag = "me",
    params(("id" = String, Path, description = "Session id (`id` in the list)")),
    responses(
        (status = 204, description = "Ended: its access stops working at once"),
        (status = 404, description = "Not one of your live sessions", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/me/sessions/{id}")]
pub async fn end_mine(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = principal.account.id;
    session_list::end(&state.auth, &principal, account, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End all your other sessions; this one stays signed in. API tokens are not touched (see
/// `DELETE /api/v1/me/tokens/{id}`).
#[utoipa::path(
    operation_id = "endMyOtherSessions",
    tag = "me",
    responses(
        (status = 200, description = "How many ended", body = SessionsEndedResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/me/sessions")]
pub async fn end_my_others(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let account = principal.account.id;
    Ok(ended(
        session_list::end_all(&state.auth, &principal, account).await?,
    ))
}

/// An account's live sessions. Admins only.
#[utoipa::path(
    operation_id = "listAccountSessions",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id"), plexward_shared::Paging),
    responses(
        (status = 200, description = "Its sessions (never their tokens)", body = List<SessionResponse>),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such account", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/accounts/{id}/sessions")]
pub async fn list_for(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    listed(&state, &principal, id.into_inner(), paging).await
}

/// End one session of an account. Admins only; audited.
#[utoipa::path(
    operation_id = "endAccountSession",
    tag = "accounts",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("session" = String, Path, description = "Session id"),
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such live session of that account", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/accounts/{id}/sessions/{session}")]
pub async fn end_for(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    let (account, session) = path.into_inner();
    session_list::end(&state.auth, &principal, account, session).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End every session of an account (but yours, if it is your account). Admins only; audited.
#[utoipa::path(
    operation_id = "endAccountSessions",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "How many ended", body = SessionsEndedResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such account", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/accounts/{id}/sessions")]
pub async fn end_all_for(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    Ok(ended(
        session_list::end_all(&state.auth, &principal, id.into_inner()).await?,
    ))
}
