//! `GET /api/v1/health`.

use serde::{Deserialize, Serialize};

/// Whether the service can do its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Everything works.
    Ok,
    /// The server answers but a dependency (the database) does not.
    Degraded,
}

/// Body of `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    /// `ok`, or `degraded` (then the status code is 503).
    pub status: HealthStatus,
    /// Plexward's version (semver).
    pub version: String,
    /// Whether the database answered.
    pub database: HealthStatus,
    /// Whether the deadline tick is running (it completed a tick in the last 15 s).
    pub scheduler: HealthStatus,
    /// Seconds since the process started.
    pub uptime_seconds: u64,
    /// Which of plex.tv's two sharing APIs each operation uses. Plex answers a retired route
    /// with 410; Plexward then moves that operation to the other API and remembers it.
    pub plex_api: PlexApiRoutes,
}

/// The sharing API each Plex operation uses, and the routes Plex has retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexApiRoutes {
    /// Friends and their shares.
    pub list: PlexApiChoice,
    /// Invites not yet accepted.
    pub pending: PlexApiChoice,
    /// Library ids on plex.tv.
    pub sections: PlexApiChoice,
    /// Sharing with someone new.
    pub create: PlexApiChoice,
    /// Changing a friend's libraries.
    pub update: PlexApiChoice,
    /// Removing this server's share.
    pub delete: PlexApiChoice,
    /// Removing a friend.
    pub remove_friend: PlexApiChoice,
    /// Routes Plex answered as gone, oldest first.
    pub retired: Vec<RetiredPlexRoute>,
}

impl PlexApiRoutes {
    /// Every operation with its API, in the order above.
    pub fn choices(&self) -> [(&'static str, PlexApiChoice); 7] {
        [
            ("list", self.list),
            ("pending", self.pending),
            ("sections", self.sections),
            ("create", self.create),
            ("update", self.update),
            ("delete", self.delete),
            ("remove_friend", self.remove_friend),
        ]
    }

    /// The operations using `api`.
    pub fn using(&self, api: PlexApiChoice) -> Vec<&'static str> {
        self.choices()
            .into_iter()
            .filter(|(_, c)| *c == api)
            .map(|(name, _)| name)
            .collect()
    }
}

/// One operation's API: `v1` (the legacy XML routes), `v2` (the JSON routes), or `none` (Plex
/// retired both; the operation fails with 503 until a route answers again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlexApiChoice {
    V1,
    V2,
    None,
}

/// A route Plex answered as gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RetiredPlexRoute {
    /// `list`, `pending`, `sections`, `create`, `update`, `delete` or `remove_friend`.
    pub operation: String,
    /// `v1` or `v2`.
    pub api: String,
    /// The route, e.g. `PUT plex.tv/api/servers/{mid}/shared_servers/{id}`.
    pub route: String,
    /// The status that said so (410, 405, or 404 naming the route).
    pub status: u16,
    /// When (RFC 3339).
    pub since: String,
}
