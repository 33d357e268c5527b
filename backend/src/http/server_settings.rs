//! `/api/v1/settings/server` (port, HTTPS, hostnames; read by every role that may read settings,
//! changed by admins), `/api/v1/settings/server/certificate` (upload a PEM pair) and
//! `/api/v1/system/restart`. Changes apply at the next restart; the answers say whether one is
//! needed and what runs now.

use std::collections::BTreeMap;

use actix_multipart::{Multipart, MultipartError};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use futures_util::StreamExt as _;
use plexward_shared::server_settings::{MAX_PEM_BYTES, check_hostnames, check_port};
use plexward_shared::{
    CertificateKind, HttpsMode, Permission, RestartResponse, ServerSettingsResponse,
    UpdateServerSettingsRequest,
};
use serde_json::json;

use crate::audit::{Event, Outcome};
use crate::auth::Principal;
use crate::config::{HOSTNAMES_ENV, HTTPS_ENV, PORT_ENV};
use crate::db;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::settings::server::{self as server_settings, Effective};
use crate::state::AppState;
use crate::tls;

async fn effective(state: &AppState) -> Result<Effective, ApiError> {
    let stored = db::run(&state.db, server_settings::load).await?;
    Ok(server_settings::effective(&state.server.pins, &stored))
}

async fn response(
    state: &web::Data<AppState>,
    effective: Effective,
) -> Result<ServerSettingsResponse, ApiError> {
    let state = state.clone();
    web::block(move || state.server.response(&effective))
        .await
        .map_err(|e| {
            ApiError::Internal(anyhow::anyhow!("reading the certificate did not run: {e}"))
        })
}

/// The server settings (port, HTTPS, hostnames), where each comes from, what runs now, the
/// certificate and any TLS problem.
#[utoipa::path(
    tag = "settings",
    responses(
        (status = 200, description = "The server settings", body = ServerSettingsResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/settings/server")]
pub async fn get_server(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    let effective = effective(&state).await?;
    Ok(HttpResponse::Ok().json(response(&state, effective).await?))
}

/// Change the port (1024–65535), the HTTPS mode (`off`, `self_signed`, `custom`: needs an uploaded
/// certificate) and the hostnames of the self-signed certificate (≤ 20 DNS names or IPs). Absent
/// fields are kept; pinned ones cannot be changed. Takes effect at the next restart.
#[utoipa::path(
    tag = "settings",
    request_body = UpdateServerSettingsRequest,
    responses(
        (status = 200, description = "Saved; see `restart_required`", body = ServerSettingsResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid or pinned fields", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/settings/server")]
pub async fn put_server(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<UpdateServerSettingsRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let body = body?.into_inner();
    let pins = &state.server.pins;
    let mut errors = BTreeMap::new();
    let pinned = |var: &str| format!("is set by {var} (or the configuration); change it there");

    let port = match body.port {
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
    let https = match body.https {
        None => None,
        Some(mode) if pins.https.is_some() => {
            if Some(mode) != pins.https {
                errors.insert("https".to_owned(), pinned(HTTPS_ENV));
            }
            None
        }
        Some(HttpsMode::Custom) => {
            let data_dir = state.server.data_dir.clone();
            let usable = web::block(move || tls::load_custom(&data_dir, chrono::Utc::now()))
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("certificate check: {e}")))?;
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
    let hostnames = match body.hostnames {
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
        return Err(ApiError::Validation(errors));
    }

    let actor = principal.actor();
    let ip = principal.ip.clone();
    let pins = pins.clone();
    let stored = db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| {
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
            Ok(after)
        })
    })
    .await?;
    let effective = server_settings::effective(&state.server.pins, &stored);
    tracing::info!(
        port = effective.port,
        https = effective.https.as_str(),
        "server settings saved (they apply at the next restart)"
    );
    Ok(HttpResponse::Ok().json(response(&state, effective).await?))
}

/// The upload form: two PEM parts.
#[derive(Debug, utoipa::ToSchema)]
#[expect(dead_code, reason = "only documents the multipart body")]
pub struct CertificateUpload {
    /// The certificate chain, PEM: the server certificate first, then each issuer (≤ 64 KiB).
    #[schema(value_type = String, format = Binary)]
    cert: Vec<u8>,
    /// The unencrypted private key, PEM (PKCS#8, PKCS#1 or SEC1; ≤ 64 KiB).
    #[schema(value_type = String, format = Binary)]
    key: Vec<u8>,
}

