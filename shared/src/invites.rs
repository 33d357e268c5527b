//! Invites (`/api/v1/invites`): bring a new friend in with a plan. Plexward sends the Plex invite
//! (the libraries the plan gives now, or the anchor library when it starts later) and follows it:
//! pending → accepted (windows given as a `duration` are fixed from the moment it is seen
//! accepted), or expired, or cancelled.

use serde::{Deserialize, Serialize};

/// What an invite gives: libraries with windows, and sharing settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvitePlan {
    /// 1–50 libraries, each once.
    pub grants: Vec<crate::PlanGrant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing: Option<crate::Sharing>,
}

/// Body of `POST /api/v1/invites`: `plan` or `plan_id` (exactly one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateInviteRequest {
    /// An email address or a plex.tv username.
    pub identifier: String,
    /// Libraries and windows for this invite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<InvitePlan>,
    /// Or an access plan (`/api/v1/plans`), as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<i64>,
    /// Up to 500 characters, for the owner (never sent to Plex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Days the invite waits to be accepted before Plexward withdraws it: 1–90 (default 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
    /// `true`: answer with what would be sent to Plex, sending and saving nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// Where an invite stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InviteState {
    /// Sent; the person has not accepted yet.
    Pending,
    /// Accepted: they are a friend now (their windows are fixed).
    Accepted,
    /// Not accepted in time (withdrawn by Plexward), or withdrawn on Plex.
    Expired,
    /// Cancelled here (and withdrawn on Plex).
    Cancelled,
}

impl InviteState {
    pub const ALL: [InviteState; 4] = [
        InviteState::Pending,
        InviteState::Accepted,
        InviteState::Expired,
        InviteState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InviteState::Pending => "pending",
            InviteState::Accepted => "accepted",
            InviteState::Expired => "expired",
            InviteState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// An invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InviteResponse {
    pub id: i64,
    /// The email or username it was sent to.
    pub identifier: String,
    pub state: InviteState,
    /// The friend it made (Plexward's id; they show as "Invited" until they accept).
    pub friend_id: Option<i64>,
    /// Their plex.tv account id.
    pub plex_account_id: Option<i64>,
    /// What it gives, as asked (windows relative to acceptance where given as durations).
    pub grants: Vec<crate::PlanGrant>,
    pub sharing: Option<crate::Sharing>,
    /// The access plan it came from, and which version.
    pub plan_id: Option<i64>,
    pub plan_version: Option<i64>,
    /// The libraries Plex's invite carries (Plexward ids).
    pub sent_library_ids: Vec<i64>,
    /// The invite in words, e.g. "Movies and TV Shows, for 30 days from acceptance".
    pub summary: String,
    pub note: Option<String>,
    /// Who sent it.
    pub created_by: String,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was last sent to Plex (a resend moves it).
    #[serde(with = "crate::time::rfc3339_ms")]
    pub sent_at: chrono::DateTime<chrono::Utc>,
    /// When Plexward withdraws it if still pending.
    #[serde(with = "crate::time::rfc3339_ms")]
    pub expires_at: chrono::DateTime<chrono::Utc>,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub accepted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it expired or was cancelled.
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Answer of `POST /api/v1/invites`: the invite (none on a dry run) and what Plex receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreateInviteResponse {
    pub dry_run: bool,
    pub invite: Option<InviteResponse>,
    /// The libraries Plex's invite carries (Plexward ids).
    pub sent_library_ids: Vec<i64>,
    /// What happens, in words.
    pub summary: String,
}

/// Filters of `GET /api/v1/invites`, with `limit` and `offset`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct InviteQuery {
    /// `pending`, `accepted`, `expired` or `cancelled`.
    #[serde(default)]
    pub state: Option<String>,
    /// Part of the identifier (case aside).
    #[serde(default)]
    pub q: Option<String>,
    /// The invites of one friend (Plexward's id).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<i64>))]
    pub friend_id: Option<String>,
    /// Page size, 1–1000 (default: all).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub limit: Option<String>,
    /// Items to skip (default 0).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u64>))]
    pub offset: Option<String>,
}

/// Default days an invite waits to be accepted.
pub const INVITE_EXPIRY_DAYS_DEFAULT: u32 = 14;
/// Most days an invite may wait.
pub const INVITE_EXPIRY_DAYS_MAX: u32 = 90;
/// Longest note.
pub const INVITE_NOTE_MAX: usize = 500;
