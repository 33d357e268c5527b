//! Sign-in, sessions and the signed-in account.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::roles::Role;

/// Body of `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Account name (case-insensitive).
    pub username: String,
    /// The account's password.
    pub password: String,
}

/// Answer of a successful sign-in or refresh. The SPA ignores `token` (it uses the HttpOnly
/// cookies set alongside); scripts send it as `Authorization: Bearer <token>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Short-lived access token (JWT, ≤ 15 minutes).
    pub token: String,
    /// When `token` stops working.
    #[serde(with = "crate::time::rfc3339_ms")]
    pub expires_at: DateTime<Utc>,
    /// The signed-in account.
    pub account: AccountResponse,
}

/// An application account, as anyone allowed to see it sees it (never a password or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountResponse {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// A disabled account cannot sign in; its sessions and tokens are dead.
    pub disabled: bool,
    /// The account must choose a new password before anything else.
    pub must_change_password: bool,
    /// Two-factor sign-in is on (codes from an app, or a passkey).
    #[serde(default)]
    pub mfa_enabled: bool,
    /// This session must set up two-factor sign-in before anything else: the account's role
    /// requires it (`PUT /api/v1/settings/sign-in`) and it had none when it signed in. Only in
    /// `GET /me` and sign-in answers; `false` elsewhere.
    #[serde(default)]
    pub mfa_enrolment_required: bool,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub last_login_at: Option<DateTime<Utc>>,
    /// Version of what an admin may change here (also the `ETag` of `GET /accounts/{id}`): send
    /// it in `If-Match` with `PATCH /accounts/{id}` so a change made meanwhile is not undone.
    #[serde(default)]
    pub version: String,
}

/// Body of `PUT /api/v1/me/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
    /// Whether your API tokens stop working too (default `true`: a password changed because it
    /// leaked should take whatever was made with it along).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_tokens: Option<bool>,
    /// Whether your other sessions end (default `true`); this one stays signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_other_sessions: Option<bool>,
}
