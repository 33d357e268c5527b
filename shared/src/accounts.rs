//! Application accounts, managed by admins (`/api/v1/accounts`).

use serde::{Deserialize, Serialize};

use crate::roles::Role;

/// Body of `POST /api/v1/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    /// 1–64 characters: letters, digits, `.`, `_`, `-`, `@`. Unique, case-insensitive.
    pub username: String,
    /// Initial password (the password policy applies).
    pub password: String,
    pub role: Role,
    /// Whether the new account must change this password at first sign-in (default: yes).
    #[serde(default)]
    pub must_change_password: Option<bool>,
}

/// Body of `PATCH /api/v1/accounts/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateAccountRequest {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// Sets a new password (the account must change it at next sign-in) and ends its sessions.
    pub password: Option<String>,
}
