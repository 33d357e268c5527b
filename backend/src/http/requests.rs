//! `/api/v1/requests…`: friends' requests for more access, for moderators and admins — the
//! list, approving one (the normal preview, save, audit and apply) and declining one. Friends
//! make and cancel theirs under `/api/v1/portal/requests` (`http::portal`). The rules are
//! `portal::requests`'.

use actix_web::{HttpResponse, get, post, web};
use plexward_shared::{
    AccessRequest, ApproveRequest, ApproveResponse, DeclineRequest, List, Permission, RequestQuery,
};

use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams};
use crate::http::grants::DryRun;
use crate::portal::requests;
use crate::state::AppState;

/// Friends' requests, newest first: filter by `state`, `kind` or `friend_id`; page with `limit`
/// and `offset`.
#[utoipa::path(
    operation_id = "listRequests",
    tag = "access",
    params(RequestQuery),
    responses(
        (status = 200, description = "The requests", body = List<AccessRequest>),
        (status = 400, description = "A filter has a bad value (`invalid_query`, see `fields`)", body = plexward_shared::ErrorResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/requests")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<RequestQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let (filter, offset, limit) =
        requests::filter_of(&query?.into_inner()).map_err(ApiError::InvalidQuery)?;
    Ok(HttpResponse::Ok().json(requests::list(&state.db, filter, offset, limit).await?))
}

/// Approve a friend's request: with `grants`, the friend's whole new set as `PUT …/grants`
/// takes it; without, the request's own change (an extension by `period`, else the friend's
/// wish, else a month; a library from now until the friend's other access ends). Saved,
/// audited and applied like `PUT …/grants`; with `dry_run` the plan only, and the request stays
/// open. The friend sees the outcome in the portal and, when friends' emails are set up, by
/// email.
#[utoipa::path(
    operation_id = "approveRequest",
    tag = "access",
    params(("id" = i64, Path, description = "Request id"), DryRun),
    request_body = ApproveRequest,
    responses(
        (status = 200, description = "Approved and applied (or the plan, with dry_run)", body = ApproveResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such request", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Decided already (`request_closed`), the friend left the server (`friend_departed`), or past Plex's friend limit (`friend_limit`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid grants or period (see `fields`)", body = plexward_shared::ErrorResponse),
        (status = 503, description = "The change needs a Plex operation whose routes plex.tv has both retired (`plex_unavailable`); nothing was saved", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/requests/{id}/approve")]
pub async fn approve(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: QueryParams<DryRun>,
    body: JsonBody<ApproveRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let body = body?.into_inner();
    let dry_run = query?.into_inner().with_body(body.dry_run)?;
    let actor = principal.actor();
    let answer = requests::approve(
        &state.db,
        &state.applier,
        id.into_inner(),
        &actor,
        body,
        dry_run,
        |friend| state.jobs.apply_and_wait(friend, actor.clone()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Decline a friend's request, with a reason for them (optional, up to 500 characters). Audited;
/// the friend sees it in the portal and, when friends' emails are set up, by email.
#[utoipa::path(
    operation_id = "declineRequest",
    tag = "access",
    params(("id" = i64, Path, description = "Request id")),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = AccessRequest),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such request", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Decided already (`request_closed`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "The reason is too long (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/requests/{id}/decline")]
pub async fn decline(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<DeclineRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let reason = body?.into_inner().reason;
    let now = state.applier.now();
    let answer =
        requests::decline(&state.db, id.into_inner(), &principal.actor(), reason, now).await?;
    Ok(HttpResponse::Ok().json(answer))
}
