//! `/api/v1/system/backups` (admins): list, make (a job), download, delete and restore backups of
//! the database and key files, and `/api/v1/system/restore` to restore an uploaded one. A restore
//! is checked first, then staged, and Plexward restarts with it (see `backups::restore`).

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::header::{self, ContentEncoding};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use futures_util::StreamExt as _;
use plexward_shared::{
    BackupResponse, BackupTrigger, JobStarted, List, Permission, RestoreResponse,
};
use serde_json::json;
use std::io::Write as _;

use crate::audit::{Event, Outcome};
use crate::auth::Principal;
use crate::backups::{self, BackupError, store};
use crate::http::error::ApiError;
use crate::jobs::backup::BackupJob;
use crate::state::AppState;

/// The largest backup an upload may be.
pub const MAX_UPLOAD_BYTES: usize = 2 << 30;

/// Every backup in `data/backups/`, newest first.
#[utoipa::path(
    operation_id = "listBackups",
    tag = "system",
    responses(
        (status = 200, description = "The backups", body = List<BackupResponse>),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/system/backups")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBackups)?;
    let data_dir = state.backups.data_dir.clone();
    let found = web::block(move || store::list(&data_dir))
        .await
        .map_err(|e| anyhow::anyhow!("listing backups did not run: {e}"))??;
    Ok(HttpResponse::Ok().json(List::all(found)))
}

/// Back up the database (a consistent copy, made while Plexward runs) and the key files now, as a
/// job: 202 with its id; its result (`GET /api/v1/jobs/{id}`) names the backup and what pruning
/// to `backups_keep` deleted. One backup runs at a time: asking again while one runs answers its id.
#[utoipa::path(
    operation_id = "createBackup",
    tag = "system",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key within 24 h answers the first response again and starts nothing")),
    responses(
        (status = 202, description = "Started (or already running)", body = JobStarted),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/system/backups")]
pub async fn create(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBackups)?;
    let job = BackupJob {
        trigger: BackupTrigger::Manual,
        data_dir: state.backups.data_dir.clone(),
        keep: state.backups.keep,
    };
    let job_id = state.jobs.submit_unique(job, principal.actor()).await?;
    Ok(HttpResponse::Accepted().json(JobStarted { job_id }))
}

/// One backup as a `.tar.gz` download. It holds the key files (`secret.key` opens the sealed Plex
/// token): keep it as safe as the data directory.
#[utoipa::path(
    operation_id = "downloadBackup",
    tag = "system",
    params(("name" = String, Path, description = "The backup's `name`")),
    responses(
        (status = 200, description = "The archive (`application/gzip`)"),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such backup", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/system/backups/{name}")]
pub async fn download(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBackups)?;
    let name = name.into_inner();
    let path = store::path_of(&state.backups.data_dir, &name)?;
    let file = actix_files::NamedFile::open_async(&path)
        .await
        .map_err(|_| BackupError::NotFound(name.clone()))?;
    Event::new(
        "system.backup_download",
        Outcome::Success,
        &principal.actor(),
    )
    .ip(principal.ip.clone())
    .details(json!({ "backup": name }))
    .record(&state.db)
    .await;
    let mut response = file
        .set_content_type("application/gzip".parse().expect("a media type"))
        .set_content_disposition(header::ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters: vec![header::DispositionParam::Filename(name)],
        })
        .use_etag(false)
        .use_last_modified(false)
        .into_response(&req);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    // Already compressed: the compression layer leaves it as it is.
    response.headers_mut().insert(
        header::CONTENT_ENCODING,
        header::HeaderValue::from_static(ContentEncoding::Identity.as_str()),
    );
    Ok(response)
}

