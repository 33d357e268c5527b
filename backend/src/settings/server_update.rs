//! Changing the server settings: the port, HTTPS mode and hostnames (`PUT /settings/server`), the
//! uploaded certificate, and a restart. Each checks its rules, saves and audits; all of it takes
//! effect at the next (re)start.

use std::collections::BTreeMap;

use plexward_shared::server_settings::{check_hostnames, check_port};
use plexward_shared::{CertificateInfo, CertificateKind, HttpsMode, UpdateServerSettingsRequest};
use serde_json::json;

use crate::audit::{Actor, Event, Outcome};
use crate::config::{HOSTNAMES_ENV, HTTPS_ENV, PORT_ENV};
use crate::db::{self, DbPool};
use crate::settings::SettingsError;
use crate::settings::server::{self as server_settings, Effective, ServerControl};
use crate::tls;

/// Runs blocking file work (certificates) off the async runtime.
async fn blocking<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SettingsError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SettingsError::Internal(anyhow::anyhow!("{what} did not run: {e}")))
}

/// The settings in effect for the next start: saved ones under the configuration's pins.
pub async fn effective(pool: &DbPool, control: &ServerControl) -> Result<Effective, SettingsError> {
    let stored = db::run(pool, server_settings::load).await?;
    Ok(server_settings::effective(&control.pins, &stored))
}

/// Applies `request` (absent fields kept; pinned ones refused unless sent back unchanged); the
/// settings now in effect for the next start.
pub async fn update(
    pool: &DbPool,
    control: &ServerControl,
    actor: &Actor,
    ip: Option<String>,
    request: UpdateServerSettingsRequest,
    expected: Option<String>,
) -> Result<Effective, SettingsError> {
    let pins = &control.pins;
    let mut errors = BTreeMap::new();
    let pinned = |var: &str| format!("is set by {var} (or the configuration); change it there");

    let port = match request.port {
        None => None,
        // Sending the pinned value back changes nothing, so it is not refused.
        Some(p) if pins.port_pinned => {
            if p != pins.config_port {
                errors.insert("port".to_owned(), pinned(&format!("{PORT_ENV} or --port")));
            }
            None
        }
        Some(p) => match check_port(p) {
            Ok(p) => Some(p),
            Err(why) => {
                errors.insert("port".to_owned(), why);
                None
            }
        },
    };
    let https = match request.https {
        None => None,
        Some(mode) if pins.https.is_some() => {
            if Some(mode) != pins.https {
                errors.insert("https".to_owned(), pinned(HTTPS_ENV));
            }
            None
        }
        Some(HttpsMode::Custom) => {
            let data_dir = control.data_dir.clone();
            let usable = blocking("certificate check", move || {
                tls::load_custom(&data_dir, chrono::Utc::now())
            })
            .await?;
            match usable {
                Ok(_) => Some(HttpsMode::Custom),
                Err(why) => {
                    errors.insert(
                        "https".to_owned(),
                        format!("`custom` needs a usable uploaded certificate first: {why}"),
                    );
                    None
                }
            }
        }
        Some(mode) => Some(mode),
    };
    let hostnames = match request.hostnames {
        None => None,
        Some(names) if pins.hostnames.is_some() => {
            let same = check_hostnames(&names).ok().as_ref() == pins.hostnames.as_ref();
            if !same {
                errors.insert("hostnames".to_owned(), pinned(HOSTNAMES_ENV));
            }
            None
        }
        Some(names) => match check_hostnames(&names) {
            Ok(names) => Some(names),
            Err(why) => {
                errors.insert("hostnames".to_owned(), why);
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(SettingsError::Invalid(errors));
    }

    let actor = actor.clone();
    let pins = pins.clone();
    let stored = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if !db::settings::still(conn, &server_settings::TAGGED_KEYS, expected.as_deref())? {
                return Ok(None);
            }
            let before = server_settings::load(conn)?;
            let mut after = before.clone();
            if let Some(port) = port {
                after.port = Some(port);
            }
            if let Some(mode) = https {
                after.https = Some(mode);
            }
            if let Some(names) = hostnames {
                after.hostnames = Some(names);
            }
            server_settings::save(conn, &after)?;
            let (b, a) = (
                server_settings::effective(&pins, &before),
                server_settings::effective(&pins, &after),
            );
            let change = |before: serde_json::Value, after: serde_json::Value| {
                json!({"before": before, "after": after})
            };
            Event::new("settings.server_update", Outcome::Success, &actor)
                .target("settings", "server")
                .ip(ip)
                .details(json!({
                    "port": change(b.port.into(), a.port.into()),
                    "https": change(b.https.as_str().into(), a.https.as_str().into()),
                    "hostnames": change(b.hostnames.into(), a.hostnames.into()),
                }))
                .insert(conn)?;
            Ok(Some(after))
        })
    })
    .await?
    .ok_or(SettingsError::Stale)?;
    let effective = server_settings::effective(&control.pins, &stored);
    tracing::info!(
        port = effective.port,
        https = effective.https.as_str(),
        "server settings saved (they apply at the next restart)"
    );
    Ok(effective)
}

