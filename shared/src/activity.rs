//! Who watches: a friend's activity on this server, read from the PMS's watch history and
//! sessions on each sync (`GET /api/v1/plex-users/{id}/activity`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Answer of `GET /api/v1/plex-users/{id}/activity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FriendActivity {
    /// When they last watched (none: not seen watching).
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub last_watched_at: Option<DateTime<Utc>>,
    /// What they watched last (the show for an episode).
    #[serde(default)]
    pub last_title: Option<String>,
    /// What they were playing at the last sync.
    #[serde(default)]
    pub watching_now: Option<String>,
    /// Plays in the last 30 and 90 days.
    pub plays_30_days: u64,
    pub plays_90_days: u64,
    /// Per library they played something in (the last 90 days, or a last play kept), most
    /// played first.
    pub libraries: Vec<LibraryActivity>,
    /// When the watch history was last read (none: never yet).
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub read_at: Option<DateTime<Utc>>,
}

/// A friend's plays in one library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LibraryActivity {
    /// None: a library the server no longer has.
    #[serde(default)]
    pub library_id: Option<i64>,
    pub title: String,
    pub plays_30_days: u64,
    pub plays_90_days: u64,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub last_watched_at: Option<DateTime<Utc>>,
}
