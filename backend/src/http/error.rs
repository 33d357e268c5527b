//! The API's one error type and its mapping to HTTP: every failure of a handler or an extractor
//! becomes `{"error":{"code","message","fields"?,"request_id"?}}` with a fitting status. Messages
//! are safe to show; internal details go to the log only, tagged with the request id.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use plexward_shared::{ErrorBody, ErrorResponse};

use crate::auth::AuthError;
use crate::db::DbError;
use crate::http::request_id;
use crate::settings::SettingsError;

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be understood (malformed JSON, bad query string, …).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// Well-formed but invalid input: per-field reasons.
    #[error("some fields are invalid")]
    Validation(BTreeMap<String, String>),
    /// A query string the operation does not understand (unknown parameters, bad values):
    /// reasons per parameter, always 400 `invalid_query` so a script can tell it from a body's
    /// 422.
    #[error("some query parameters are not understood")]
    InvalidQuery(BTreeMap<String, String>),
    /// Not signed in, or the credentials are not (any longer) valid.
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// Signed in, but not allowed.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("not found")]
    NotFound,
    /// The request conflicts with the current state (a name taken, the last admin, …).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    TooManyRequests {
        code: &'static str,
        message: String,
        retry_after_secs: u64,
    },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request body is too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    /// The body did not arrive in time (`request_body_timeout_secs`, then a minimum rate).
    #[error("the request body did not arrive within {secs} s")]
    RequestTimeout { secs: u64 },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// `If-Match` names a version older than the resource's (someone changed it since): 412,
    /// with the resource as it is now and the change that won.
    #[error("{message}")]
    PreconditionFailed {
        message: String,
        current: Option<Box<serde_json::Value>>,
        changed_by: Option<plexward_shared::ChangedBy>,
    },
    /// A dependency (the log files, …) is down; the client may retry.
    #[error("{0}")]
    Unavailable(String),
    /// Plex (plex.tv or the server) could not be asked on the caller's behalf; the message says
    /// what happened and what to do, and never holds a token.
    #[error("{0}")]
    PlexUnavailable(String),
    /// SQLite is locked by another process, or its files cannot be written (a read-only volume,
    /// a full disk); the client may retry once the operator has cleared it.
    #[error("{0}")]
    StorageUnavailable(String),
    /// An extractor's own answer (already an envelope: see `extractors`), passed through when a
    /// handler examines its body late (`JsonBody`).
    #[error("{0}")]
    Extractor(actix_web::Error),
    /// A bug or an unexpected failure. Logged in full; the client sees a generic message.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn unauthenticated() -> Self {
        Self::Unauthorized {
            code: "unauthenticated",
            message: "Sign in first (or send a valid token).".into(),
        }
    }

    pub fn forbidden() -> Self {
        Self::Forbidden {
            code: "forbidden",
            message: "Your role does not allow this.".into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    /// A 400 `invalid_query` naming one query parameter.
    pub fn query_param(name: &str, why: impl Into<String>) -> Self {
        Self::InvalidQuery(BTreeMap::from([(name.to_owned(), why.into())]))
    }

    /// A 422 naming one field.
    pub fn field(name: &str, why: impl Into<String>) -> Self {
        Self::Validation(BTreeMap::from([(name.to_owned(), why.into())]))
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Conflict { code, .. }
            | Self::TooManyRequests { code, .. } => code,
            Self::PreconditionFailed { .. } => "precondition_failed",
            Self::Validation(_) => "validation_failed",
            Self::InvalidQuery(_) => "invalid_query",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::RequestTimeout { .. } => "request_timeout",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Unavailable(_) => "service_unavailable",
            Self::PlexUnavailable(_) => "plex_unavailable",
            Self::StorageUnavailable(_) => "storage_unavailable",
            Self::Extractor(_) => "invalid_request",
            Self::Internal(_) => "internal_error",
        }
    }

    fn public_message(&self) -> String {
        match self {
            Self::Validation(_) => "Some fields are invalid.".into(),
            Self::InvalidQuery(fields) => format!(
                "The query string is not understood: {}.",
                fields
                    .iter()
                    .map(|(name, why)| format!("{name} ({why})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::NotFound => "No such resource.".into(),
            Self::MethodNotAllowed => "This method is not allowed on this resource.".into(),
            Self::Unavailable(_) => {
                "The service is temporarily unavailable; try again shortly.".into()
            }
            Self::StorageUnavailable(_) => "The database cannot be written right now (locked by \
                another process, or its volume is read-only or full); nothing was saved. Try \
                again shortly."
                .into(),
            Self::Internal(_) => "An unexpected error occurred; it has been logged.".into(),
            other => other.to_string(),
        }
    }
}

impl From<actix_web::Error> for ApiError {
    fn from(err: actix_web::Error) -> Self {
        Self::Extractor(err)
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unavailable(reason) => Self::StorageUnavailable(reason),
            DbError::Query(e) => Self::Internal(e.into()),
        }
    }
}

impl From<crate::http::live_streams::Full> for ApiError {
    fn from(full: crate::http::live_streams::Full) -> Self {
        use crate::http::live_streams::Full;
        Self::TooManyRequests {
            code: "too_many_streams",
            message: full.message(),
            retry_after_secs: match full {
                Full::Account { .. } => 30,
                Full::Server { .. } => 5,
            },
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Unauthenticated => Self::unauthenticated(),
            AuthError::InvalidCredentials => Self::Unauthorized {
                code: "invalid_credentials",
                message: "Wrong username or password.".into(),
            },
            AuthError::InvalidCode => Self::Unauthorized {
                code: "invalid_code",
                message: "That code is wrong or was already used: enter the app's current code."
                    .into(),
            },
            AuthError::MfaExpired => Self::Unauthorized {
                code: "mfa_expired",
                message: "This sign-in has expired: sign in again with your password.".into(),
            },
            AuthError::PasskeysUnavailable(why) => Self::conflict("passkeys_unavailable", why),
            AuthError::PasskeyExists => {
                Self::conflict("passkey_exists", "This passkey is registered already.")
            }
            AuthError::InvalidPasskey => Self::Unauthorized {
                code: "invalid_passkey",
                message: "That passkey was not accepted: it is not registered here, it did not \
                          sign this request, or the request expired (start again)."
                    .into(),
            },
            AuthError::NoPasskeys => Self::conflict(
                "no_passkeys",
                "This account has no passkeys: use another way to sign in.",
            ),
            AuthError::MfaAlreadyOn => Self::conflict(
                "mfa_already_on",
                "Two-factor sign-in is already on: turn it off first to set it up again.",
            ),
            AuthError::MfaRequiredForRole(role) => Self::conflict(
                "mfa_required",
                format!(
                    "Two-factor sign-in is required for the {} role: it cannot be turned off.",
                    role.as_str()
                ),
            ),
            AuthError::SsoAdminRequired => Self::conflict(
                "sso_admin_required",
                "Local sign-in can be off only while single sign-on is on and an enabled admin has \
                 signed in through it.",
            ),
            AuthError::LocalSignInOff => Self::Forbidden {
                code: "local_sign_in_off",
                message: "Sign-in with a password is off here: use single sign-on.".into(),
            },
            AuthError::MfaEnrolmentRequired => Self::Forbidden {
                code: "mfa_enrolment_required",
                message: "Set up two-factor sign-in before doing anything else.".into(),
            },
            AuthError::RefreshConflict => Self::Unauthorized {
                code: "refresh_conflict",
                message: "The session was refreshed by another request a moment ago.".into(),
            },
            AuthError::Forbidden => Self::forbidden(),
            AuthError::PasswordChangeRequired => Self::Forbidden {
                code: "password_change_required",
                message: "Choose a new password before doing anything else.".into(),
            },
            AuthError::AccountDisabled => Self::Forbidden {
                code: "account_disabled",
                message: "This account is disabled; ask an administrator.".into(),
            },
            AuthError::SessionRequired => Self::Forbidden {
                code: "session_required",
                message: "API tokens can only be created from a signed-in session.".into(),
            },
            AuthError::LoginThrottled { retry_after_secs } => Self::TooManyRequests {
                code: "too_many_attempts",
                message: format!("Too many sign-in attempts; try again in {retry_after_secs} s."),
                retry_after_secs,
            },
            AuthError::PasswordThrottled { retry_after_secs } => Self::TooManyRequests {
                code: "too_many_attempts",
                message: format!("Too many wrong passwords; try again in {retry_after_secs} s."),
                retry_after_secs,
            },
            AuthError::Invalid { field, reason } => Self::field(field, reason),
            AuthError::NotFound => Self::NotFound,
            AuthError::SelfChange(what) => Self::conflict(
                "self_change_refused",
                format!("You cannot {what} your own account."),
            ),
            AuthError::LastAdmin => Self::conflict(
                "last_admin",
                "This is the last enabled admin; make another admin first.",
            ),
            AuthError::UsernameTaken => {
                Self::conflict("username_taken", "An account with this username exists.")
            }
            AuthError::TokenNameTaken => Self::conflict(
                "token_name_taken",
                "You already have a token with this name.",
            ),
            // Handlers answer this one with the account as it is now (`preconditions`).
            AuthError::Stale => Self::PreconditionFailed {
                message: "This account was changed since that version; nothing was saved.".into(),
                current: None,
                changed_by: None,
            },
            AuthError::Db(e) => e.into(),
            AuthError::Internal(e) => Self::Internal(e),
        }
    }
}

impl From<SettingsError> for ApiError {
    fn from(err: SettingsError) -> Self {
        match err {
            SettingsError::Invalid(fields) => Self::Validation(fields),
            SettingsError::RestartUnavailable => Self::conflict(
                "restart_unavailable",
                "This Plexward runs without its serve loop and cannot restart itself; restart the process.",
            ),
            SettingsError::PlexUnavailable(message) => Self::PlexUnavailable(message),
            // Handlers answer this one with the settings as they are now (`preconditions`).
            SettingsError::Stale => Self::PreconditionFailed {
                message: "These settings were changed since that version; nothing was saved."
                    .into(),
                current: None,
                changed_by: None,
            },
            SettingsError::Db(e) => e.into(),
            SettingsError::Internal(e) => Self::Internal(e),
        }
    }
}

impl From<crate::portal::PortalError> for ApiError {
    fn from(err: crate::portal::PortalError) -> Self {
        use crate::portal::PortalError;
        match err {
            PortalError::Off => Self::Forbidden {
                code: "portal_off",
                message: "The friend portal is not switched on for this server.".into(),
            },
            PortalError::Unauthenticated => Self::Unauthorized {
                code: "portal_unauthenticated",
                message: "Sign in to the portal with your Plex account first.".into(),
            },
            PortalError::PlexUnavailable(message) => Self::PlexUnavailable(message),
            PortalError::Invalid(field, why) => Self::field(field, why),
            PortalError::Throttled { retry_after_secs } => Self::TooManyRequests {
                code: "too_many_attempts",
                message: format!("Too many sign-in attempts; try again in {retry_after_secs} s."),
                retry_after_secs,
            },
            PortalError::Db(e) => e.into(),
        }
    }
}

impl From<crate::portal::requests::RequestError> for ApiError {
    fn from(err: crate::portal::requests::RequestError) -> Self {
        use crate::portal::requests::RequestError;
        match err {
            RequestError::NotFound => Self::NotFound,
            e @ RequestError::NotYours => Self::Forbidden {
                code: "not_your_request",
                message: format!("{e}."),
            },
            e @ RequestError::Closed(_) => Self::conflict("request_closed", format!("{e}.")),
            e @ RequestError::TooManyOpen => {
                Self::conflict("too_many_open_requests", format!("{e}."))
            }
            e @ RequestError::Duplicate => Self::conflict("request_exists", format!("{e}.")),
            RequestError::Throttled { retry_after_secs } => Self::TooManyRequests {
                code: "too_many_requests",
                message: format!(
                    "You made {} requests in the last 24 hours; try again in {} h.",
                    plexward_shared::REQUESTS_PER_DAY,
                    retry_after_secs.div_ceil(3_600)
                ),
                retry_after_secs,
            },
            RequestError::Invalid(fields) => Self::Validation(fields),
            RequestError::Change(e) => e.into(),
            RequestError::Db(e) => e.into(),
        }
    }
}

impl From<crate::backups::BackupError> for ApiError {
    fn from(err: crate::backups::BackupError) -> Self {
        use crate::backups::BackupError;
        match err {
            BackupError::NotFound(_) => Self::NotFound,
            BackupError::Invalid(why) => Self::field("backup", why),
            e @ (BackupError::Io { .. } | BackupError::Database(_)) => {
                Self::StorageUnavailable(e.to_string())
            }
        }
    }
}

impl From<crate::backups::RestoreError> for ApiError {
    fn from(err: crate::backups::RestoreError) -> Self {
        match err {
            crate::backups::RestoreError::Backup(e) => e.into(),
            crate::backups::RestoreError::Settings(e) => e.into(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } | Self::InvalidQuery(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) | Self::StorageUnavailable(_) | Self::PlexUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Extractor(e) => e.as_response_error().status_code(),
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Extractor(e) = self {
            return e.error_response();
        }
        let request_id = request_id::current();
        match self {
            Self::Internal(e) => tracing::error!(request_id, error = ?e, "internal error"),
            Self::Unavailable(reason) => tracing::warn!(request_id, reason, "service unavailable"),
            Self::PlexUnavailable(reason) => tracing::warn!(request_id, reason, "Plex unavailable"),
            Self::StorageUnavailable(reason) => {
                tracing::warn!(request_id, reason, "database unavailable")
            }
            _ => {}
        }
        let body = ErrorResponse {
            error: ErrorBody {
                code: self.code().into(),
                message: self.public_message(),
                fields: match self {
                    Self::Validation(fields) | Self::InvalidQuery(fields) => Some(fields.clone()),
                    _ => None,
                },
                request_id,
                changed_by: match self {
                    Self::PreconditionFailed { changed_by, .. } => changed_by.clone(),
                    _ => None,
                },
            },
            current: match self {
                Self::PreconditionFailed { current, .. } => current.clone(),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::Unavailable(_) | Self::StorageUnavailable(_) | Self::PlexUnavailable(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            Self::TooManyRequests {
                retry_after_secs, ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unauthorized { .. } => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            _ => {}
        }
        response.json(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(err: ApiError) -> (StatusCode, serde_json::Value) {
        let response = err.error_response();
        let status = response.status();
        let bytes = to_bytes(response.into_body()).await.expect("body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[actix_web::test]
    async fn internal_errors_hide_their_cause() {
        let (status, body) = body_of(ApiError::Internal(anyhow::anyhow!(
            "secret path /etc/shadow"
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"]["code"], "internal_error");
        assert!(!body.to_string().contains("shadow"));
    }

    #[actix_web::test]
    async fn validation_errors_carry_fields() {
        let fields = BTreeMap::from([("port".to_owned(), "too small".to_owned())]);
        let (status, body) = body_of(ApiError::Validation(fields)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["fields"]["port"], "too small");
    }

    #[actix_web::test]
    async fn auth_refusals_keep_their_codes() {
        let cases = [
            (AuthError::Unauthenticated, 401, "unauthenticated"),
            (AuthError::InvalidCredentials, 401, "invalid_credentials"),
            (AuthError::RefreshConflict, 401, "refresh_conflict"),
            (AuthError::Forbidden, 403, "forbidden"),
            (
                AuthError::PasswordChangeRequired,
                403,
                "password_change_required",
            ),
            (AuthError::AccountDisabled, 403, "account_disabled"),
            (
                AuthError::MfaEnrolmentRequired,
                403,
                "mfa_enrolment_required",
            ),
            (AuthError::LocalSignInOff, 403, "local_sign_in_off"),
            (AuthError::InvalidPasskey, 401, "invalid_passkey"),
            (AuthError::PasskeyExists, 409, "passkey_exists"),
            (AuthError::NoPasskeys, 409, "no_passkeys"),
            (
                AuthError::PasskeysUnavailable("a bare IP".into()),
                409,
                "passkeys_unavailable",
            ),
            (AuthError::SsoAdminRequired, 409, "sso_admin_required"),
            (
                AuthError::MfaRequiredForRole(plexward_shared::Role::Admin),
                409,
                "mfa_required",
            ),
            (AuthError::SessionRequired, 403, "session_required"),
            (AuthError::NotFound, 404, "not_found"),
            (AuthError::SelfChange("delete"), 409, "self_change_refused"),
            (AuthError::LastAdmin, 409, "last_admin"),
            (AuthError::UsernameTaken, 409, "username_taken"),
            (AuthError::TokenNameTaken, 409, "token_name_taken"),
            (
                AuthError::invalid("name", "is bad"),
                422,
                "validation_failed",
            ),
            (
                AuthError::LoginThrottled {
                    retry_after_secs: 7,
                },
                429,
                "too_many_attempts",
            ),
        ];
        for (err, status, code) in cases {
            let (got, body) = body_of(err.into()).await;
            assert_eq!(
                (got.as_u16(), body["error"]["code"].as_str()),
                (status, Some(code))
            );
        }
        let response = ApiError::from(AuthError::PasswordThrottled {
            retry_after_secs: 3,
        })
        .error_response();
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.as_bytes()),
            Some(&b"3"[..])
        );
        let (_, body) = body_of(AuthError::SelfChange("demote").into()).await;
        assert_eq!(
            body["error"]["message"],
            "You cannot demote your own account."
        );
    }

    #[actix_web::test]
    async fn database_outage_is_503_with_retry_after() {
        let err: ApiError = DbError::Unavailable("database is locked".into()).into();
        let response = err.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
        let (_, body) = body_of(DbError::Unavailable("database is locked".into()).into()).await;
        assert_eq!(body["error"]["code"], "storage_unavailable");
    }
}
