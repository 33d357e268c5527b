//! Backups of the database and the key files (`/api/v1/system/backups`), and restoring one.

use serde::{Deserialize, Serialize};

/// Why a backup was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BackupTrigger {
    /// `POST /api/v1/system/backups` (or the Settings page).
    Manual,
    /// The backup schedule (`backup_interval_hours`).
    Scheduled,
    /// Kept aside by a restore: the database and keys as they were before it.
    BeforeRestore,
}

/// One backup in `data/backups/`: a `.tar.gz` holding `plexward.db` (a consistent copy made while
/// running), `secret.key`, `jwt.key`, the certificate files and `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BackupResponse {
    /// The file name, e.g. `plexward-20261204T225500Z-manual.tar.gz`: what download, delete and
    /// restore take.
    pub name: String,
    pub size_bytes: u64,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    pub trigger: BackupTrigger,
    /// The Plexward version that made it.
    pub app_version: String,
    /// The newest database migration it has (a restore migrates older ones forward).
    pub schema_version: String,
}

/// The result of a backup job (`GET /api/v1/jobs/{id}`, kind `backup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BackupReport {
    pub backup: BackupResponse,
    /// Older backups deleted to keep `backups_keep`.
    pub pruned: Vec<String>,
}

/// Answer of a restore: the backup passed its checks and is staged; Plexward restarts with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RestoreResponse {
    /// What is being restored.
    pub backup: BackupResponse,
    /// Where Plexward will answer after the restart.
    pub url: String,
    /// The backup kept of the database as it is now, before the restore replaces it.
    pub kept_aside: String,
}
