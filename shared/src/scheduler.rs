//! The reconcile schedule (`/api/v1/scheduler`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How often the reconcile runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScheduleMode {
    /// Every `interval_minutes` (5–1440).
    #[default]
    Interval,
    /// Once a day at `daily_at` (`HH:MM`) in the Plex settings' time zone.
    Daily,
}

/// Body of `PUT /api/v1/scheduler`: the mode and the fields of that mode (`interval_minutes` for
/// `interval`, `daily_at` for `daily`). The other mode's field may be left out: its saved value
/// is kept for when the mode changes back; given, it is checked and saved too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(example = json!({"mode": "daily", "daily_at": "04:00"})))]
#[serde(deny_unknown_fields)]
pub struct ScheduleUpdate {
    pub mode: ScheduleMode,
    /// Minutes between runs (5–1440): required in `interval` mode.
    #[serde(default)]
    pub interval_minutes: Option<u32>,
    /// `HH:MM` (24 h): required in `daily` mode.
    #[serde(default)]
    pub daily_at: Option<String>,
}

/// The saved schedule (part of `GET /api/v1/scheduler`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    pub mode: ScheduleMode,
    /// Minutes between runs in `interval` mode (5–1440).
    pub interval_minutes: u32,
    /// `HH:MM` (24 h) in `daily` mode.
    pub daily_at: String,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            mode: ScheduleMode::Interval,
            interval_minutes: 60,
            daily_at: "04:00".into(),
        }
    }
}

/// The last reconcile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LastRun {
    pub job_id: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub state: crate::JobState,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub finished_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
}

/// Body of `GET /api/v1/scheduler`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SchedulerResponse {
    pub settings: ScheduleSettings,
    /// The zone `daily_at` is read in.
    pub time_zone: String,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub next_run_at: DateTime<Utc>,
    pub last_run: Option<LastRun>,
    /// The server's clock when answering, so a countdown is right even if the browser's is off.
    #[serde(with = "crate::time::rfc3339_ms")]
    pub now: DateTime<Utc>,
    /// Version of these settings, also sent as the `ETag`: send it back in `If-Match` so a change
    /// made by someone else meanwhile is not overwritten (412).
    #[serde(default)]
    pub version: String,
}

/// What a reconcile did (`result` of its job).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReconcileReport {
    pub sync: crate::SyncReport,
    /// Friends whose Plex share was changed to match their grants.
    pub applied: u64,
    /// Friends whose apply failed (retried in the background).
    pub failed: u64,
    /// Friends whose Plex share had been changed outside Plexward.
    pub drift: u64,
    /// Of those, put back (policy `enforce`).
    pub drift_corrected: u64,
}
