//! `PUT /api/v1/plex-users/{id}/sharing`: a friend's downloads, Live TV, camera upload and
//! content restrictions.

use actix_web::{HttpRequest, HttpResponse, put, web};
use plexward_shared::{ChangeResponse, Permission, SetSharingRequest};

use crate::access::change::ChangeError;
use crate::access::{sharing, sharing_change};
use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams};
use crate::http::grants::DryRun;
use crate::http::preconditions;
use crate::state::AppState;

/// Set a friend's sharing settings and apply them (with their libraries, in one write to Plex);
/// `sharing: null` stops managing them, leaving Plex's as they are. Content restrictions need the
/// owner's Plex Pass (422 otherwise).
#[utoipa::path(
    operation_id = "setFriendSharing",
    tag = "access",
    params(("id" = i64, Path, description = "Friend id (Plexward's)"), DryRun,
        ("If-Match" = Option<String>, Header, description = "The friend's ETag as read (`W/\"v7-…\"`): refused with 412 if someone changed them since. Without it, the last write wins.")),
    request_body = SetSharingRequest,
    responses(
        (status = 200, description = "Saved and applied (or the plan, with dry_run)", body = ChangeResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
        (status = 409, description = "The friend left the Plex server", body = plexward_shared::ErrorResponse),
        (status = 412, description = "`If-Match` names an older version (`precondition_failed`): nothing saved; `current` is the friend now", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid settings, or restrictions without Plex Pass (see `fields`)", body = plexward_shared::ErrorResponse),
        (status = 503, description = "The change needs a Plex operation whose routes plex.tv has both retired (`plex_unavailable`); nothing was saved", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/plex-users/{id}/sharing")]
pub async fn set_sharing(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: QueryParams<DryRun>,
    body: JsonBody<SetSharingRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let SetSharingRequest {
        sharing: wanted,
        dry_run,
    } = body?.into_inner();
    let dry_run = query?.into_inner().with_body(dry_run)?;
    let expected = preconditions::expected_version(&req)?;
    let wanted = wanted
        .as_ref()
        .map(sharing::from_api)
        .transpose()
        .map_err(ApiError::Validation)?;
    let actor = principal.actor();
    let id = id.into_inner();
    let response = sharing_change::change_sharing(
        &state.db,
        &state.applier,
        id,
        &actor,
        dry_run,
        expected,
        wanted,
        |id| state.jobs.apply_and_wait(id, actor.clone()),
    )
    .await;
    match response {
        Ok(response) => Ok(HttpResponse::Ok().json(response)),
        Err(ChangeError::Stale) => Err(preconditions::friend_changed(&state, id).await),
        Err(e) => Err(e.into()),
    }
}
