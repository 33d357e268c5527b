//! `/api/v1/settings/server` (port, HTTPS, hostnames; read by every role that may read settings,
//! changed by admins), `/api/v1/settings/server/certificate` (upload a PEM pair) and
//! `/api/v1/system/restart`. Changes apply at the next restart; the answers say whether one is
//! needed and what runs now.

use std::collections::BTreeMap;

use actix_multipart::{Multipart, MultipartError};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use futures_util::StreamExt as _;
use plexward_shared::server_settings::MAX_PEM_BYTES;
use plexward_shared::{
    Permission, RestartResponse, ServerSettingsResponse, UpdateServerSettingsRequest,
};

use crate::auth::Principal;
use crate::http::dto;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::preconditions::{self, expected_tag, settings_tag, tagged};
use crate::settings::SettingsError;
use crate::settings::server::Effective;
use crate::settings::server_update;
use crate::state::AppState;

/// The answer for `effective` (reads the certificate files, off the async runtime).
async fn response(
    state: &web::Data<AppState>,
    effective: Effective,
) -> Result<ServerSettingsResponse, ApiError> {
    let version = settings_tag(state, &crate::settings::server::TAGGED_KEYS).await?;
    let state = state.clone();
    web::block(move || {
        let status = state.server.status(&effective);
        ServerSettingsResponse {
            version,
            ..dto::server_settings(effective, &state.server.running, status)
        }
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading the certificate did not run: {e}")))
}

/// The answer of a GET now, with its tag.
async fn current(state: &web::Data<AppState>) -> Result<ServerSettingsResponse, ApiError> {
    let effective = server_update::effective(&state.db, &state.server).await?;
    response(state, effective).await
}

/// The server settings (port, HTTPS, hostnames), where each comes from, what runs now, the
/// certificate and any TLS problem.
#[utoipa::path(
    operation_id = "getServerSettings",
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
    let body = current(&state).await?;
    Ok(tagged(&body, &body.version))
}

/// Change the port (1024–65535), the HTTPS mode (`off`, `self_signed`, `custom`: needs an uploaded
/// certificate) and the hostnames of the self-signed certificate (≤ 20 DNS names or IPs). Absent
/// fields are kept; pinned ones cannot be changed. Takes effect at the next restart.
#[utoipa::path(
    operation_id = "setServerSettings",
    tag = "settings",
    params(("If-Match" = Option<String>, Header, description = "The `ETag` (or `version`) these settings were read with: refused with 412 if someone changed them since. Without it, the last write wins.")),
    request_body = UpdateServerSettingsRequest,
    responses(
        (status = 200, description = "Saved; see `restart_required`", body = ServerSettingsResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 412, description = "`If-Match` names older settings (`precondition_failed`): nothing saved; `current` is what a GET answers now", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid or pinned fields", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/settings/server")]
pub async fn put_server(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<UpdateServerSettingsRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let expected = expected_tag(&req)?;
    let saved = server_update::update(
        &state.db,
        &state.server,
        &principal.actor(),
        principal.ip.clone(),
        body?.into_inner(),
        expected,
    )
    .await;
    let effective = match saved {
        Err(SettingsError::Stale) => {
            let now = current(&state).await?;
            return Err(
                preconditions::settings_changed(&state, "settings.server_update", now).await,
            );
        }
        other => other?,
    };
    let body = response(&state, effective).await?;
    Ok(tagged(&body, &body.version))
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
    operation_id = "uploadCertificate",
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

    server_update::save_certificate(
        &state.db,
        &state.server,
        &principal.actor(),
        principal.ip.clone(),
        cert,
        key,
    )
    .await?;
    let effective = server_update::effective(&state.db, &state.server).await?;
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
    operation_id = "restartServer",
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
    let host = host_name(&crate::http::client_addr::host(&req)).to_owned();
    let url = server_update::restart(
        &state.db,
        &state.server,
        &principal.actor(),
        principal.ip.clone(),
        &host,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(RestartResponse { url }))
}

/// `host[:port]` → `host` (IPv6 keeps its brackets).
pub(super) fn host_name(host: &str) -> &str {
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
