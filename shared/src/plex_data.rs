//! Plex data as Plexward knows it: libraries and friends (`/api/v1/libraries`, `/api/v1/plex-users`).

use serde::{Deserialize, Serialize};

/// A library of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LibraryResponse {
    pub id: i64,
    /// The library's key on the Plex server.
    pub key: i64,
    pub title: String,
    /// `movie`, `show`, `artist`, `photo`, …
    pub kind: String,
    /// No longer on the server (kept for history).
    pub removed: bool,
    /// How many friends have a grant for it active now.
    pub friends: u64,
    /// The anchor library (every shared friend keeps it).
    pub anchor: bool,
}

/// A friend (or Home user) of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexUserResponse {
    /// Plexward's id of the friend (what every path and `friend_ids` take).
    pub id: i64,
    /// Plex's account id of the friend (plex.tv).
    pub plex_account_id: i64,
    /// Deprecated: the same as `plex_account_id` (the old name meant Plexward's id elsewhere).
    #[cfg_attr(feature = "server", schema(deprecated))]
    pub plex_user_id: i64,
    pub title: String,
    pub username: Option<String>,
    pub email: Option<String>,
    /// A managed Home user (no username or email of their own).
    pub home: bool,
    /// Has a share on this server (possibly a pending invite).
    pub shared: bool,
    /// The invite has not been accepted yet.
    pub pending: bool,
    /// Ids of the libraries Plex says they have now.
    pub actual_library_ids: Vec<i64>,
    /// No longer among the server's friends (kept with history).
    pub departed: bool,
    /// Avatar URL from plex.tv.
    pub thumb: Option<String>,
    /// Ids of the libraries the grants give now (what Plex should have, before the anchor).
    pub granted_library_ids: Vec<i64>,
    /// The next moment a window starts or ends, and what happens then.
    pub next_change: Option<NextChange>,
    /// When the last of the currently active grants ends (`None`: no active grant, or one
    /// without an end).
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Plex shares something other than what Plexward last applied (edited on Plex directly).
    pub drift: bool,
    pub apply: crate::ApplyStatus,
    /// Marks of their sharing settings (downloads, Live TV, camera upload, restricted).
    #[serde(default)]
    pub sharing_badges: Vec<crate::SharingBadge>,
    /// When Plexward removed them from the owner's Plex friends (end policy `remove_friend`);
    /// granting again sends a new invite.
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub removed_from_plex_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When they last watched something on this server (the PMS's history and sessions, as of
    /// the last sync); none: not seen watching in the last 90 days before the first sync, or
    /// ever since.
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub last_watched_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The next window edge of a friend: `library_id` starts or ends at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NextChange {
    #[serde(with = "crate::time::rfc3339_ms")]
    pub at: chrono::DateTime<chrono::Utc>,
    pub library_id: i64,
    /// `true`: the library is gained at `at`; `false`: lost.
    pub starts: bool,
}

/// Access ending within this many days is "expiring soon": the dashboard, the friend badge and
/// the `expiring` filter's default all use this one number.
pub const EXPIRING_SOON_DAYS: u32 = 7;

/// Bounds of a `within_days` / `expiring_days` parameter.
pub const EXPIRING_DAYS_MAX: u32 = 365;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Whether access ending at `expires_at_ms` counts as expiring at `now_ms`: it has not ended yet
/// and ends within `within_days` days (Unix milliseconds). The one definition of "expiring".
pub fn expires_within(expires_at_ms: i64, now_ms: i64, within_days: u32) -> bool {
    expires_at_ms >= now_ms
        && expires_at_ms <= now_ms.saturating_add(i64::from(within_days) * DAY_MS)
}

/// [`expires_within`] the default [`EXPIRING_SOON_DAYS`].
pub fn expires_soon(expires_at_ms: i64, now_ms: i64) -> bool {
    expires_within(expires_at_ms, now_ms, EXPIRING_SOON_DAYS)
}

/// The name to show for a friend: the Plex title, else the username, else the email.
pub fn display_name<'a>(
    title: &'a str,
    username: Option<&'a str>,
    email: Option<&'a str>,
) -> &'a str {
    [Some(title), username, email]
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
        .unwrap_or("(unnamed)")
}

impl PlexUserResponse {
    /// See [`display_name`].
    pub fn display_name(&self) -> &str {
        display_name(&self.title, self.username.as_deref(), self.email.as_deref())
    }
}