/// Checks an uploaded certificate chain and key (they parse, the key matches, none expired or
/// not yet valid, each certificate issued by the next) and saves them; nothing is saved
/// otherwise. Audited either way (never the key).
pub async fn save_certificate(
    pool: &DbPool,
    control: &ServerControl,
    actor: &Actor,
    ip: Option<String>,
    cert: Vec<u8>,
    key: Vec<u8>,
) -> Result<CertificateInfo, SettingsError> {
    let checked = blocking("certificate check", move || {
        let pair = tls::validate_pair(&cert, &key, CertificateKind::Custom, chrono::Utc::now())?;
        Ok::<_, tls::PairError>((pair.info, cert, key))
    })
    .await?;
    let (info, cert, key) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            Event::new("settings.server_certificate", Outcome::Failure, actor)
                .target("settings", "server")
                .ip(ip)
                .details(json!({ "refused": e.to_string() }))
                .record(pool)
                .await;
            return Err(SettingsError::field(e.part, e.reason));
        }
    };
    let data_dir = control.data_dir.clone();
    blocking("saving the certificate", move || {
        tls::save_custom(&data_dir, &cert, &key)
    })
    .await?
    .map_err(|e| anyhow::anyhow!("cannot save the certificate: {e}"))?;
    Event::new("settings.server_certificate", Outcome::Success, actor)
        .target("settings", "server")
        .ip(ip)
        .details(json!({
            "subject": info.subject,
            "issuer": info.issuer,
            "sans": info.sans,
            "not_after": info.not_after,
            "sha256": info.sha256,
        }))
        .record(pool)
        .await;
    tracing::info!(subject = info.subject, not_after = %info.not_after, "HTTPS certificate uploaded");
    Ok(info)
}

/// Asks the serve loop to restart with the saved settings; the URL Plexward will be at (scheme,
/// `host` as the caller reached it, the new port). The serve loop stops a moment after the
/// signal (see `RestartSignal::requested`), so the answer reaches the client first.
pub async fn restart(
    pool: &DbPool,
    control: &ServerControl,
    actor: &Actor,
    ip: Option<String>,
    host: &str,
) -> Result<String, SettingsError> {
    if !control.restart.is_enabled() {
        return Err(SettingsError::RestartUnavailable);
    }
    let effective = effective(pool, control).await?;
    let scheme = {
        let (data_dir, effective) = (control.data_dir.clone(), effective.clone());
        blocking("certificate check", move || {
            server_settings::scheme_for(&data_dir, &effective)
        })
        .await?
    };
    // A pinned port 0 (tests) keeps the port it got.
    let port = match effective.port {
        0 => control.running.port,
        p => p,
    };
    let url = format!("{}://{host}:{port}", scheme.as_str());
    Event::new("system.restart", Outcome::Success, actor)
        .ip(ip)
        .details(json!({
            "url": url,
            "port": port,
            "https": effective.https.as_str(),
            "running": {"port": control.running.port, "scheme": control.running.scheme.as_str()},
        }))
        .record(pool)
        .await;
    tracing::warn!(url, "restart requested by {}", actor.name);
    control.restart.request();
    Ok(url)
}