/// Upload a certificate chain and key (multipart `cert` and `key`, PEM, ≤ 64 KiB each) for HTTPS
/// mode `custom`. Both are checked first — they parse, the key matches, no certificate is expired
/// or not yet valid, each certificate is issued by the next — and nothing is saved otherwise.
/// Used after the next restart (when the mode is `custom`). The key is never returned.
#[utoipa::path(
    tag = "settings",
    request_body(content = inline(CertificateUpload), content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Saved; the server settings", body = ServerSettingsResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 413, description = "A part is larger than 64 KiB", body = plexward_shared::ErrorResponse),
        (status = 415, description = "Not multipart/form-data", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Refused (see `fields.cert` / `fields.key`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/settings/server/certificate")]
pub async fn upload_certificate(
    principal: Principal,
    state: web::Data<AppState>,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let mut cert: Option<Vec<u8>> = None;
    let mut key: Option<Vec<u8>> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        let slot = match name.as_str() {
            "cert" => &mut cert,
            "key" => &mut key,
            _ => {
                return Err(ApiError::field(
                    "form",
                    format!("unknown part `{name}`: send exactly the parts `cert` and `key`"),
                ));
            }
        };
        if slot.is_some() {
            return Err(ApiError::field(&name, "was sent twice"));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            if bytes.len() + chunk.len() > MAX_PEM_BYTES {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_PEM_BYTES,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        *slot = Some(bytes);
    }
    let mut missing = BTreeMap::new();
    if cert.is_none() {
        missing.insert(
            "cert".to_owned(),
            "is missing (PEM certificate chain)".to_owned(),
        );
    }
    if key.is_none() {
        missing.insert("key".to_owned(), "is missing (PEM private key)".to_owned());
    }
    let (Some(cert), Some(key)) = (cert, key) else {
        return Err(ApiError::Validation(missing));
    };

    let data_dir = state.server.data_dir.clone();
    let checked = web::block(move || {
        let pair = tls::validate_pair(&cert, &key, CertificateKind::Custom, chrono::Utc::now())?;
        Ok::<_, tls::PairError>((pair.info, cert, key))
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("certificate check did not run: {e}")))?;
    let (info, cert, key) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            Event::new(
                "settings.server_certificate",
                Outcome::Failure,
                &principal.actor(),
            )
            .target("settings", "server")
            .ip(principal.ip.clone())
            .details(json!({ "refused": e.to_string() }))
            .record(&state.db)
            .await;
            return Err(ApiError::field(e.part, e.reason));
        }
    };
    web::block(move || tls::save_custom(&data_dir, &cert, &key))
        .await
        .map_err(|e| {
            ApiError::Internal(anyhow::anyhow!("saving the certificate did not run: {e}"))
        })?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("cannot save the certificate: {e}")))?;
    Event::new(
        "settings.server_certificate",
        Outcome::Success,
        &principal.actor(),
    )
    .target("settings", "server")
    .ip(principal.ip.clone())
    .details(json!({
        "subject": info.subject,
        "issuer": info.issuer,
        "sans": info.sans,
        "not_after": info.not_after,
        "sha256": info.sha256,
    }))
    .record(&state.db)
    .await;
    tracing::info!(subject = info.subject, not_after = %info.not_after, "HTTPS certificate uploaded");
    let effective = effective(&state).await?;
    Ok(HttpResponse::Ok().json(response(&state, effective).await?))
}

fn multipart_error(e: MultipartError) -> ApiError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => ApiError::UnsupportedMediaType(
            "Send multipart/form-data with the parts `cert` and `key`.".into(),
        ),
        other => ApiError::bad_request(
            "invalid_multipart",
            format!("The multipart body cannot be read: {other}"),
        ),
    }
}

/// Restart gracefully with the saved server settings: answers 202 with the URL Plexward will be at
/// (scheme, this request's host, the new port), then stops accepting connections, lets in-flight
/// requests and jobs finish, and serves again in the same process.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 202, description = "Restarting", body = RestartResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 409, description = "This process cannot restart itself (embedded without the serve loop)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/system/restart")]
pub async fn restart(
    principal: Principal,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    if !state.server.restart.is_enabled() {
        return Err(ApiError::conflict(
            "restart_unavailable",
            "This Plexward runs without its serve loop and cannot restart itself; restart the process.",
        ));
    }
    let effective = effective(&state).await?;
    let scheme = {
        let (state, effective) = (state.clone(), effective.clone());
        web::block(move || state.server.scheme_for(&effective))
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("certificate check: {e}")))?
    };
    // A pinned port 0 (tests) keeps the port it got.
    let port = match effective.port {
        0 => state.server.running.port,
        p => p,
    };
    let host = host_name(req.connection_info().host()).to_owned();
    let url = format!("{}://{host}:{port}", scheme.as_str());
    Event::new("system.restart", Outcome::Success, &principal.actor())
        .ip(principal.ip.clone())
        .details(json!({
            "url": url,
            "port": port,
            "https": effective.https.as_str(),
            "running": {"port": state.server.running.port, "scheme": state.server.running.scheme.as_str()},
        }))
        .record(&state.db)
        .await;
    tracing::warn!(url, "restart requested by {}", principal.actor().name);
    let signal = state.server.restart.clone();
    actix_web::rt::spawn(async move {
        // Let this 202 reach the client before the server stops accepting.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
        signal.request();
    });
    Ok(HttpResponse::Accepted().json(RestartResponse { url }))
}

/// `host[:port]` → `host` (IPv6 keeps its brackets).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("plex.lan:5000"), "plex.lan");
        assert_eq!(host_name("plex.lan"), "plex.lan");
        assert_eq!(host_name("[::1]:5000"), "[::1]");
        assert_eq!(host_name("127.0.0.1:80"), "127.0.0.1");
    }
}
