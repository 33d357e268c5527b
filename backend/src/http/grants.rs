//! `/api/v1/plex-users/{id}/grants`, `…/extend`, `…/history` and `/api/v1/plex-users/bulk`:
//! changing who may use which library when, and seeing what was changed.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use plexward_shared::{
    BulkAction, BulkResponse, ChangeResponse, ExtendRequest, FriendIds, HISTORY_PAGE_DEFAULT,
    HISTORY_PAGE_MAX, HistoryEntry, HistoryQuery, List, Permission, SetGrantsRequest,
};
use serde::Deserialize;

use crate::access::change::{self, ChangeError};
use crate::access::{bulk_action, grants, sharing, sharing_change};
use crate::auth::Principal;
use crate::db;
use crate::db::time::from_ms;
use crate::http::deprecation;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams};
use crate::http::preconditions;
use crate::jobs;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DryRun {
    /// `true`: return the plan without saving or sending anything. May also be given in the
    /// body (`dry_run`); when both are given they must agree (else 400 `invalid_query`).
    #[serde(default)]
    pub dry_run: Option<bool>,
}

impl DryRun {
    /// Whether this is a dry run, from the query and the body. A disagreement is refused rather
    /// than resolved: a script that says "dry run" in one place must never change anything.
    pub(crate) fn with_body(self, body: Option<bool>) -> Result<bool, ApiError> {
        match (self.dry_run, body) {
            (Some(query), Some(body)) if query != body => Err(ApiError::query_param(
                "dry_run",
                format!(
                    "the query says {query} but the body says {body}; give it once, or the same \
                     in both"
                ),
            )),
            (query, body) => Ok(query.or(body).unwrap_or(false)),
        }
    }
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::NotFound => ApiError::NotFound,
            ChangeError::Departed(_) => ApiError::conflict("friend_departed", e.to_string()),
            ChangeError::Invalid(fields) => ApiError::Validation(fields),
            ChangeError::FriendLimit { .. } => ApiError::conflict("friend_limit", e.to_string()),
            ChangeError::PlexRetired(_) => ApiError::PlexUnavailable(e.to_string()),
            // Handlers answer this one with the friend as they are now (`preconditions`).
            ChangeError::Stale => ApiError::PreconditionFailed {
                message: "This friend was changed since that version; nothing was saved.".into(),
                current: None,
                changed_by: None,
            },
            ChangeError::Db(e) => e.into(),
        }
    }
}

/// Changes one friend (saving, applying, answering with the outcome) for the handlers below.
async fn change_one(
    req: &HttpRequest,
    state: &AppState,
    principal: &Principal,
    id: i64,
    action: &'static str,
    dry_run: bool,
    compute: &change::Compute<'_>,
) -> Result<HttpResponse, ApiError> {
    let expected = preconditions::expected_version(req)?;
    let actor = principal.actor();
    let response = change::change_friend(
        &state.db,
        &state.applier,
        id,
        &actor,
        action,
        dry_run,
        expected,
        compute,
        |id| state.jobs.apply_and_wait(id, actor.clone()),
    )
    .await;
    match response {
        Ok(response) => Ok(HttpResponse::Ok().json(response)),
        Err(ChangeError::Stale) => Err(preconditions::friend_changed(state, id).await),
        Err(e) => Err(e.into()),
    }
}

