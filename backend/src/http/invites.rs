//! `/api/v1/invites`: invites with a plan. Reading them needs `ViewPlexData`; sending, cancelling
//! and sending again `ManageAccess`. The rules are `access::invites`'.

use actix_web::{HttpResponse, delete, get, post, web};
use plexward_shared::{
    CreateInviteRequest, CreateInviteResponse, InviteQuery, InviteResponse, List, Permission,
};

use crate::access::invites::{self, InviteError};
use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams};
use crate::state::AppState;

impl From<InviteError> for ApiError {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::NotFound => ApiError::NotFound,
            InviteError::Invalid(fields) => ApiError::Validation(fields),
            e @ InviteError::AlreadyFriend { .. } => {
                ApiError::conflict("already_a_friend", e.to_string())
            }
            e @ InviteError::AlreadyInvited(_) => {
                ApiError::conflict("invite_pending", e.to_string())
            }
            e @ (InviteError::FriendLimit { .. } | InviteError::PlexLimit(_)) => {
                ApiError::conflict("friend_limit", e.to_string())
            }
            e @ InviteError::NotPending(_) => {
                ApiError::conflict("invite_not_pending", e.to_string())
            }
            e @ InviteError::PlexRefused(_) => ApiError::field("identifier", e.to_string()),
            InviteError::PlexUnavailable(why) => ApiError::PlexUnavailable(why),
            InviteError::Plan(e) => e.into(),
            InviteError::Db(e) => e.into(),
        }
    }
}

/// Invites, newest first: filter by `state`, part of the identifier (`q`) or `friend_id`; page
/// with `limit` and `offset`.
#[utoipa::path(
    operation_id = "listInvites",
    tag = "access",
    params(InviteQuery),
    responses(
        (status = 200, description = "The invites", body = List<InviteResponse>),
        (status = 400, description = "A filter is not understood", body = plexward_shared::ErrorResponse),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
        (status = 422, description = "A filter has a bad value (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/invites")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<InviteQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let query = query?.into_inner();
    Ok(HttpResponse::Ok().json(invites::list(&state.db, &query).await?))
}

/// One invite.
#[utoipa::path(
    operation_id = "getInvite",
    tag = "access",
    params(("id" = i64, Path, description = "Invite id")),
    responses(
        (status = 200, description = "The invite", body = InviteResponse),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such invite", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/invites/{id}")]
pub async fn get_one(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    Ok(HttpResponse::Ok().json(invites::get(&state.db, id.into_inner()).await?))
}

/// Invite a new friend (an email address or a plex.tv username) with `plan` (libraries and
/// windows; a `duration` counts from acceptance) or an access plan (`plan_id`). Plex's invite
/// carries the libraries the plan gives at once, or the anchor library when it starts later. The
/// friend shows as invited (`pending`) at once. With `dry_run`, only says what would be sent.
#[utoipa::path(
    operation_id = "createInvite",
    tag = "access",
    request_body = CreateInviteRequest,
    responses(
        (status = 201, description = "Sent", body = CreateInviteResponse),
        (status = 200, description = "What would be sent (`dry_run`)", body = CreateInviteResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Already a friend (`already_a_friend`), an invite already pending (`invite_pending`), or the friend limit reached (`friend_limit`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid invite, or Plex refused it (its reason under `fields.identifier`)", body = plexward_shared::ErrorResponse),
        (status = 503, description = "Plex could not be asked (`plex_unavailable`); nothing was sent or saved", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/invites")]
pub async fn create(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateInviteRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let request = body?.into_inner();
    let answer = invites::create(&state.db, &state.applier, &request, &principal.actor()).await?;
    Ok(if answer.dry_run {
        HttpResponse::Ok().json(answer)
    } else {
        HttpResponse::Created().json(answer)
    })
}

/// Cancel a pending invite: withdrawn on Plex, and the invited friend goes from the list.
#[utoipa::path(
    operation_id = "cancelInvite",
    tag = "access",
    params(("id" = i64, Path, description = "Invite id")),
    responses(
        (status = 200, description = "Cancelled", body = InviteResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such invite", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Not pending (accepted, expired or cancelled already): `invite_not_pending`", body = plexward_shared::ErrorResponse),
        (status = 503, description = "Plex could not be asked (`plex_unavailable`); nothing changed", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/invites/{id}")]
pub async fn cancel(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let invite = invites::cancel(
        &state.db,
        &state.applier,
        id.into_inner(),
        &principal.actor(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(invite))
}

/// Send a pending invite again (Plex emails the person once more; its days are not reset).
#[utoipa::path(
    operation_id = "resendInvite",
    tag = "access",
    params(("id" = i64, Path, description = "Invite id")),
    responses(
        (status = 200, description = "Sent again", body = InviteResponse),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such invite", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Not pending: `invite_not_pending`", body = plexward_shared::ErrorResponse),
        (status = 503, description = "Plex could not be asked (`plex_unavailable`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/invites/{id}/resend")]
pub async fn resend(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let invite = invites::resend(
        &state.db,
        &state.applier,
        id.into_inner(),
        &principal.actor(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(invite))
}
