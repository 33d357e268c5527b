//! The inactivity policy's routes: its settings (`/api/v1/settings/inactivity`), who it
//! concerns now (`GET /api/v1/inactivity`), and the owner's confirmation of the due actions
//! (`POST /api/v1/inactivity/apply`). The rules are `access::inactivity`'s.

use actix_web::{HttpResponse, get, post, put, web};
use plexward_shared::{
    BulkResponse, InactivityApplyRequest, InactivityPolicy, InactivityReport, Permission,
};

use crate::access::inactivity::{self, InactivityError};
use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams};
use crate::http::grants::{DryRun, answer_bulk};
use crate::state::AppState;

impl From<InactivityError> for ApiError {
    fn from(e: InactivityError) -> Self {
        match e {
            InactivityError::Invalid(fields) => ApiError::Validation(fields),
            InactivityError::Change(e) => e.into(),
            InactivityError::Db(e) => e.into(),
        }
    }
}

/// The inactivity policy (every role that reads settings).
#[utoipa::path(
    operation_id = "getInactivitySettings",
    tag = "settings",
    responses(
        (status = 200, description = "The policy", body = InactivityPolicy),
        (status = 403, description = "Your role may not read settings", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/settings/inactivity")]
pub async fn get_settings(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    Ok(HttpResponse::Ok().json(inactivity::get(&state.db).await?))
}

/// Save the inactivity policy (admins): after `days` without watching, remind
/// `remind_days_before` days before, then `action` (`remind_only`, `end_access`,
/// `remove_friend`), on its own when `automatic`, else after your confirmation. Audited
/// (`settings.inactivity_update`).
#[utoipa::path(
    operation_id = "putInactivitySettings",
    tag = "settings",
    request_body = InactivityPolicy,
    responses(
        (status = 200, description = "Saved", body = InactivityPolicy),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Days out of range (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/settings/inactivity")]
pub async fn put_settings(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<InactivityPolicy>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let saved = inactivity::save(&state.db, &principal.actor(), body?.into_inner()).await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Who the inactivity policy concerns now (moderators and admins): friends with access who
/// have not watched for a while, each with the stage (`reminder`, `due`), when the action is
/// due and when they were reminded, longest inactive first. Computed whether the policy is on
/// or not, so it previews a policy before switching it on.
#[utoipa::path(
    operation_id = "getInactivity",
    tag = "access",
    responses(
        (status = 200, description = "The policy and the friends it concerns", body = InactivityReport),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/inactivity")]
pub async fn report(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    Ok(HttpResponse::Ok().json(inactivity::report(&state.db, state.applier.now()).await?))
}

/// Carry out the policy's action for these due friends (the owner's confirmation): every grant
/// removed, and with `remove_friend` their end policy set to remove them from your Plex friends.
/// Preview it with `dry_run`; saved, audited (`inactivity.end_access`,
/// `inactivity.remove_friend`) and applied as a bulk change (202 with the job).
#[utoipa::path(
    operation_id = "applyInactivity",
    tag = "access",
    params(DryRun),
    request_body = InactivityApplyRequest,
    responses(
        (status = 200, description = "The plan (dry run)", body = BulkResponse),
        (status = 202, description = "Saved; the job applies it", body = BulkResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 422, description = "A friend is not due, or the policy only reminds (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/inactivity/apply")]
pub async fn apply(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<DryRun>,
    body: JsonBody<InactivityApplyRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let body = body?.into_inner();
    let dry_run = query?.into_inner().with_body(body.dry_run)?;
    let actor = principal.actor();
    let outcome = inactivity::act(
        &state.db,
        &state.applier,
        state.applier.now(),
        &body.friend_ids,
        &actor,
        dry_run,
    )
    .await?;
    let (mut response, answer) = answer_bulk(&state, actor, dry_run, outcome).await?;
    Ok(response.json(answer))
}
