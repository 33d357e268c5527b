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
