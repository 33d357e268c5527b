//! `/api/v1/settings/plex`: the Plex connection and preferences (read by every role, changed and
//! tested by admins). The token is write-only: answers only say whether one is set. The rules of
//! a change are `settings::plex_update`'s, the test is `settings::plex_probe`'s, signing in with
//! Plex is `settings::plex_sign_in`'s.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use plexward_shared::{
    Permission, PlexPinStarted, PlexPinStatus, PlexSettingsResponse, PlexTestResponse,
    UpdatePlexSettingsRequest,
};

use crate::auth::Principal;
use crate::db;
use crate::http::dto;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::preconditions::{self, expected_tag, settings_tag, tagged};
use crate::settings::{plex as plex_settings, plex_probe, plex_sign_in, plex_update};
use crate::state::AppState;

/// The Plex connection settings (never the token).
#[utoipa::path(
    operation_id = "getPlexSettings",
    tag = "settings",
    responses(
        (status = 200, description = "Current Plex connection", body = PlexSettingsResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/settings/plex")]
pub async fn get_plex(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    let body = current(&state).await?;
    Ok(tagged(&body, &body.version))
}

/// What a GET answers now, with its tag.
async fn current(state: &AppState) -> Result<PlexSettingsResponse, ApiError> {
    let (prefs, plex_pass, anchor) = db::run(&state.db, |conn| {
        let server = crate::settings::plex_server::load(conn)?;
        let catalog = crate::access::friend::Catalog::load(conn)?;
        let anchor = catalog.anchor_id().map(|id| catalog.title_of(id));
        Ok((plex_settings::load(conn)?, server.plex_pass, anchor))
    })
    .await?;
    Ok(PlexSettingsResponse {
        version: settings_tag(state, &plex_settings::TAGGED_KEYS).await?,
        ..dto::plex_settings(&state.plex, &prefs, plex_pass, anchor.as_deref())
    })
}

/// Change the Plex connection and preferences. Every field is optional (absent = keep); an empty
/// `server_url`/`token`/`time_zone` or an `anchor_library_id` of 0 clears it. Values pinned by the
/// environment cannot be changed. The token is stored encrypted and never returned.
#[utoipa::path(
    operation_id = "setPlexSettings",
    tag = "settings",
    params(("If-Match" = Option<String>, Header, description = "The `ETag` (or `version`) these settings were read with: refused with 412 if someone changed them since. Without it, the last write wins.")),
    request_body = UpdatePlexSettingsRequest,
    responses(
        (status = 200, description = "Saved; the settings now in effect", body = PlexSettingsResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 412, description = "`If-Match` names older settings (`precondition_failed`): nothing saved; `current` is what a GET answers now", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid or pinned fields", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/settings/plex")]
pub async fn put_plex(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<UpdatePlexSettingsRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let expected = expected_tag(&req)?;
    let request = body?.into_inner();
    let saved = plex_update::update(
        &state.db,
        &state.plex,
        &state.plex_sign_ins,
        &principal.actor(),
        principal.ip.clone(),
        request,
        expected,
    )
    .await;
    if let Err(crate::settings::SettingsError::Stale) = saved {
        let now = current(&state).await?;
        return Err(preconditions::settings_changed(&state, "settings.plex_update", now).await);
    }
    saved?;
    let body = current(&state).await?;
    Ok(tagged(&body, &body.version))
}

/// Try the connection: the server's name, version and id, the token's account and Plex Pass, or
/// the reason it does not work. Always 200; see `ok`.
#[utoipa::path(
    operation_id = "testPlexConnection",
    tag = "settings",
    responses(
        (status = 200, description = "The outcome of the test", body = PlexTestResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/settings/plex/test")]
pub async fn test_plex(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let result = plex_probe::test(
        &state.db,
        &state.plex,
        &principal.actor(),
        principal.ip.clone(),
    )
    .await;
    Ok(HttpResponse::Ok().json(dto::plex_test(result)))
}

/// Start "Sign in with Plex": open `auth_url` for the owner, then poll
/// `GET /settings/plex/pin/{id}`. Plexward gets a token of its own (a new device on the account).
#[utoipa::path(
    operation_id = "startPlexSignIn",
    tag = "settings",
    responses(
        (status = 201, description = "A PIN to approve on Plex's page", body = PlexPinStarted),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 422, description = "The token is pinned by the environment", body = plexward_shared::ErrorResponse),
        (status = 503, description = "plex.tv did not answer (`plex_unavailable`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/settings/plex/pin")]
pub async fn start_sign_in(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let started = plex_sign_in::start(
        &state.plex_sign_ins,
        &state.plex,
        &state.db,
        &principal.actor(),
        principal.ip.clone(),
    )
    .await?;
    Ok(HttpResponse::Created().json(started))
}

/// Where a sign-in with Plex stands: `waiting` (poll again in a second), `authorized` (with the
/// account's servers: pick one and `PUT /settings/plex` with `server_url` and `pin_id`), or
/// `expired`.
#[utoipa::path(
    operation_id = "getPlexSignIn",
    tag = "settings",
    params(("id" = String, Path, description = "The `id` from `POST /settings/plex/pin`")),
    responses(
        (status = 200, description = "The sign-in's state", body = PlexPinStatus),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such sign-in (or long gone)", body = plexward_shared::ErrorResponse),
        (status = 503, description = "plex.tv did not answer (`plex_unavailable`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/settings/plex/pin/{id}")]
pub async fn sign_in_status(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let status = plex_sign_in::status(
        &state.plex_sign_ins,
        &state.plex,
        &state.db,
        &principal.actor(),
        &id,
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(status))
}
