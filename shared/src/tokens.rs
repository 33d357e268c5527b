//! API tokens for scripts (`/api/v1/me/tokens`, and all tokens for admins).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::roles::Role;

/// The recognisable start of every API token secret.
pub const API_TOKEN_PREFIX: &str = "pwt_";

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApiTokenResponse {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to recognise it (e.g. `pwt_3fA9`).
    pub prefix: String,
    pub role: Role,
    pub account_id: i64,
    pub account_username: String,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Body of `POST /api/v1/me/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiTokenRequest {
    /// 1–64 characters, unique among the account's tokens.
    pub name: String,
    /// Defaults to the creator's role; must be covered by it.
    #[serde(default)]
    pub role: Option<Role>,
    /// Optional expiry, in the future.
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Answer of token creation: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreatedApiTokenResponse {
    pub token: ApiTokenResponse,
    /// `pwt_…`: send as `Authorization: Bearer <secret>`. Not retrievable later.
    pub secret: String,
}
