//! The inactivity policy: after a friend has not watched for a number of days, remind them,
//! then end their access or remove them from the owner's Plex friends — with the owner's
//! confirmation unless set to automatic (`/api/v1/settings/inactivity`, `/api/v1/inactivity`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::RequestFriend;

/// Fewest and most days of the policy.
pub const INACTIVE_DAYS_MIN: u32 = 7;
pub const INACTIVE_DAYS_MAX: u32 = 3_650;

/// What happens to a friend inactive for the policy's days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InactivityAction {
    /// Only tell them (and you); nothing changes.
    RemindOnly,
    /// End their access to every library (their end policy then applies).
    #[default]
    EndAccess,
    /// End their access and remove them from your Plex friends, freeing a place.
    RemoveFriend,
}

/// `GET`/`PUT /api/v1/settings/inactivity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InactivityPolicy {
    /// Off by default.
    pub enabled: bool,
    /// Days without watching anything before the action (7–3650).
    pub days: u32,
    pub action: InactivityAction,
    /// How many days before the action the friend is reminded by email and you are told
    /// (`access.inactive`); 0: no reminder. Less than `days`.
    pub remind_days_before: u32,
    /// `true`: Plexward acts on its own when a friend is due. `false` (the default): due friends
    /// wait in `GET /api/v1/inactivity` for you to confirm (`POST /api/v1/inactivity/apply`).
    pub automatic: bool,
}

impl Default for InactivityPolicy {
    fn default() -> Self {
        Self {
            enabled: false,
            days: 90,
            action: InactivityAction::EndAccess,
            remind_days_before: 14,
            automatic: false,
        }
    }
}

/// Where an inactive friend stands under the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InactivityStage {
    /// Within the reminder days: reminded (or about to be).
    Reminder,
    /// Inactive for the policy's days: the action is due (waiting for you, unless automatic).
    Due,
}

/// One friend the policy concerns now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InactiveFriend {
    pub friend: RequestFriend,
    /// When they last watched (none: not seen watching since Plexward started reading).
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub last_watched_at: Option<DateTime<Utc>>,
    /// Whole days since they last watched (or since Plexward could first see it).
    pub inactive_days: u32,
    pub stage: InactivityStage,
    /// When the action is (or was) due.
    #[serde(with = "crate::time::rfc3339_ms")]
    pub acts_at: DateTime<Utc>,
    /// When they were reminded for this stretch of inactivity.
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub reminded_at: Option<DateTime<Utc>>,
}

/// Answer of `GET /api/v1/inactivity`: the policy and who it concerns now, longest inactive
/// first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InactivityReport {
    pub policy: InactivityPolicy,
    pub friends: Vec<InactiveFriend>,
}

/// Body of `POST /api/v1/inactivity/apply`: carry out the policy's action for these due
/// friends (the owner's confirmation), previewed with `dry_run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InactivityApplyRequest {
    pub friend_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}
