//! Friends' requests for more access: a friend asks in the portal (`/api/v1/portal/requests`)
//! for an extension or an extra library; moderators and admins list them (`/api/v1/requests`)
//! and approve (the normal preview, save and apply) or decline them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ChangeResponse, ExtendPeriod, GrantRequest};

/// Longest message or reason, in characters.
pub const REQUEST_MESSAGE_MAX: usize = 500;
/// Open requests a friend may have at once.
pub const REQUESTS_OPEN_MAX: usize = 3;
/// Requests a friend may make in 24 hours.
pub const REQUESTS_PER_DAY: usize = 10;

/// What a friend asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessRequestKind {
    /// More time: of one library (`library_id`) or of all they have.
    Extension,
    /// A library they do not have (`library_id`).
    Library,
}

impl AccessRequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Extension => "extension",
            Self::Library => "library",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "extension" => Some(Self::Extension),
            "library" => Some(Self::Library),
            _ => None,
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessRequestState {
    /// Waiting for a moderator or admin.
    Open,
    /// Approved: the change was saved and applied.
    Approved,
    /// Declined (`reason` says why, when given).
    Declined,
    /// Withdrawn by the friend.
    Cancelled,
}

impl AccessRequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Approved => "approved",
            Self::Declined => "declined",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "open" => Some(Self::Open),
            "approved" => Some(Self::Approved),
            "declined" => Some(Self::Declined),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// Body of `POST /api/v1/portal/requests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAccessRequest {
    pub kind: AccessRequestKind,
    /// `library`: the library asked for (one of `requestable` in `GET /api/v1/portal/me`).
    /// `extension`: the library to extend (one of theirs), or absent for all of them.
    #[serde(default)]
    pub library_id: Option<i64>,
    /// `extension`: how much longer they would like (`week`, `month`, `year`, `unlimited` or an
    /// ISO 8601 duration); a moderator may approve another.
    #[serde(default)]
    pub period: Option<ExtendPeriod>,
    /// A short note to the owner (up to 500 characters).
    #[serde(default)]
    pub message: Option<String>,
}

/// The friend a request is from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestFriend {
    /// Plexward's friend id (`/api/v1/plex-users/{id}`).
    pub id: i64,
    pub title: String,
    #[serde(default)]
    pub username: Option<String>,
}

/// One request, as the staff list and the portal show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccessRequest {
    pub id: i64,
    pub friend: RequestFriend,
    pub kind: AccessRequestKind,
    pub state: AccessRequestState,
    #[serde(default)]
    pub library_id: Option<i64>,
    /// The library's title, when the request names one.
    #[serde(default)]
    pub library_title: Option<String>,
    #[serde(default)]
    pub period: Option<ExtendPeriod>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub created_at: DateTime<Utc>,
    /// When it was approved, declined or cancelled.
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub decided_at: Option<DateTime<Utc>>,
    /// Who approved or declined it (absent in the portal's answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// Why it was declined, as the moderator wrote it.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Filters of `GET /api/v1/requests`, with `limit` and `offset`. Numbers as text, so a bad value
/// names its parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// `open`, `approved`, `declined` or `cancelled` (default: all).
    #[serde(default)]
    pub state: Option<String>,
    /// `extension` or `library`.
    #[serde(default)]
    pub kind: Option<String>,
    /// One friend's requests.
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<i64>))]
    pub friend_id: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub limit: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u64>))]
    pub offset: Option<String>,
}

/// Body of `POST /api/v1/requests/{id}/approve`. Give `grants` (the friend's whole new set, as
/// `PUT …/grants` takes it) to decide exactly, or nothing for the request's own change: an
/// extension by `period` (else the friend's, else a month) of the library asked about or of all;
/// a library from now, ending when the friend's other access ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<GrantRequest>>,
    /// An extension's period, instead of the one the friend asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<ExtendPeriod>,
    /// `true`: the plan only; the request stays open. May also be the `dry_run` query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// Body of `POST /api/v1/requests/{id}/decline`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    /// Why, for the friend (up to 500 characters).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Answer of `POST /api/v1/requests/{id}/approve`: the request (approved, or still open after a
/// dry run) and the change as `PUT …/grants` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApproveResponse {
    pub request: AccessRequest,
    pub change: ChangeResponse,
}

/// A library a friend may ask for in the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestableLibrary {
    pub id: i64,
    pub title: String,
    pub kind: String,
}
