//! Background jobs a user started and may watch (`/api/v1/jobs/{id}`).

use serde::{Deserialize, Serialize};

/// Where a job stands: `queued` → `running` → `succeeded` or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// What a job does (a job's `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Read Plex's libraries and friends (`POST /api/v1/sync`).
    Sync,
    /// Make Plex match every friend's grants (the schedule, or `POST /api/v1/scheduler/run`).
    Reconcile,
    /// Apply the grants of the friends a change touched (a save, an extend, a bulk change).
    Apply,
    /// Back up the database and the key files (`POST /api/v1/system/backups`, or the schedule).
    Backup,
    /// Demo mode's first-run content (plans, windows, an invite).
    DemoSeed,
}

/// How far a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Body of `GET /api/v1/jobs/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct JobResponse {
    pub id: String,
    /// `sync`, `reconcile` or `apply` (see `JobKind`).
    #[cfg_attr(feature = "server", schema(value_type = JobKind))]
    pub kind: String,
    pub state: JobState,
    pub progress: Progress,
    /// What the job did, when it succeeded (shape depends on `kind`; for `sync` see `SyncReport`).
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub result: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Answer of a request that started (or found already running) a job: 202.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct JobStarted {
    pub job_id: String,
}

/// The result of a sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SyncReport {
    pub server_name: String,
    pub libraries: u64,
    pub libraries_added: u64,
    pub libraries_removed: u64,
    pub friends: u64,
    pub friends_added: u64,
    pub friends_departed: u64,
    /// Undated grants created from the libraries new friends already had.
    pub grants_imported: u64,
    /// Invites seen accepted this sync (their windows were fixed from now).
    #[serde(default)]
    pub invites_accepted: u64,
    /// Pending invites Plex no longer has (withdrawn there) or that ran out of days.
    #[serde(default)]
    pub invites_ended: u64,
    /// Plays read from the server's watch history that were new.
    #[serde(default)]
    pub plays_imported: u64,
    /// Friends seen playing something during the sync.
    #[serde(default)]
    pub watching_now: u64,
    /// Why the watch history could not be read this sync (the rest of the sync is done).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_error: Option<String>,
}
