//! `/api/v1/libraries`, `/api/v1/plex-users[/{id}]`, `/api/v1/sync`, `/api/v1/jobs/{id}`: the Plex data
//! Plexward imported, and starting and watching a sync.

use actix_web::{HttpResponse, get, post, web};
use std::collections::HashMap;

use plexward_shared::{
    FriendQuery, FriendSort, JobResponse, JobStarted, LibraryResponse, List, Permission,
    PlexUserDetailResponse, PlexUserResponse,
};

use crate::access::friend::{Catalog, Friend};
use crate::http::extractors::QueryParams;

use crate::auth::Principal;
use crate::db;
use crate::http::error::ApiError;
use crate::jobs::sync;
use crate::state::AppState;

/// The server's libraries (removed ones last, flagged), with how many friends have each now.
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
    let (rows, friends, catalog) = db::run(&state.db, |conn| {
        Ok((
            db::libraries::list(conn)?,
            Friend::load_all(conn)?,
            Catalog::load(conn)?,
        ))
    })
    .await?;
    let now = state.applier.now();
    let mut holders: HashMap<i64, u64> = HashMap::new();
    for friend in friends.iter().filter(|f| f.user.departed_at.is_none()) {
        for id in catalog.ids_of(&friend.desired_keys(&catalog, now)) {
            *holders.entry(id).or_default() += 1;
        }
    }
    Ok(HttpResponse::Ok().json(List::all(
        rows.iter()
            .map(|l| LibraryResponse {
                friends: holders.get(&l.id).copied().unwrap_or(0),
                anchor: catalog.anchor_id() == Some(l.id),
                ..l.to_response()
            })
            .collect(),
    )))
}

/// The server's friends: search, filter by status, sort. Departed friends come last unless
/// asked for.
#[utoipa::path(
    tag = "plex",
    params(FriendQuery),
    responses(
        (status = 200, description = "Friends", body = List<PlexUserResponse>),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Bad query", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plex-users")]
pub async fn plex_users(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<FriendQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let query = query?.into_inner();
    let within_days = query.within_days.unwrap_or(7);
    if !(1..=365).contains(&within_days) {
        return Err(ApiError::field("within_days", "must be between 1 and 365"));
    }
    let needle = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase);
    let (friends, catalog) = db::run(&state.db, |conn| {
        Ok((Friend::load_all(conn)?, Catalog::load(conn)?))
    })
    .await?;
    let now = state.applier.now();
    let mut rows: Vec<(Option<i64>, Option<i64>, PlexUserResponse)> = friends
        .iter()
        .filter(|f| {
            query
                .status
                .is_none_or(|s| f.has_status(s, within_days, &catalog, now))
        })
        .filter(|f| needle.as_deref().is_none_or(|n| matches_search(f, n)))
        .map(|f| {
            let next = f
                .next_change(&catalog, now)
                .map(|c| c.at.timestamp_millis());
            (next, f.expires_at(&catalog, now), f.response(&catalog, now))
        })
        .collect();
    // Stable sorts: name order (with departed last) is the tie-breaker of the others.
    match query.sort.unwrap_or_default() {
        FriendSort::Name => {}
        FriendSort::NextChange => rows.sort_by_key(|(next, _, _)| next.unwrap_or(i64::MAX)),
        FriendSort::Expiry => rows.sort_by_key(|(_, expiry, _)| expiry.unwrap_or(i64::MAX)),
    }
    Ok(HttpResponse::Ok().json(List::all(rows.into_iter().map(|(_, _, r)| r).collect())))
}

fn matches_search(friend: &Friend, needle: &str) -> bool {
    let u = &friend.user;
    [Some(&u.title), u.username.as_ref(), u.email.as_ref()]
        .into_iter()
        .flatten()
        .any(|v| v.to_lowercase().contains(needle))
}

/// One friend with their grants (time windows), what Plex has, the plan and the apply state.
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
    let (friend, catalog) = db::run(&state.db, move |conn| {
        Ok((Friend::load(conn, id)?, Catalog::load(conn)?))
    })
    .await?;
    let friend = friend.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(friend.detail(&catalog, state.applier.now())))
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
    let job_id = state.jobs.submit_unique(sync::SyncJob, actor).await?;
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
