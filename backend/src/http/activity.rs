//! `GET /api/v1/plex-users/{id}/activity`: who watches — a friend's plays on this server as
//! the syncs read them. The rules are `access::activity`'s.

use actix_web::{HttpResponse, get, web};
use plexward_shared::{FriendActivity, Permission};

use crate::access::activity;
use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::state::AppState;

/// A friend's activity: when they last watched and what, what they were playing at the last
/// sync, their plays in the last 30 and 90 days, and the same per library. Read from the
/// server's watch history and sessions on each sync.
#[utoipa::path(
    operation_id = "getFriendActivity",
    tag = "plex",
    params(("id" = i64, Path, description = "Friend id (Plexward's)")),
    responses(
        (status = 200, description = "Their activity", body = FriendActivity),
        (status = 403, description = "Your role may not read Plex data", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such friend", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/plex-users/{id}/activity")]
pub async fn friend_activity(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let id = id.into_inner();
    let snapshot = state.friends.snapshot().await?;
    if snapshot.view(id).is_none() {
        return Err(ApiError::NotFound);
    }
    let answer = activity::of_friend(&state.db, id, state.friends.now()).await?;
    Ok(HttpResponse::Ok().json(answer))
}