/// Status filter of `GET /api/v1/plex-users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FriendStatus {
    /// At least one grant active now, and the friend has accepted the invite (an invited
    /// friend is `pending`, not `active`).
    Active,
    /// An active grant ends within `within_days` (default 7).
    Expiring,
    /// Has grants, none active now and none starting later.
    Expired,
    /// A grant starts later.
    Scheduled,
    /// Invited, not accepted yet (also accepted as `invited`): no access until they accept.
    #[serde(alias = "invited")]
    Pending,
    /// The last apply failed (retrying).
    Failed,
    /// Plex differs from what Plexward last applied.
    Drift,
    Departed,
}

impl FriendStatus {
    pub const ALL: [FriendStatus; 8] = [
        FriendStatus::Active,
        FriendStatus::Expiring,
        FriendStatus::Expired,
        FriendStatus::Scheduled,
        FriendStatus::Pending,
        FriendStatus::Failed,
        FriendStatus::Drift,
        FriendStatus::Departed,
    ];

    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            FriendStatus::Active => "active",
            FriendStatus::Expiring => "expiring",
            FriendStatus::Expired => "expired",
            FriendStatus::Scheduled => "scheduled",
            FriendStatus::Pending => "pending",
            FriendStatus::Failed => "failed",
            FriendStatus::Drift => "drift",
            FriendStatus::Departed => "departed",
        }
    }
}

/// Sort order of `GET /api/v1/plex-users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FriendSort {
    #[default]
    Name,
    /// Soonest next change first (none last).
    NextChange,
    /// Soonest expiry first (none last).
    Expiry,
    /// Longest since they last watched first (never seen watching first): who to ask first.
    LastWatched,
}

/// Query of `GET /api/v1/plex-users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct FriendQuery {
    /// Case-insensitive substring of the name, username or email.
    #[serde(default)]
    pub q: Option<String>,
    /// Exactly this Plex username (case-insensitive, as plex.tv treats it).
    #[serde(default)]
    pub username: Option<String>,
    /// Exactly this email address (case-insensitive).
    #[serde(default)]
    pub email: Option<String>,
    /// Exactly this Plex account id.
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<i64>))]
    pub plex_account_id: Option<String>,
    #[serde(default)]
    pub status: Option<FriendStatus>,
    /// For `status=expiring`: 1–365 days (default 7).
    #[serde(default)]
    pub within_days: Option<u32>,
    #[serde(default)]
    pub sort: Option<FriendSort>,
    /// Only friends (not departed) who have not watched anything for at least this many days
    /// (1–3650), or never.
    #[serde(default)]
    pub inactive_days: Option<u32>,
    /// Page size, 1–1000 (default: every match).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub limit: Option<String>,
    /// Matches to skip (default 0).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u64>))]
    pub offset: Option<String>,
}

/// Largest `limit` of `GET /api/v1/plex-users`.
pub const FRIEND_PAGE_MAX: u32 = 1_000;

/// One library granted to a friend, possibly for a window of time (RFC 3339, UTC; start
/// inclusive, end exclusive; missing = from now / forever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GrantResponse {
    pub library_id: i64,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the window contains the present moment.
    pub active: bool,
    /// The anchor library: kept for every shared friend, not removable.
    pub anchor: bool,
    /// A weekly window instead of one (`starts_at`/`ends_at` are then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<crate::Repeat>,
    /// For a weekly window: its next occurrences (the current one first, if on), up to four.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_occurrences: Vec<Occurrence>,
}

/// One occurrence of a weekly window, `[starts_at, ends_at)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Occurrence {
    #[serde(with = "crate::time::rfc3339_ms")]
    pub starts_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub ends_at: chrono::DateTime<chrono::Utc>,
}

/// Body of `GET /api/v1/plex-users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlexUserDetailResponse {
    #[serde(flatten)]
    pub user: PlexUserResponse,
    pub grants: Vec<GrantResponse>,
    /// When the set of libraries the grants give next changes, if ever.
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub next_change_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What Plexward would send to Plex now (`nothing` when Plex matches).
    pub plan: crate::PlanResponse,
    /// Their sharing settings: the ones Plexward manages, else Plex's (`None`: not known yet).
    pub sharing: Option<crate::Sharing>,
    /// Whether Plexward manages them (`PUT …/sharing`); unmanaged ones are Plex's to change.
    pub sharing_managed: bool,
    /// Managed settings that Plex no longer has as applied (changed on Plex directly).
    pub sharing_drift: bool,
    /// What happens when their access ends (`PUT …/end-policy`), in words too.
    pub end_policy: crate::EndPolicyView,
    /// The access plan they were given last, if any (which version).
    #[serde(default)]
    pub access_plan: Option<crate::GivenPlan>,
    /// Edit version: one more with every saved change of grants or sharing settings. The
    /// `ETag` names it (`W/"v7-…"`); send it back in `If-Match` so a change made by someone else
    /// meanwhile is not overwritten (412).
    #[serde(default)]
    pub version: i64,
}

