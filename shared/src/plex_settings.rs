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
    /// Saved from the UI/API (in the database).
    Database,
    /// Not set yet.
    Unset,
    /// Neither pinned nor saved: the configuration file's value or the built-in default.
    Default,
}

/// What Plexward does when Plex's shares differ from what it last applied (someone edited Plex
/// directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DriftPolicy {
    /// Put Plex back to the plan (and audit it).
    #[default]
    Enforce,
    /// Only show it.
    Report,
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
    pub server_url_source: SettingSource,
    pub token_source: SettingSource,
    /// The library every shared friend keeps (Plexward id), if any.
    pub anchor_library_id: Option<i64>,
    /// IANA time zone in which times are shown and entered, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub drift_policy: DriftPolicy,
    /// What happens when a friend's access ends, unless the friend or their plan says otherwise.
    #[serde(default)]
    pub end_policy: crate::EndPolicy,
    /// [`PlexSettingsResponse::end_policy`] in words.
    #[serde(default)]
    pub end_policy_words: String,
    /// Whether the owner's Plex account has Plex Pass (friends' content restrictions need it),
    /// as the last sync found it; `None` until a sync has asked.
    #[serde(default)]
    pub plex_pass: Option<bool>,
    /// Version of these settings, also sent as the `ETag`: send it back in `If-Match` so a change
    /// made by someone else meanwhile is not overwritten (412).
    #[serde(default)]
    pub version: String,
}

/// Body of `PUT /api/v1/settings/plex` (admin). Every field is optional: a missing one keeps its
/// value. A field pinned by the environment cannot be changed (422). `Debug` never shows the token.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePlexSettingsRequest {
    /// `http(s)://host[:port][/path]`; empty string clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// Write-only; empty string clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `0` clears the anchor (no anchor library).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor_library_id: Option<i64>,
    /// IANA name, e.g. `Europe/Berlin`; empty string = the host's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_policy: Option<DriftPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_policy: Option<crate::EndPolicy>,
    /// The `id` of an authorized "Sign in with Plex" PIN (`POST /api/v1/settings/plex/pin`):
    /// saves the token that sign-in gave Plexward. Not together with `token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_id: Option<String>,
}

impl std::fmt::Debug for UpdatePlexSettingsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdatePlexSettingsRequest")
            .field("server_url", &self.server_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("anchor_library_id", &self.anchor_library_id)
            .field("time_zone", &self.time_zone)
            .field("drift_policy", &self.drift_policy)
            .field("end_policy", &self.end_policy)
            .field("pin_id", &self.pin_id)
            .finish()
    }
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

/// Answer of `POST /api/v1/settings/plex/pin`: open `auth_url` for the owner, then poll
/// `GET /api/v1/settings/plex/pin/{id}` about once a second until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexPinStarted {
    pub id: String,
    /// The code Plex's page asks about (also inside `auth_url`).
    pub code: String,
    /// Plex's sign-in page for this PIN, to open in a pop-up or new tab.
    pub auth_url: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// Where a sign-in with Plex stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlexPinState {
    /// The owner has not approved it on Plex's page yet.
    Waiting,
    /// Approved: `servers` lists what the account can connect to.
    Authorized,
    /// Past `expires_at` (or unknown to plex.tv): start again.
    Expired,
}

/// Answer of `GET /api/v1/settings/plex/pin/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexPinStatus {
    pub state: PlexPinState,
    pub expires_at: String,
    /// The Plex account that approved (when authorized).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The servers this account owns, best first (when authorized).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<PlexServerChoice>>,
}

/// A server the signed-in account owns, and the addresses it answers at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexServerChoice {
    pub name: String,
    pub machine_id: String,
    pub version: String,
    /// plex.tv has seen it online recently.
    pub online: bool,
    /// Best first; the first is the recommended one.
    pub connections: Vec<PlexServerConnection>,
}

/// One address of a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexServerConnection {
    /// What to save as `server_url`.
    pub uri: String,
    pub kind: PlexConnectionKind,
    /// `https`.
    pub secure: bool,
    /// Plexward's pick for this server: local before remote before relay, https first.
    pub recommended: bool,
}

/// How an address reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlexConnectionKind {
    /// On the server's own network.
    Local,
    /// Over the internet, straight to the server.
    Remote,
    /// Through Plex's relay: slow and size-limited, a last resort.
    Relay,
}
