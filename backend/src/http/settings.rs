//! `/api/v1/settings/plex`: the Plex connection and preferences (read by every role, changed and
//! tested by admins). The token is write-only: answers only say whether one is set. The rules of
//! a change are `settings::plex_update`'s.

use actix_web::{HttpResponse, get, post, put, web};
use plexward_shared::{
    Permission, PlexProblem, PlexServerDetails, PlexSettingsResponse, PlexTestResponse,
    UpdatePlexSettingsRequest,
};

use crate::audit::{Event, Outcome};
use crate::auth::Principal;
use crate::db;
use crate::http::dto;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::plex::{PlexClient, PlexError};
use crate::settings::{plex as plex_settings, plex_update};
use crate::state::AppState;

/// The Plex connection settings (never the token).
#[utoipa::path(
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
    let prefs = db::run(&state.db, plex_settings::load).await?;
    Ok(HttpResponse::Ok().json(dto::plex_settings(&state.plex, &prefs)))
}

/// Change the Plex connection and preferences. Every field is optional (absent = keep); an empty
/// `server_url`/`token`/`time_zone` or an `anchor_library_id` of 0 clears it. Values pinned by the
/// environment cannot be changed. The token is stored encrypted and never returned.
#[utoipa::path(
    tag = "settings",
    request_body = UpdatePlexSettingsRequest,
    responses(
        (status = 200, description = "Saved; the settings now in effect", body = PlexSettingsResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid or pinned fields", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/settings/plex")]
pub async fn put_plex(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<UpdatePlexSettingsRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let request = body?.into_inner();
    let prefs = plex_update::update(
        &state.db,
        &state.plex,
        &principal.actor(),
        principal.ip.clone(),
        request,
    )
    .await?;
    Ok(HttpResponse::Ok().json(dto::plex_settings(&state.plex, &prefs)))
}

/// Try the connection: the server's name, version and id, the token's account and Plex Pass, or
/// the reason it does not work. Always 200; see `ok`.
#[utoipa::path(
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
    let result = match state.plex.probe_client() {
        None => Err(problem(
            "not_configured",
            "Set the Plex server URL and token first.",
        )),
        Some(Err(e)) => Err(problem("plex_error", &e.to_string())),
        Some(Ok(client)) => probe(&client).await,
    };
    let response = match result {
        Ok(server) => PlexTestResponse {
            ok: true,
            server: Some(server),
            problem: None,
        },
        Err(p) => PlexTestResponse {
            ok: false,
            server: None,
            problem: Some(p),
        },
    };
    Event::new(
        "settings.plex_test",
        if response.ok {
            Outcome::Success
        } else {
            Outcome::Failure
        },
        &principal.actor(),
    )
    .ip(principal.ip.clone())
    .details(serde_json::json!({
        "server": response.server.as_ref().map(|s| &s.server_name),
        "problem": response.problem.as_ref().map(|p| &p.code),
    }))
    .record(&state.db)
    .await;
    Ok(HttpResponse::Ok().json(response))
}

async fn probe(client: &PlexClient) -> Result<PlexServerDetails, PlexProblem> {
    let server = client.server_info().await.map_err(explain)?;
    let account = client.account().await.map_err(explain)?;
    if let Some(owner) = &server.my_plex_username
        && !owner.eq_ignore_ascii_case(&account.username)
        && !owner.eq_ignore_ascii_case(&account.email)
    {
        return Err(problem(
            "not_owner",
            &format!(
                "The token belongs to {} but the server is owned by {owner}: use the owner's token.",
                account.username
            ),
        ));
    }
    Ok(PlexServerDetails {
        server_name: server.name,
        version: server.version,
        machine_id: server.machine_id.to_string(),
        owner: account.username,
        plex_pass: account.plex_pass,
    })
}

fn problem(code: &str, message: &str) -> PlexProblem {
    PlexProblem {
        code: code.into(),
        message: message.into(),
    }
}

fn explain(e: PlexError) -> PlexProblem {
    match e {
        PlexError::Unauthorized { .. } => {
            problem("bad_token", "Plex refused the token (401): check it.")
        }
        PlexError::InvalidToken => problem(
            "token_deauthorized",
            "plex.tv says the token was deauthorized or expired: get a new one.",
        ),
        PlexError::Timeout { .. } | PlexError::Transport { .. } => problem(
            "unreachable",
            &format!("{e}. Check the server URL and that Plex is running."),
        ),
        other => problem("plex_error", &other.to_string()),
    }
}