/// Query of `GET /api/v1/summary`. Numbers as strings so a bad value is a field error (422).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct SummaryQuery {
    /// The coming-up edges cover the next this many days: 1–365 (default 30).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub upcoming_days: Option<String>,
    /// Access ending within this many days is "expiring": 1–365 (default 7).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub expiring_days: Option<String>,
}

/// Default range of the summary's coming-up edges, in days.
pub const UPCOMING_DAYS_DEFAULT: u32 = 30;
/// Longest list the summary carries (`expiring`, `attention`, `upcoming.friends`); the counts
/// next to them tell how many there are in all.
pub const SUMMARY_LIST_MAX: usize = 25;

/// How many friends have each status now (a friend can have several).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    pub active: u64,
    /// Access ending within the summary's `expiring_days`.
    pub expiring: u64,
    pub expired: u64,
    pub scheduled: u64,
    pub pending: u64,
    pub failed: u64,
    pub drift: u64,
    pub departed: u64,
}

/// One window edge coming up: `library_id` starts (`starts`) or ends at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UpcomingEdge {
    #[serde(with = "crate::time::rfc3339_ms")]
    pub at: chrono::DateTime<chrono::Utc>,
    pub library_id: i64,
    /// The library's title.
    pub library: String,
    pub starts: bool,
}

/// A friend with window edges coming up, soonest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UpcomingFriend {
    pub id: i64,
    /// See [`display_name`].
    pub name: String,
    pub edges: Vec<UpcomingEdge>,
}

/// The coming-up edges of the next `days` days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Upcoming {
    pub days: u32,
    /// Friends (not departed) with an edge in the range, the soonest first (at most 25).
    pub friends: Vec<UpcomingFriend>,
    /// How many friends have an edge in the range, in all.
    pub total: u64,
}

/// How many people the server is shared with, against Plex's limit of about 100 friends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FriendLimit {
    /// People with a share here, accepted or pending (Home users aside: Plex Home has its own
    /// limit).
    pub shared_with: u64,
    /// The limit Plexward checks (`plex_friend_limit`; `null`: not checked).
    pub limit: Option<u32>,
    /// Within 10 of the limit.
    pub warning: bool,
    /// At the limit: inviting someone new is refused (409 `friend_limit`).
    pub full: bool,
}

/// Body of `GET /api/v1/summary`: everything the dashboard shows, in one small answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SummaryResponse {
    /// The server's time zone (IANA name) times are shown in.
    pub time_zone: String,
    /// Friends still on the server (not departed).
    pub friends: u64,
    /// Libraries on the server (not removed).
    pub libraries: u64,
    /// Grants active now, over every friend still on the server.
    pub active_grants: u64,
    pub counts: StatusCounts,
    pub expiring_days: u32,
    /// Access ending within `expiring_days`, soonest first (at most 25; `counts.expiring` has
    /// them all).
    pub expiring: Vec<PlexUserResponse>,
    /// Friends whose apply failed or whose share drifted (at most 25).
    pub attention: Vec<PlexUserResponse>,
    /// How many friends need attention, in all.
    pub attention_total: u64,
    /// A Plex server URL and token are set (false on a first start: "Sign in with Plex").
    #[serde(default)]
    pub plex_connected: bool,
    pub upcoming: Upcoming,
    /// Places used against Plex's friend limit.
    #[serde(default)]
    pub friend_limit: FriendLimit,
    /// Notification deliveries failing: dead, or pending after a failed attempt.
    #[serde(default)]
    pub deliveries_failing: u64,
    /// Friends' requests from the portal waiting for an answer (0 for roles that cannot answer
    /// them).
    #[serde(default)]
    pub open_requests: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiring_means_ending_within_the_days_and_not_ended() {
        let now = 1_000 * DAY_MS;
        assert!(expires_soon(now, now), "ending right now still counts");
        assert!(expires_soon(now + 7 * DAY_MS, now), "the 7th day is inside");
        assert!(!expires_soon(now + 7 * DAY_MS + 1, now));
        assert!(!expires_soon(now - 1, now), "already ended");
        assert!(expires_within(now + DAY_MS, now, 1));
        assert!(!expires_within(now + DAY_MS + 1, now, 1));
        assert!(expires_within(i64::MAX, i64::MAX - 1, 365), "no overflow");
    }

    #[test]
    fn names_fall_back_to_username_then_email() {
        assert_eq!(display_name("Kids", None, None), "Kids");
        assert_eq!(display_name("", Some("bob"), Some("b@x")), "bob");
        assert_eq!(display_name(" ", None, Some("p@x")), "p@x");
        assert_eq!(display_name("", None, None), "(unnamed)");
    }
}
