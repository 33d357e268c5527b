//! The Plex connection (`/api/v1/settings/plex`). The token is write-only: the API only ever says
//! whether one is set.

use serde::{Deserialize, Serialize};

/// Where a setting's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SettingSource {
    /// Pinned by a `PLEXWARD_*` environment variable: not editable in the UI.
    Environment,
    /// Not set yet.
    Unset,
}

/// Body of `GET /api/v1/settings/plex`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexSettingsResponse {
    /// Plex Media Server base URL, e.g. `http://192.168.1.10:32400`.
    pub server_url: Option<String>,
    /// Whether a Plex token is configured (the token itself is never returned).
    pub token_set: bool,
    /// plex.tv base URL (only changed for tests and demo mode).
    pub plextv_url: String,
    pub source: SettingSource,
}

/// What the server said about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexServerDetails {
    pub server_name: String,
    pub version: String,
    pub machine_id: String,
    /// The plex.tv account the token belongs to.
    pub owner: String,
    /// Sharing libraries needs Plex Pass.
    pub plex_pass: bool,
}

/// Why the connection test failed, with a stable code (`not_configured`, `unreachable`,
/// `bad_token`, `token_deauthorized`, `not_owner`, `plex_error`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexProblem {
    pub code: String,
    pub message: String,
}

/// Body of `POST /api/v1/settings/plex/test`: always 200; `ok` says whether it worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexTestResponse {
    pub ok: bool,
    pub server: Option<PlexServerDetails>,
    pub problem: Option<PlexProblem>,
}
