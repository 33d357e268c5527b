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
}
