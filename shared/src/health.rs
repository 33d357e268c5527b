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
}
