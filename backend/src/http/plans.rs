//! `/api/v1/plans`: access plans. Reading them needs `ViewPlexData`, changing them
//! `ManageAccess`; giving one to friends is a bulk change (`POST /api/v1/plex-users/bulk` with
//! `{"kind": "apply_plan"}`). The rules are `access::plans`'.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use plexward_shared::{AccessPlanRequest, AccessPlanResponse, List, Permission};

use crate::access::plans::{self, PlanError};
use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams, paged};
use crate::http::preconditions;
use crate::state::AppState;

impl From<PlanError> for ApiError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::NotFound => ApiError::NotFound,
            PlanError::Invalid(fields) => ApiError::Validation(fields),
            PlanError::NameTaken => {
                ApiError::conflict("plan_name_taken", "A plan with this name exists.")
            }
            PlanError::Stale => ApiError::PreconditionFailed {
                message: "This plan was changed since that version; nothing was saved.".into(),
                current: None,
                changed_by: None,
            },
            e @ PlanError::Changed { .. } => ApiError::conflict("plan_changed", e.to_string()),
            PlanError::Change(e) => e.into(),
            PlanError::Db(e) => e.into(),
        }
    }
}

fn tag(plan: &AccessPlanResponse) -> String {
    format!("W/\"v{}\"", plan.version)
}

fn tagged(status: actix_web::http::StatusCode, plan: &AccessPlanResponse) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((actix_web::http::header::ETAG, tag(plan)))
        .json(plan)
}

/// Every access plan, by name.
#[utoipa::path(
    operation_id = "listPlans",
    tag = "access",
    params(plexward_shared::Paging),
    responses(
        (status = 200, description = "The plans", body = List<AccessPlanResponse>),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plans")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let all = plans::list(&state.db).await?;
    Ok(HttpResponse::Ok().json(paged(all, paging)?))
}

/// One access plan; its `ETag` names its version.
#[utoipa::path(
    operation_id = "getPlan",
    tag = "access",
    params(("id" = i64, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The plan", body = AccessPlanResponse),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such plan", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plans/{id}")]
pub async fn get_one(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let plan = plans::get(&state.db, id.into_inner()).await?;
    Ok(tagged(actix_web::http::StatusCode::OK, &plan))
}

/// Create an access plan: libraries with windows relative to when it is given (`starts_after`,
/// `duration`, ISO 8601), and optionally sharing settings and an end policy.
#[utoipa::path(
    operation_id = "createPlan",
    tag = "access",
    request_body = AccessPlanRequest,
    responses(
        (status = 201, description = "Created", body = AccessPlanResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 409, description = "A plan with this name exists (`plan_name_taken`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid plan (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/plans")]
pub async fn create(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<AccessPlanRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let plan = plans::create(
        &state.db,
        &state.applier,
        &body?.into_inner(),
        &principal.actor(),
    )
    .await?;
    Ok(tagged(actix_web::http::StatusCode::CREATED, &plan))
}

/// Replace an access plan (one more version). Friends given an earlier version keep it.
#[utoipa::path(
    operation_id = "updatePlan",
    tag = "access",
    params(("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "The plan's `ETag` as read (`W/\"v3\"`): refused with 412 if someone edited it since. Without it, the last write wins.")),
    request_body = AccessPlanRequest,
    responses(
        (status = 200, description = "Saved", body = AccessPlanResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such plan", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Another plan has this name (`plan_name_taken`)", body = plexward_shared::ErrorResponse),
        (status = 412, description = "`If-Match` names an older version: nothing saved; `current` is the plan now", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid plan (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/plans/{id}")]
pub async fn update(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<AccessPlanRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let expected = preconditions::expected_version(&req)?;
    let id = id.into_inner();
    let saved = plans::update(
        &state.db,
        &state.applier,
        id,
        &body?.into_inner(),
        expected,
        &principal.actor(),
    )
    .await;
    match saved {
        Ok(plan) => Ok(tagged(actix_web::http::StatusCode::OK, &plan)),
        Err(PlanError::Stale) => {
            let current = plans::get(&state.db, id).await?;
            Err(ApiError::PreconditionFailed {
                message: "This plan was changed since that version; nothing was saved.".into(),
                current: serde_json::to_value(current).ok().map(Box::new),
                changed_by: None,
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Delete an access plan. Friends given it keep their grants (and its name on their page).
#[utoipa::path(
    operation_id = "deletePlan",
    tag = "access",
    params(("id" = i64, Path, description = "Plan id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such plan", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/plans/{id}")]
pub async fn delete_one(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    plans::delete(&state.db, id.into_inner(), &principal.actor()).await?;
    Ok(HttpResponse::NoContent().finish())
}
