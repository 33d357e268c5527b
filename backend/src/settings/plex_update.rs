//! Changing the Plex settings (`PUT /settings/plex`): every rule and the one transaction.
//! - Every field is optional (absent = keep); an empty `server_url`/`token`/`time_zone` or an
//!   `anchor_library_id` of 0 clears it.
//! - A value pinned by the environment cannot be changed (sending the pinned URL back is no
//!   change, so it is not refused).
//! - The token is sealed with the data dir's [`SecretBox`] before the transaction (the key file may
//!   be created: file I/O stays out of it) and never stored, logged or audited in clear.
//! - The change and its audit event land together; then the live connection follows the
//!   database, under the connection's save lock, so the next sync or test uses the new values.

use std::collections::BTreeMap;
use std::sync::Arc;

use plexward_shared::UpdatePlexSettingsRequest;
use secrecy::{ExposeSecret, SecretString};

use crate::audit::{Actor, Event, Outcome};
use crate::db::{self, DbPool};
use crate::plex::connection::{PlexConnection, TOKEN_ENV, URL_ENV};
use crate::settings::SettingsError;
use crate::settings::plex::{self as plex_settings, PlexPreferences};
use crate::settings::plex_sign_in::SignIns;
use crate::settings::secret_box::SecretBox;

/// A change to one optional value: absent = keep, `Some(None)` = clear, `Some(Some(v))` = set.
type Change<T> = Option<Option<T>>;

/// Applies `request`; the preferences now saved (the connection's half is in `plex`).
pub async fn update(
    pool: &DbPool,
    plex: &Arc<PlexConnection>,
    sign_ins: &SignIns,
    actor: &Actor,
    ip: Option<String>,
    request: UpdatePlexSettingsRequest,
    expected: Option<String>,
) -> Result<PlexPreferences, SettingsError> {
    let mut errors = BTreeMap::new();
    let mut refuse = |field: &str, why: String| {
        errors.insert(field.to_owned(), why);
    };
    let pinned = |var: &str| format!("is set by environment variable {var}; change it there");

    let server_url: Change<String> = match request.server_url.as_deref() {
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
    let token_sent = request.token.is_some();
    let token: Change<String> = match request.token {
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
    // A token from "Sign in with Plex" (held by `plex_sign_in`, never seen by the client).
    let via_sign_in = request.pin_id.is_some();
    let token: Change<String> = match request.pin_id.as_deref() {
        None => token,
        Some(_) if token_sent => {
            refuse("pin_id", "send either token or pin_id, not both".into());
            None
        }
        Some(_) if plex.token_pinned() => {
            refuse("pin_id", pinned(TOKEN_ENV));
            None
        }
        Some(id) => match sign_ins.token(id) {
            Some(t) => Some(Some(t.expose_secret().to_owned())),
            None => {
                refuse(
                    "pin_id",
                    "is not an authorized sign-in with Plex (it expired, or was used): sign in again"
                        .into(),
                );
                None
            }
        },
    };
    let time_zone: Change<String> = match request.time_zone.as_deref() {
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
    let anchor: Change<i64> = match request.anchor_library_id {
        None => None,
        Some(0) => Some(None),
        Some(id) => {
            if id > 0 && db::run(pool, move |c| db::libraries::is_present(c, id)).await? {
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
        return Err(SettingsError::Invalid(errors));
    }

    let sealed: Change<String> = match &token {
        Some(Some(t)) => Some(Some(seal(plex, t.clone()).await?)),
        Some(None) => Some(None),
        None => None,
    };

    let drift_policy = request.drift_policy;
    let end_policy = request.end_policy;
    let actor = actor.clone();
    let _saving = plex.lock_for_save().await;
    let mut live = plex.saved();
    let (prefs, server_url_after) = db::run(pool, {
        let server_url = server_url.clone();
        move |conn| {
            conn.immediate_transaction(|conn| {
                if !db::settings::still(conn, &plex_settings::TAGGED_KEYS, expected.as_deref())? {
                    return Ok(None);
                }
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
                if let Some(policy) = end_policy {
                    prefs.end_policy = policy;
                }
                plex_settings::save(conn, &prefs)?;
                plex_settings::save_connection(conn, &stored)?;
                if prefs.time_zone != prefs_before.time_zone {
                    // Weekly windows are local times: their next edges move with the zone.
                    let now = chrono::Utc::now().timestamp_millis();
                    crate::access::repeat_edges::refresh(conn, None, now)?;
                }
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
                        "via_sign_in_with_plex": via_sign_in,
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
                        "end_policy": change(
                            prefs_before.end_policy.as_str().into(),
                            prefs.end_policy.as_str().into(),
                        ),
                    }))
                    .insert(conn)?;
                Ok(Some((prefs, stored.server_url)))
            })
        }
    })
    .await?
    .ok_or(SettingsError::Stale)?;

    // The live connection follows the database, so the next sync or test uses the new values.
    let token_touched = token.is_some();
    live.server_url = server_url_after;
    if let Some(token) = token {
        live.token = token.map(SecretString::from);
    }
    plex.set_saved(live);
    if token_touched || server_url.is_some() {
        // A new connection (perhaps a new account): find retired routes before a change does.
        crate::settings::plex_routes::probe_in_background(pool, plex);
    }
    if let Some(id) = request.pin_id.as_deref() {
        sign_ins.forget(id);
    }
    tracing::info!(
        server_url_changed = server_url.is_some(),
        token_changed = token_touched,
        "Plex settings saved"
    );
    Ok(prefs)
}

/// Seals `token` with the data dir's key (created on first use), off the async runtime.
async fn seal(plex: &PlexConnection, token: String) -> Result<String, SettingsError> {
    let data_dir = plex.data_dir().to_owned();
    let sealed = tokio::task::spawn_blocking(move || {
        SecretBox::load_or_create(&data_dir)
            .and_then(|sealer| plex_settings::seal_token(&sealer, &token))
    })
    .await
    .map_err(|e| anyhow::anyhow!("sealing the Plex token did not run: {e}"))?
    .map_err(|e| anyhow::anyhow!("cannot encrypt the Plex token: {e}"))?;
    Ok(sealed)
}
