//! `/api/v1/settings/plex`: the Plex connection and preferences (read by every role, changed and
//! tested by admins). The token is write-only: answers only say whether one is set.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, put, web};
use plexward_shared::{
    Permission, PlexProblem, PlexServerDetails, PlexSettingsResponse, PlexTestResponse,
    UpdatePlexSettingsRequest,
};
use secrecy::SecretString;

use crate::audit::{Event, Outcome};
use crate::auth::Principal;
use crate::db;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::plex::connection::{PlexConnection, TOKEN_ENV, URL_ENV};
use crate::plex::{PlexClient, PlexError};
use crate::settings::plex::{self as plex_settings, PlexPreferences};
use crate::settings::secret_box::SecretBox;
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
    Ok(HttpResponse::Ok().json(settings_response(&state.plex, &prefs)))
}

fn settings_response(plex: &PlexConnection, prefs: &PlexPreferences) -> PlexSettingsResponse {
    let view = plex.view();
    PlexSettingsResponse {
        server_url: view.server_url,
        token_set: view.token_set,
        plextv_url: view.plextv_url,
        server_url_source: view.server_url_source,
        token_source: view.token_source,
        anchor_library_id: prefs.anchor_library_id,
        time_zone: plex_settings::effective_time_zone(prefs),
        drift_policy: prefs.drift_policy,
    }
}

/// A change to one optional value: absent = keep, `Some(None)` = clear, `Some(Some(v))` = set.
type Change<T> = Option<Option<T>>;

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
    let body = body?.into_inner();
    let plex = &state.plex;
    let mut errors = BTreeMap::new();
    let mut refuse = |field: &str, why: String| {
        errors.insert(field.to_owned(), why);
    };
    let pinned = |var: &str| format!("is set by environment variable {var}; change it there");

    let server_url: Change<String> = match body.server_url.as_deref() {
        None => None,
        // Sending back the pinned value itself changes nothing, so it is not refused.
        Some(raw) if plex.url_pinned() => {
            let same = plex
                .pinned_url()
                .is_some_and(|p| p.trim_end_matches('/') == raw.trim().trim_end_matches('/'));
            if !same {
                refuse("server_url", pinned(URL_ENV));
            }
            None
        }
        Some(raw) if raw.trim().is_empty() => Some(None),
        Some(raw) => match plex_settings::check_server_url(raw) {
            Ok(url) => Some(Some(url)),
            Err(why) => {
                refuse("server_url", why);
                None
            }
        },
    };
    let token: Change<String> = match body.token {
        None => None,
        Some(_) if plex.token_pinned() => {
            refuse("token", pinned(TOKEN_ENV));
            None
        }
        Some(t) if t.is_empty() => Some(None),
        Some(t) => match plex_settings::check_token(&t) {
            Ok(()) => Some(Some(t)),
            Err(why) => {
                refuse("token", why);
                None
            }
        },
    };
    let time_zone: Change<String> = match body.time_zone.as_deref() {
        None => None,
        Some(tz) if tz.trim().is_empty() => Some(None),
        Some(tz) => match plex_settings::check_time_zone(tz) {
            Ok(tz) => Some(Some(tz)),
            Err(why) => {
                refuse("time_zone", why);
                None
            }
        },
    };
    let anchor: Change<i64> = match body.anchor_library_id {
        None => None,
        Some(0) => Some(None),
        Some(id) => {
            if id > 0 && db::run(&state.db, move |c| db::libraries::is_present(c, id)).await? {
                Some(Some(id))
            } else {
                refuse(
                    "anchor_library_id",
                    "must be a library on the Plex server (sync first), or 0 for none".into(),
                );
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }

    // Sealed before the transaction: file I/O (the key may be created) stays out of it.
    let sealed: Change<String> = match &token {
        Some(Some(t)) => {
            let (data_dir, t) = (plex.data_dir().to_owned(), t.clone());
            let sealed = web::block(move || {
                SecretBox::load_or_create(&data_dir)
                    .and_then(|sealer| plex_settings::seal_token(&sealer, &t))
            })
            .await
            .map_err(|e| anyhow::anyhow!("sealing the Plex token did not run: {e}"))?
            .map_err(|e| anyhow::anyhow!("cannot encrypt the Plex token: {e}"))?;
            Some(Some(sealed))
        }
        Some(None) => Some(None),
        None => None,
    };

    let drift_policy = body.drift_policy;
    let actor = principal.actor();
    let ip = principal.ip.clone();
    let _saving = plex.lock_for_save().await;
    let mut live = plex.saved();
    let (prefs, server_url_after) = db::run(&state.db, {
        let server_url = server_url.clone();
        move |conn| {
            conn.immediate_transaction(|conn| {
                let prefs_before = plex_settings::load(conn)?;
                let stored_before = plex_settings::load_connection(conn)?;
                let mut prefs = prefs_before.clone();
                let mut stored = stored_before.clone();
                if let Some(url) = server_url {
                    stored.server_url = url;
                }
                if let Some(sealed) = sealed {
                    stored.token_sealed = sealed;
                }
                if let Some(anchor) = anchor {
                    prefs.anchor_library_id = anchor;
                }
                if let Some(tz) = time_zone {
                    prefs.time_zone = tz;
                }
                if let Some(policy) = drift_policy {
                    prefs.drift_policy = policy;
                }
                plex_settings::save(conn, &prefs)?;
                plex_settings::save_connection(conn, &stored)?;
                // Everything but the token, before and after; for the token only whether it
                // changed (a new sealed value, or cleared).
                let change = |before: serde_json::Value, after: serde_json::Value| {
                    serde_json::json!({"before": before, "after": after})
                };
                Event::new("settings.plex_update", Outcome::Success, &actor)
                    .target("settings", "plex")
                    .ip(ip)
                    .details(serde_json::json!({
                        "server_url": change(
                            stored_before.server_url.clone().into(),
                            stored.server_url.clone().into(),
                        ),
                        "token_changed": stored_before.token_sealed != stored.token_sealed,
                        "anchor_library_id": change(
                            prefs_before.anchor_library_id.into(),
                            prefs.anchor_library_id.into(),
                        ),
                        "time_zone": change(
                            prefs_before.time_zone.clone().into(),
                            prefs.time_zone.clone().into(),
                        ),
                        "drift_policy": change(
                            serde_json::to_value(prefs_before.drift_policy)
                                .unwrap_or_default(),
                            serde_json::to_value(prefs.drift_policy).unwrap_or_default(),
                        ),
                    }))
                    .insert(conn)?;
                Ok((prefs, stored.server_url))
            })
        }
    })
    .await?;

    // The live connection follows the database, so the next sync or test uses the new values.
    let token_touched = token.is_some();
    live.server_url = server_url_after;
    if let Some(token) = token {
        live.token = token.map(SecretString::from);
    }
    plex.set_saved(live);
    tracing::info!(
        server_url_changed = server_url.is_some(),
        token_changed = token_touched,
        "Plex settings saved"
    );
    Ok(HttpResponse::Ok().json(settings_response(plex, &prefs)))
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
