//! `/api/v1/plex-users/{id}/notifications`: a friend's own choices — whether they get reminder
//! emails, and the time zone those are written in. The rules are `settings::notifications`'.

use actix_web::{HttpResponse, get, put, web};
use plexward_shared::{FriendNotifications, Permission};

use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::settings::notifications;
use crate::state::AppState;

/// A friend's own notification choices (the defaults until saved: reminder emails on, the
/// server's time zone).
#[utoipa::path(
    operation_id = "getFriendNotifications",
    tag = "access",
    params(("id" = i64, Path, description = "Friend id (Plexward's)")),
    responses(
        (status = 200, description = "Their choices", body = FriendNotifications),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plex-users/{id}/notifications")]
pub async fn get_one(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let choices = notifications::friend_choices(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(choices))
}

/// Set whether a friend gets reminder emails (sent through the email channel chosen in the
/// notification settings, to their plex.tv email) and the time zone those are written in.
#[utoipa::path(
    operation_id = "setFriendNotifications",
    tag = "access",
    params(("id" = i64, Path, description = "Friend id (Plexward's)")),
    request_body = FriendNotifications,
    responses(
        (status = 200, description = "Saved", body = FriendNotifications),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Unknown time zone (`fields.time_zone`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/plex-users/{id}/notifications")]
pub async fn put_one(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<FriendNotifications>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccess)?;
    let saved = notifications::save_friend_choices(
        &state.db,
        id.into_inner(),
        body?.into_inner(),
        &principal.actor(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}
