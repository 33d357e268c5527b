//! `/api/v1/libraries`, `/api/v1/plex-users[/{id}]`, `/api/v1/sync`, `/api/v1/jobs/{id}`: the Plex data
//! Plexward imported, and starting and watching a sync.

use actix_web::{HttpResponse, get, post, web};
use plexward_shared::{
    GrantResponse, JobResponse, JobStarted, LibraryResponse, List, Permission,
    PlexUserDetailResponse, PlexUserResponse,
};

use crate::access::window::{Grant, next_change_after};
use crate::db::time::{from_ms, now_ms};
use crate::plex::PmsKey;

use crate::auth::Principal;
use crate::db;
use crate::http::error::ApiError;
use crate::jobs::{self, sync};
use crate::state::AppState;

/// The server's libraries (removed ones last, flagged).
#[utoipa::path(
    tag = "plex",
    responses(
        (status = 200, description = "Libraries", body = List<LibraryResponse>),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/libraries")]
pub async fn libraries(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let rows = db::run(&state.db, db::libraries::list).await?;
    Ok(HttpResponse::Ok().json(List::all(rows.iter().map(|l| l.to_response()).collect())))
}

/// The server's friends (departed ones last, flagged).
#[utoipa::path(
    tag = "plex",
    responses(
        (status = 200, description = "Friends", body = List<PlexUserResponse>),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plex-users")]
pub async fn plex_users(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let (users, ids) = db::run(&state.db, |conn| {
        Ok((
            db::plex_users::list(conn)?,
            db::libraries::ids_by_key(conn)?,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(List::all(
        users.iter().map(|u| u.to_response(&ids)).collect(),
    )))
}

/// One friend with their grants (time windows) and what Plex says they have.
#[utoipa::path(
    tag = "plex",
    params(("id" = i64, Path, description = "Friend id (Plexward's)")),
    responses(
        (status = 200, description = "The friend", body = PlexUserDetailResponse),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plex-users/{id}")]
pub async fn plex_user(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let id = id.into_inner();
    let (user, grants, ids) = db::run(&state.db, move |conn| {
        Ok((
            db::plex_users::find(conn, id)?,
            db::plex_users::grants_of(conn, id)?,
            db::libraries::ids_by_key(conn)?,
        ))
    })
    .await?;
    let user = user.ok_or(ApiError::NotFound)?;
    let now = now_ms();
    let windows: Vec<Grant> = grants
        .iter()
        .map(|&(_, key, starts_at, ends_at)| Grant {
            library: PmsKey(key as u64),
            starts_at,
            ends_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(PlexUserDetailResponse {
        user: user.to_response(&ids),
        grants: grants
            .iter()
            .zip(&windows)
            .map(
                |(&(library_id, _, starts_at, ends_at), window)| GrantResponse {
                    library_id,
                    starts_at: starts_at.map(from_ms),
                    ends_at: ends_at.map(from_ms),
                    active: window.is_active(now),
                },
            )
            .collect(),
        next_change_at: next_change_after(&windows, now).map(from_ms),
    }))
}

/// Start a sync from Plex (or get the one already running). Watch it at `/api/v1/jobs/{id}`.
#[utoipa::path(
    tag = "plex",
    responses(
        (status = 202, description = "Sync started, or already running", body = JobStarted),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/sync")]
pub async fn start_sync(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::RunSync)?;
    let actor = principal.actor();
    let (job_id, start) = jobs::enqueue_unique(&state.db, sync::KIND, &actor).await?;
    if start {
        let client = match state.plex.client() {
            Some(Ok(client)) => Some(client),
            Some(Err(e)) => {
                tracing::error!(error = %e, "cannot build the Plex client");
                None
            }
            None => None,
        };
        actix_web::rt::spawn(sync::run_job(
            state.db.clone(),
            client,
            job_id.clone(),
            actor,
        ));
    }
    Ok(HttpResponse::Accepted().json(JobStarted { job_id }))
}

/// A background job's state, progress and outcome.
#[utoipa::path(
    tag = "plex",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobResponse),
        (status = 404, description = "No such job", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/jobs/{id}")]
pub async fn job(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let id = id.into_inner();
    let job = db::run(&state.db, move |conn| db::jobs::find(conn, &id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(job.to_response()))
}