/// Replace a friend's grants (libraries and time windows) and apply them to Plex at once. The
/// answer says whether Plex now matches; a failure is retried in the background. The apply runs
/// as job `job_id`; when it takes longer than the server waits (`apply_wait_ms`, 5 s), the
/// answer says `queued` and the job goes on.
#[utoipa::path(
    operation_id = "setFriendGrants",
    tag = "access",
    params(("id" = i64, Path, description = "Friend id (Plexward's)"), DryRun,
        ("If-Match" = Option<String>, Header, description = "The friend's ETag as read (`W/\"v7-…\"`): refused with 412 if someone changed them since. Without it, the last write wins.")),
    request_body = SetGrantsRequest,
    responses(
        (status = 200, description = "Saved and applied (or the plan, with dry_run)", body = ChangeResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
        (status = 409, description = "The friend left the Plex server, or an invite past Plex's friend limit (`friend_limit`)", body = plexward_shared::ErrorResponse),
        (status = 412, description = "`If-Match` names an older version (`precondition_failed`): nothing saved; `current` is the friend now", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid grants (see `fields`)", body = plexward_shared::ErrorResponse),
        (status = 503, description = "The change needs a Plex operation whose routes plex.tv has both retired (`plex_unavailable`); nothing was saved", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/plex-users/{id}/grants")]
pub async fn set_grants(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: QueryParams<DryRun>,
    body: JsonBody<SetGrantsRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let SetGrantsRequest {
        grants: requested,
        dry_run,
    } = body?.into_inner();
    let dry_run = query?.into_inner().with_body(dry_run)?;
    let compute = move |_: &_, catalog: &_, _| grants::validate(&requested, catalog);
    change_one(
        &req,
        &state,
        &principal,
        id.into_inner(),
        "grants.set",
        dry_run,
        &compute,
    )
    .await
}

/// Extend a friend's access by a week, a month, a year, any ISO 8601 duration (`P10D`), or without
/// end — from the current end if it is in the future, else from now — for all or the chosen
/// libraries, and apply. The answer's `changes` lists each library's window before and after
/// (with `dry_run`: the preview of the new ends).
#[utoipa::path(
    operation_id = "extendFriendAccess",
    tag = "access",
    params(("id" = i64, Path, description = "Friend id (Plexward's)"), DryRun,
        ("If-Match" = Option<String>, Header, description = "The friend's ETag as read (`W/\"v7-…\"`): refused with 412 if someone changed them since. Without it, the last write wins.")),
    request_body = ExtendRequest,
    responses(
        (status = 200, description = "Extended and applied (or the plan, with dry_run)", body = ChangeResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
        (status = 409, description = "The friend left the Plex server", body = plexward_shared::ErrorResponse),
        (status = 412, description = "`If-Match` names an older version (`precondition_failed`): nothing saved; `current` is the friend now", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Unknown library", body = plexward_shared::ErrorResponse),
        (status = 503, description = "The change needs a Plex operation whose routes plex.tv has both retired (`plex_unavailable`); nothing was saved", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/plex-users/{id}/extend")]
pub async fn extend(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: QueryParams<DryRun>,
    body: JsonBody<ExtendRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let ExtendRequest {
        period,
        library_ids,
        dry_run,
    } = body?.into_inner();
    let dry_run = query?.into_inner().with_body(dry_run)?;
    let compute = move |friend: &crate::access::friend::Friend, catalog: &_, now| {
        grants::validate_extend_libraries(library_ids.as_deref(), catalog, "library_ids")?;
        Ok(grants::extend(
            &grants::from_rows(&friend.grants),
            &period,
            library_ids.as_deref(),
            now,
        ))
    };
    change_one(
        &req,
        &state,
        &principal,
        id.into_inner(),
        "grants.extend",
        dry_run,
        &compute,
    )
    .await
}

/// Change many friends at once: set libraries (one window for all), add or remove libraries
/// (keeping each friend's other windows), extend, or revoke. With
/// `dry_run` the answer is every friend's plan; otherwise the grants are saved (all or nothing)
/// and applied by a job (202; progress at `/api/v1/jobs/{id}`).
#[utoipa::path(
    operation_id = "changeFriendsInBulk",
    tag = "access",
    params(DryRun),
    request_body = plexward_shared::BulkRequest,
    responses(
        (status = 200, description = "The plans (dry run)", body = BulkResponse),
        (status = 202, description = "Saved; applying as job `job_id`", body = BulkResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid friends, libraries or times (see `fields`)", body = plexward_shared::ErrorResponse),
        (status = 503, description = "The change needs a Plex operation whose routes plex.tv has both retired (`plex_unavailable`); nothing was saved", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/plex-users/bulk")]
pub async fn bulk(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<DryRun>,
    body: JsonBody<plexward_shared::BulkRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let request = body?.into_inner();
    let dry_run = query?.into_inner().with_body(request.dry_run)?;
    let (friend_ids, deprecated_name) = match request.friends() {
        Ok(FriendIds::Current(ids)) => (ids.to_vec(), false),
        Ok(FriendIds::Deprecated(ids)) => (ids.to_vec(), true),
        Err(why) => return Err(ApiError::field("friend_ids", why)),
    };
    let action = request.action;
    let versions = request.versions;
    let actor = principal.actor();
    if let BulkAction::ApplyPlan { plan_id, version } = action {
        let outcome = crate::access::plans::give(
            &state.db,
            &state.applier,
            plan_id,
            version,
            &friend_ids,
            &actor,
            dry_run,
            versions.as_ref(),
        )
        .await?;
        let (mut response, body) = answer_bulk(&state, actor, dry_run, outcome).await?;
        if deprecated_name {
            deprecation::mark(&mut response);
        }
        return Ok(response.json(body));
    }
    let sharing = match &action {
        BulkAction::Sharing { sharing: wanted } => {
            let wanted = sharing::from_api(wanted).map_err(|errors| {
                ApiError::Validation(
                    errors
                        .into_iter()
                        .map(|(field, why)| (format!("action.{field}"), why))
                        .collect(),
                )
            })?;
            sharing_change::require_plex_pass(
                &state.applier,
                Some(&wanted),
                "action.sharing.restrictions",
            )
            .await?;
            Some(wanted)
        }
        _ => None,
    };
    let compute = move |friend: &crate::access::friend::Friend, catalog: &_, now| {
        bulk_action::apply(&action, friend, catalog, now)
    };
    let outcome = change::bulk(
        &state.db,
        state.applier.routes(),
        state.applier.now(),
        &friend_ids,
        &actor,
        dry_run,
        &compute,
        &change::Also {
            sharing: sharing.as_ref(),
            ..change::Also::default()
        },
        state.applier.friend_limit(),
        versions.as_ref(),
    )
    .await?;
    let (mut response, body) = answer_bulk(&state, actor, dry_run, outcome).await?;
    if deprecated_name {
        deprecation::mark(&mut response);
    }
    Ok(response.json(body))
}

/// The answer to a bulk change (bulk, CSV import): the plans (200) on a dry run or when nothing
/// was saved, else the job that applies the saved friends (202).
pub(crate) async fn answer_bulk(
    state: &AppState,
    actor: crate::audit::Actor,
    dry_run: bool,
    outcome: change::BulkOutcome,
) -> Result<(actix_web::HttpResponseBuilder, BulkResponse), ApiError> {
    let (response, job_id) = if dry_run || outcome.to_apply.is_empty() {
        (HttpResponse::Ok(), None)
    } else {
        let job = state
            .jobs
            .submit(
                jobs::apply::ApplyJob {
                    friends: outcome.to_apply,
                },
                actor,
            )
            .await?;
        (HttpResponse::Accepted(), Some(job.job_id))
    };
    Ok((
        response,
        BulkResponse {
            dry_run,
            friends: outcome.plans,
            job_id,
            skipped: outcome.skipped,
        },
    ))
}

/// A friend's history from the audit log, newest first, a page at a time (`limit` 1–500, default
/// 200; `total` counts every entry).
#[utoipa::path(
    operation_id = "getFriendHistory",
    tag = "access",
    params(("id" = i64, Path, description = "Friend id (Plexward's)"), HistoryQuery),
    responses(
        (status = 200, description = "History", body = List<HistoryEntry>),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plex-users/{id}/history")]
pub async fn history(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: QueryParams<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let id = id.into_inner();
    let (limit, offset) = history_page(&query?.into_inner())?;
    let filter = db::audit::AuditFilter {
        target: Some(("plex_user".into(), id.to_string())),
        ..Default::default()
    };
    let (friend, (events, total)) = db::run(&state.db, move |conn| {
        Ok((
            db::plex_users::find(conn, id)?,
            db::audit::page(conn, &filter, limit, offset)?,
        ))
    })
    .await?;
    friend.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(List {
        items: events
            .into_iter()
            .map(|e| HistoryEntry {
                id: e.id,
                at: from_ms(e.at),
                actor: e.actor,
                action: e.action,
                outcome: e.outcome,
                details: e.details.and_then(|d| serde_json::from_str(&d).ok()),
            })
            .collect(),
        total: total as u64,
    }))
}

/// The history's page size and offset, or every bad value at once.
fn history_page(q: &HistoryQuery) -> Result<(i64, i64), ApiError> {
    let mut errors = std::collections::BTreeMap::new();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let limit = match text(&q.limit) {
        None => HISTORY_PAGE_DEFAULT,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=HISTORY_PAGE_MAX).contains(&n) => n,
            _ => {
                errors.insert(
                    "limit".to_owned(),
                    format!("must be a number from 1 to {HISTORY_PAGE_MAX}"),
                );
                0
            }
        },
    };
    let offset = match text(&q.offset) {
        None => 0,
        Some(v) => match v.parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                errors.insert("offset".to_owned(), "must be a whole number ≥ 0".to_owned());
                0
            }
        },
    };
    if errors.is_empty() {
        Ok((i64::from(limit), i64::from(offset)))
    } else {
        Err(ApiError::InvalidQuery(errors))
    }
}
