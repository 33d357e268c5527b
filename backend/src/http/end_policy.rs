//! `PUT /api/v1/plex-users/{id}/end-policy`: what happens when a friend's access ends.

use actix_web::{HttpRequest, HttpResponse, put, web};
use plexward_shared::{ChangeResponse, Permission, SetEndPolicyRequest};

use crate::access::change::ChangeError;
use crate::access::end_policy_change;
use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams};
use crate::http::grants::DryRun;
use crate::http::preconditions;
use crate::state::AppState;

/// Set a friend's end policy (`keep_friend`, `remove_share`, `remove_friend`; `null` follows the
/// default in *Settings → Plex*) and apply it: if their access has already ended, the policy acts
/// now. `friend.end_policy.words` says what happens, also on a dry run.
#[utoipa::path(
    operation_id = "setFriendEndPolicy",
    tag = "access",
    params(("id" = i64, Path, description = "Friend id (Plexward's)"), DryRun,
        ("If-Match" = Option<String>, Header, description = "The friend's ETag as read (`W/\"v7-…\"`): refused with 412 if someone changed them since. Without it, the last write wins.")),
    request_body = SetEndPolicyRequest,
    responses(
        (status = 200, description = "Saved and applied (or what would happen, with dry_run)", body = ChangeResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
        (status = 409, description = "The friend left the Plex server", body = plexward_shared::ErrorResponse),
        (status = 412, description = "`If-Match` names an older version (`precondition_failed`): nothing saved; `current` is the friend now", body = plexward_shared::ErrorResponse),
        (status = 503, description = "The policy needs a Plex operation whose routes plex.tv has both retired (`plex_unavailable`); nothing was saved", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/plex-users/{id}/end-policy")]
pub async fn set_end_policy(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: QueryParams<DryRun>,
    body: JsonBody<SetEndPolicyRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let SetEndPolicyRequest {
        end_policy,
        dry_run,
    } = body?.into_inner();
    let dry_run = query?.into_inner().with_body(dry_run)?;
    let expected = preconditions::expected_version(&req)?;
    let actor = principal.actor();
    let id = id.into_inner();
    let response = end_policy_change::change_end_policy(
        &state.db,
        &state.applier,
        id,
        &actor,
        dry_run,
        expected,
        end_policy,
        |id| state.jobs.apply_and_wait(id, actor.clone()),
    )
    .await;
    match response {
        Ok(response) => Ok(HttpResponse::Ok().json(response)),
        Err(ChangeError::Stale) => Err(preconditions::friend_changed(&state, id).await),
        Err(e) => Err(e.into()),
    }
}
