//! Plex data as Plexward knows it: libraries and friends (`/api/v1/libraries`, `/api/v1/plex-users`).

use serde::{Deserialize, Serialize};

/// A library of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LibraryResponse {
    pub id: i64,
    /// The library's key on the Plex server.
    pub key: i64,
    pub title: String,
    /// `movie`, `show`, `artist`, `photo`, …
    pub kind: String,
    /// No longer on the server (kept for history).
    pub removed: bool,
    /// How many friends have a grant for it active now.
    pub friends: u64,
    /// The anchor library (every shared friend keeps it).
    pub anchor: bool,
}

/// A friend (or Home user) of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexUserResponse {
    pub id: i64,
    pub plex_user_id: i64,
    pub title: String,
    pub username: Option<String>,
    pub email: Option<String>,
    /// A managed Home user (no username or email of their own).
    pub home: bool,
    /// Has a share on this server (possibly a pending invite).
    pub shared: bool,
    /// The invite has not been accepted yet.
    pub pending: bool,
    /// Ids of the libraries Plex says they have now.
    pub actual_library_ids: Vec<i64>,
    /// No longer among the server's friends (kept with history).
    pub departed: bool,
    /// Avatar URL from plex.tv.
    pub thumb: Option<String>,
    /// Ids of the libraries the grants give now (what Plex should have, before the anchor).
    pub granted_library_ids: Vec<i64>,
    /// The next moment a window starts or ends, and what happens then.
    pub next_change: Option<NextChange>,
    /// When the last of the currently active grants ends (`None`: no active grant, or one
    /// without an end).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Plex shares something other than what Plexward last applied (edited on Plex directly).
    pub drift: bool,
    pub apply: crate::ApplyStatus,
}

/// The next window edge of a friend: `library_id` starts or ends at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NextChange {
    pub at: chrono::DateTime<chrono::Utc>,
    pub library_id: i64,
    /// `true`: the library is gained at `at`; `false`: lost.
    pub starts: bool,
}

/// Status filter of `GET /api/v1/plex-users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FriendStatus {
    /// At least one grant active now.
    Active,
    /// An active grant ends within `within_days` (default 7).
    Expiring,
    /// Has grants, none active now and none starting later.
    Expired,
    /// A grant starts later.
    Scheduled,
    /// Invited, not accepted yet.
    Pending,
    /// The last apply failed (retrying).
    Failed,
    /// Plex differs from what Plexward last applied.
    Drift,
    Departed,
}

impl FriendStatus {
    pub const ALL: [FriendStatus; 8] = [
        FriendStatus::Active,
        FriendStatus::Expiring,
        FriendStatus::Expired,
        FriendStatus::Scheduled,
        FriendStatus::Pending,
        FriendStatus::Failed,
        FriendStatus::Drift,
        FriendStatus::Departed,
    ];

    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            FriendStatus::Active => "active",
            FriendStatus::Expiring => "expiring",
            FriendStatus::Expired => "expired",
            FriendStatus::Scheduled => "scheduled",
            FriendStatus::Pending => "pending",
            FriendStatus::Failed => "failed",
            FriendStatus::Drift => "drift",
            FriendStatus::Departed => "departed",
        }
    }
}

/// Sort order of `GET /api/v1/plex-users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FriendSort {
    #[default]
    Name,
    /// Soonest next change first (none last).
    NextChange,
    /// Soonest expiry first (none last).
    Expiry,
}

/// Query of `GET /api/v1/plex-users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
pub struct FriendQuery {
    /// Case-insensitive match on name, username or email.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub status: Option<FriendStatus>,
    /// For `status=expiring`: 1–365 days (default 7).
    #[serde(default)]
    pub within_days: Option<u32>,
    #[serde(default)]
    pub sort: Option<FriendSort>,
}

/// One library granted to a friend, possibly for a window of time (RFC 3339, UTC; start
/// inclusive, end exclusive; missing = from now / forever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GrantResponse {
    pub library_id: i64,
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the window contains the present moment.
    pub active: bool,
    /// The anchor library: kept for every shared friend, not removable.
    pub anchor: bool,
}

/// Body of `GET /api/v1/plex-users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexUserDetailResponse {
    #[serde(flatten)]
    pub user: PlexUserResponse,
    pub grants: Vec<GrantResponse>,
    /// When the set of libraries the grants give next changes, if ever.
    pub next_change_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What Plexward would send to Plex now (`nothing` when Plex matches).
    pub plan: crate::PlanResponse,
}
