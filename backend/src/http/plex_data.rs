//! `/api/v1/libraries`, `/api/v1/plex-users[/{id}]`, `/api/v1/sync`, `/api/v1/jobs/{id}`: the Plex data
//! Plexward imported, and starting and watching a sync.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};

use plexward_shared::{
    EXPIRING_DAYS_MAX, EXPIRING_SOON_DAYS, FRIEND_PAGE_MAX, FriendQuery, JobResponse, JobStarted,
    LibraryResponse, List, Permission, PlexUserDetailResponse, PlexUserResponse,
};

use crate::access::friend_dto;
use crate::access::read_model::ListQuery;
use crate::http::etag;
use crate::http::extractors::{QueryParams, paged};

use crate::auth::Principal;
use crate::db;
use crate::http::error::ApiError;
use crate::jobs::sync;
use crate::state::AppState;

/// The server's libraries (removed ones last, flagged), with how many friends have each now.
#[utoipa::path(
    operation_id = "listLibraries",
    tag = "plex",
    params(plexward_shared::Paging),
    responses(
        (status = 200, description = "Libraries", body = List<LibraryResponse>),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/libraries")]
pub async fn libraries(
    principal: Principal,
    state: web::Data<AppState>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let snapshot = state.friends.snapshot().await?;
    let holders = snapshot.holders();
    Ok(HttpResponse::Ok().json(paged(
        snapshot
            .libraries
            .iter()
            .map(|l| {
                let friends = holders.get(&l.id).copied().unwrap_or(0);
                friend_dto::library(l, friends, &snapshot.catalog)
            })
            .collect(),
        paging,
    )?))
}

/// The server's friends: search, filter by status, sort, page (`limit`/`offset`; `total` counts
/// every match). Departed friends come last unless asked for. Served from the read model with an
/// `ETag`: `If-None-Match` with it answers 304 while nothing changed.
#[utoipa::path(
    operation_id = "listFriends",
    tag = "plex",
    params(FriendQuery),
    responses(
        (status = 200, description = "Friends", body = List<PlexUserResponse>,
            headers(("ETag" = String, description = "Tag of this answer, for If-None-Match"))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plex-users")]
pub async fn plex_users(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<FriendQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let query = list_query(&query?.into_inner())?;
    let snapshot = state.friends.snapshot().await?;
    let answer = snapshot.list(&query, state.friends.now());
    Ok(etag::respond(&req, &answer))
}

/// The list query, or every bad field at once.
fn list_query(q: &FriendQuery) -> Result<ListQuery, ApiError> {
    let mut errors = BTreeMap::new();
    let within_days = q.within_days.unwrap_or(EXPIRING_SOON_DAYS);
    if !(1..=EXPIRING_DAYS_MAX).contains(&within_days) {
        errors.insert(
            "within_days".to_owned(),
            format!("must be between 1 and {EXPIRING_DAYS_MAX}"),
        );
    }
    if let Some(days) = q.inactive_days
        && !(1..=3_650).contains(&days)
    {
        errors.insert(
            "inactive_days".to_owned(),
            "must be between 1 and 3650".to_owned(),
        );
    }
    let text = |v: &Option<String>| -> Option<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let limit = match text(&q.limit) {
        None => None,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=FRIEND_PAGE_MAX).contains(&n) => Some(n as usize),
            _ => {
                errors.insert(
                    "limit".to_owned(),
                    format!("must be a number from 1 to {FRIEND_PAGE_MAX}"),
                );
                None
            }
        },
    };
    let offset = match text(&q.offset) {
        None => 0,
        Some(v) => match v.parse::<u32>() {
            Ok(n) => n as usize,
            Err(_) => {
                errors.insert("offset".to_owned(), "must be a whole number ≥ 0".to_owned());
                0
            }
        },
    };
    let plex_account_id = match text(&q.plex_account_id) {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.insert(
                    "plex_account_id".to_owned(),
                    "must be a Plex account id (a whole number)".to_owned(),
                );
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    Ok(ListQuery {
        needle: text(&q.q).map(|n| n.to_lowercase()),
        username: text(&q.username).map(|n| n.to_lowercase()),
        email: text(&q.email).map(|n| n.to_lowercase()),
        plex_account_id,
        status: q.status,
        within_days,
        inactive_days: q.inactive_days,
        sort: q.sort.unwrap_or_default(),
        limit,
        offset,
    })
}

/// One friend with their grants (time windows), what Plex has, the plan and the apply state.
/// With an `ETag`, like the list.
#[utoipa::path(
    operation_id = "getFriend",
    tag = "plex",
    params(("id" = i64, Path, description = "Friend id (Plexward's)")),
    responses(
        (status = 200, description = "The friend", body = PlexUserDetailResponse,
            headers(("ETag" = String, description = "Tag of this answer, for If-None-Match"))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plex-users/{id}")]
pub async fn plex_user(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let id = id.into_inner();
    let snapshot = state.friends.snapshot().await?;
    let answer = snapshot.detail(id).ok_or(ApiError::NotFound)?;
    Ok(etag::respond(&req, &answer))
}

/// Start a sync from Plex (or get the one already running). Watch it at `/api/v1/jobs/{id}`.
#[utoipa::path(
    operation_id = "startSync",
    tag = "plex",
    responses(
        (status = 202, description = "Sync started, or already running", body = JobStarted),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 503, description = "plex.tv has retired both of its routes for listing friends or libraries (`plex_unavailable`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/sync")]
pub async fn start_sync(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::RunSync)?;
    if let Some(operation) = sync::retired_operation(state.plex.routes()) {
        return Err(ApiError::PlexUnavailable(
            crate::plex::PlexError::Retired { operation }.to_string(),
        ));
    }
    let actor = principal.actor();
    let job_id = state.jobs.submit_unique(sync::SyncJob, actor).await?;
    Ok(HttpResponse::Accepted().json(JobStarted { job_id }))
}

/// A background job's state, progress and outcome.
#[utoipa::path(
    operation_id = "getJob",
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
    Ok(HttpResponse::Ok().json(crate::http::dto::job(&job)))
}