/// Delete one backup.
#[utoipa::path(
    operation_id = "deleteBackup",
    tag = "system",
    params(("name" = String, Path, description = "The backup's `name`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such backup", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/system/backups/{name}")]
pub async fn delete_one(
    principal: Principal,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBackups)?;
    let name = name.into_inner();
    let data_dir = state.backups.data_dir.clone();
    let gone = name.clone();
    web::block(move || store::delete(&data_dir, &gone))
        .await
        .map_err(|e| anyhow::anyhow!("deleting the backup did not run: {e}"))??;
    Event::new("system.backup_delete", Outcome::Success, &principal.actor())
        .ip(principal.ip.clone())
        .details(json!({ "backup": name }))
        .record(&state.db)
        .await;
    Ok(HttpResponse::NoContent().finish())
}

/// Restore one of the listed backups: it is checked (integrity, a schema this version knows; a
/// 422 changes nothing), a backup of the database as it is now is kept (`kept_aside`), and
/// Plexward restarts with the restored database and key files, migrated to this version. Sign-ins
/// are those of the backup.
#[utoipa::path(
    operation_id = "restoreBackup",
    tag = "system",
    params(("name" = String, Path, description = "The backup's `name`")),
    responses(
        (status = 202, description = "Checked and staged; restarting", body = RestoreResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such backup", body = plexward_shared::ErrorResponse),
        (status = 409, description = "This process cannot restart itself", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Not a backup this Plexward can restore (`backup` says why)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/system/backups/{name}/restore")]
pub async fn restore(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBackups)?;
    let path = store::path_of(&state.backups.data_dir, &name)?;
    let answer = start_restore(&req, &principal, &state, &path).await?;
    Ok(HttpResponse::Accepted().json(answer))
}

/// The upload form: one part.
#[derive(Debug, utoipa::ToSchema)]
#[expect(dead_code, reason = "only documents the multipart body")]
pub struct BackupUpload {
    /// A backup archive made by Plexward (`.tar.gz`, ≤ 2 GiB).
    #[schema(value_type = String, format = Binary)]
    backup: Vec<u8>,
}

/// Restore an uploaded backup (`multipart/form-data`, one part `backup`, ≤ 2 GiB), as
/// `POST /system/backups/{name}/restore` does a listed one.
#[utoipa::path(
    operation_id = "restoreUploadedBackup",
    tag = "system",
    request_body(content = inline(BackupUpload), content_type = "multipart/form-data", description = "One part `backup`: a `.tar.gz` made by Plexward"),
    responses(
        (status = 202, description = "Checked and staged; restarting", body = RestoreResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 409, description = "This process cannot restart itself", body = plexward_shared::ErrorResponse),
        (status = 413, description = "Bigger than 2 GiB", body = plexward_shared::ErrorResponse),
        (status = 415, description = "Not multipart/form-data with a part `backup`", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Not a backup this Plexward can restore (`backup` says why)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/system/restore")]
pub async fn restore_upload(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBackups)?;
    let dir = backups::dir(&state.backups.data_dir);
    crate::data_dir::ensure(&dir)
        .map_err(|e| BackupError::io("cannot create the backups directory")(e))?;
    let upload = Upload(dir.join(format!(".upload-{}.tar.gz", uuid::Uuid::new_v4().simple())));
    let mut received = false;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name != "backup" {
            return Err(ApiError::field(
                "form",
                format!("unknown part `{name}`: send one part `backup`"),
            ));
        }
        if received {
            return Err(ApiError::field("backup", "was sent twice"));
        }
        let mut file = backups::archive::private_file(&upload.0)
            .map_err(|e| BackupError::io("cannot store the upload")(e))?;
        let mut size = 0;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            size += chunk.len();
            if size > MAX_UPLOAD_BYTES {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_UPLOAD_BYTES,
                });
            }
            // Small chunks; a blocking write of one is quicker than handing it off.
            file.write_all(&chunk)
                .map_err(|e| BackupError::io("cannot store the upload")(e))?;
        }
        received = true;
    }
    if !received {
        return Err(ApiError::field("backup", "is missing (a backup .tar.gz)"));
    }
    let answer = start_restore(&req, &principal, &state, &upload.0).await?;
    Ok(HttpResponse::Accepted().json(answer))
}

/// An uploaded file, removed when the request ends however it ends.
struct Upload(std::path::PathBuf);

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn start_restore(
    req: &HttpRequest,
    principal: &Principal,
    state: &web::Data<AppState>,
    path: &std::path::Path,
) -> Result<RestoreResponse, ApiError> {
    let host = super::server_settings::host_name(&crate::http::client_addr::host(req)).to_owned();
    Ok(backups::start_restore(
        &state.db,
        &state.backups,
        &state.server,
        &principal.actor(),
        principal.ip.clone(),
        path,
        &host,
    )
    .await?)
}

fn multipart_error(e: MultipartError) -> ApiError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => ApiError::UnsupportedMediaType(
            "Send multipart/form-data with one part `backup`.".into(),
        ),
        other => ApiError::bad_request(
            "invalid_multipart",
            format!("The multipart body cannot be read: {other}"),
        ),
    }
}
