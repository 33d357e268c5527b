//! `GET /api/v1/grants/export` and `POST /api/v1/grants/import`: every friend's grants as CSV,
//! and such a CSV previewed (dry run) and applied as one bulk change (the rules are
//! `access::grants_csv`'s).

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, post, web};
use futures_util::StreamExt as _;
use plexward_shared::{BulkResponse, ImportGrantsRequest, Permission};

use crate::access::change;
use crate::access::friend::{Catalog, Friend};
use crate::access::grants_csv;
use crate::auth::Principal;
use crate::db;
use crate::http::error::ApiError;
use crate::http::extractors::QueryParams;
use crate::http::grants::DryRun;
use crate::state::AppState;

/// Largest import body (about 20,000 rows).
const IMPORT_LIMIT: usize = 4 * 1024 * 1024;

async fn friends_and_catalog(state: &AppState) -> Result<(Vec<Friend>, Catalog), ApiError> {
    Ok(db::run(&state.db, |conn| {
        Ok((Friend::load_all(conn)?, Catalog::load(conn)?))
    })
    .await?)
}

/// Every friend's grants as CSV: `friend_id,plex_account_id,friend,email,library_id,library,
/// starts_at,ends_at`, one row per grant (RFC 3339 UTC; empty = now / no end) and one row with no
/// library for a friend without any. What `POST /grants/import` reads back.
#[utoipa::path(
    operation_id = "exportGrants",
    tag = "access",
    responses(
        (status = 200, description = "The grants as CSV", content_type = "text/csv", body = String),
        (status = 403, description = "Not allowed", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/grants/export")]
pub async fn export(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let (friends, catalog) = friends_and_catalog(&state).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"plexward-grants.csv\"",
        ))
        .body(grants_csv::export(&friends, &catalog)))
}

/// Set the grants of every friend a CSV names (the export's columns, in any order; a friend by
/// `friend_id` or `plex_account_id`, a library by `library_id` or `library` title; a friend's
/// rows are all their grants, a row with no library = none). Every row is checked first: any
/// problem is a 422 naming `rows[<line>].<column>` and nothing is saved. With `dry_run` the
/// answer is each friend's plan; otherwise it is saved as one bulk change and applied by a job.
#[utoipa::path(
    operation_id = "importGrants",
    tag = "access",
    params(DryRun),
    request_body = ImportGrantsRequest,
    responses(
        (status = 200, description = "The plans (dry run)", body = BulkResponse),
        (status = 202, description = "Saved; applying as job `job_id`", body = BulkResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 413, description = "Larger than 4 MiB", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Rows that cannot be applied (see `fields`: `rows[<line>].<column>`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/grants/import")]
pub async fn import(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<DryRun>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk: Bytes =
            chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
        if body.len() + chunk.len() > IMPORT_LIMIT {
            return Err(ApiError::PayloadTooLarge {
                limit: IMPORT_LIMIT,
            });
        }
        body.extend_from_slice(&chunk);
    }
    let ImportGrantsRequest { csv, dry_run } = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "invalid_body",
            format!("The JSON body does not fit: {e} (expected {{\"csv\": \"…\"}})"),
        )
    })?;
    let dry_run = query?.into_inner().with_body(dry_run)?;
    let rows = crate::csv::parse(&csv).map_err(|why| ApiError::field("csv", why))?;
    let (friends, catalog) = friends_and_catalog(&state).await?;
    let plans = grants_csv::import(&rows, &friends, &catalog).map_err(ApiError::Validation)?;
    if plans.is_empty() {
        return Err(ApiError::field("csv", "names no friend"));
    }
    let ids: Vec<i64> = plans.keys().copied().collect();
    let compute = move |friend: &Friend, _: &Catalog, _| {
        Ok(plans.get(&friend.user.id).cloned().unwrap_or_default())
    };
    let actor = principal.actor();
    let outcome = change::bulk(
        &state.db,
        state.applier.routes(),
        state.applier.now(),
        &ids,
        &actor,
        dry_run,
        &compute,
        &change::Also::default(),
        state.applier.friend_limit(),
        None,
    )
    .await?;
    let (mut response, body) =
        crate::http::grants::answer_bulk(&state, actor, dry_run, outcome).await?;
    Ok(response.json(body))
}
