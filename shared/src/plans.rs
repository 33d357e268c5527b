//! Access plans (`/api/v1/plans`): named, reusable sets of libraries with windows relative to
//! when the plan is given (or, in an invite, accepted), sharing settings and an end policy, e.g.
//! "Trial — Movies + TV, 14 days". Giving a plan copies it into the friend's grants: editing the
//! plan later changes nobody already given it (each plan has a `version`, and the audit trail
//! records which one each friend got).

use serde::{Deserialize, Serialize};

/// One library of a plan or an invite, with its window. In a plan the window is relative:
/// `starts_after` and `duration` (ISO 8601, e.g. `P14D`, `PT12H`), counted from when the plan is
/// given — in an invite, from when the invite is **accepted**. An invite may also give fixed
/// times (`starts_at`, `ends_at`, RFC 3339 or a date). Or a weekly window (`repeat`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanGrant {
    pub library_id: i64,
    /// The window opens this long after the start (absent: at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_after: Option<String>,
    /// The window lasts this long (absent: no end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// Invites only: a fixed start instead of `starts_after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    /// Invites only: a fixed end instead of `duration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    /// A weekly window instead (no other times then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<crate::Repeat>,
}

/// Body of `POST /api/v1/plans` and `PUT /api/v1/plans/{id}` (the whole plan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccessPlanRequest {
    /// 1–80 characters, unique (case aside).
    pub name: String,
    /// Up to 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 1–50 libraries, each once.
    pub grants: Vec<PlanGrant>,
    /// Sharing settings the friend gets (absent: left as they are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing: Option<crate::Sharing>,
    /// What happens at the end (absent: the friend's own choice or the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_policy: Option<crate::EndPolicy>,
    /// Reminder leads for friends given this plan, in minutes (absent: the notification
    /// settings'; empty: no reminders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_leads_minutes: Option<Vec<u32>>,
}

/// An access plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccessPlanResponse {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub grants: Vec<PlanGrant>,
    pub sharing: Option<crate::Sharing>,
    pub end_policy: Option<crate::EndPolicy>,
    #[serde(default)]
    pub reminder_leads_minutes: Option<Vec<u32>>,
    /// One more with every edit; the `ETag` names it. Friends keep the version they were given.
    pub version: i64,
    /// The plan in words, e.g. "Movies and TV Shows for 14 days".
    pub summary: String,
    /// How many friends were given it (any version).
    pub friends: u64,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The plan a friend was given last (on their page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GivenPlan {
    pub plan_id: i64,
    /// The name when it was given (the plan may have been renamed or deleted since).
    pub name: String,
    pub version: i64,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub given_at: chrono::DateTime<chrono::Utc>,
}

/// Longest plan name.
pub const PLAN_NAME_MAX: usize = 80;
/// Longest plan description.
pub const PLAN_DESCRIPTION_MAX: usize = 500;
/// Most libraries in one plan.
pub const PLAN_GRANTS_MAX: usize = 50;
