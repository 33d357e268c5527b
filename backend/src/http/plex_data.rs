//! `/api/v1/libraries`, `/api/v1/plex-users`, `/api/v1/sync`, `/api/v1/jobs/{id}`: the Plex data
//! Plexward imported, and starting and watching a sync.

use actix_web::{HttpResponse, get, post, web};
use plexward_shared::{
    JobResponse, JobStarted, LibraryResponse, List, Permission, PlexUserResponse,
};

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
