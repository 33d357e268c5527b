//! Changing access: a friend's grants, the plan Plexward would send to Plex, and the outcome of
//! applying it (`PUT /api/v1/plex-users/{id}/grants`, `POST …/extend`, `POST /api/v1/plex-users/bulk`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One library for a friend, for a window of time. Times are RFC 3339 strings (any offset; stored
/// as UTC); `starts_at` missing = from now, `ends_at` missing = forever. Start inclusive, end
/// exclusive. Strings rather than typed dates so that a bad value is reported as a field error
/// (422) naming the grant, not as an unreadable body.
///
/// Unknown fields are refused (a misspelt `ends_at` would otherwise grant forever), except the
/// read-only `active`, `anchor` and `next_occurrences` of a friend's grants, so those can be sent
/// back as they came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(from = "GrantRequestWire")]
pub struct GrantRequest {
    pub library_id: i64,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    /// Repeats every week instead of one window (then `starts_at` and `ends_at` stay empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
}

/// A weekly window in the server's time zone: on `days`, from `from` to `to` (`HH:MM`; an end
/// not after the start crosses midnight into the next day), for occurrences starting between
/// `first_date` and `last_date` (`YYYY-MM-DD`, both optional). A local time the clock skips
/// (spring forward) starts at the end of the gap; one it shows twice counts once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    /// `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`: at least one.
    pub days: Vec<String>,
    /// `HH:MM`, 00:00–23:59.
    pub from: String,
    /// `HH:MM`, not equal to `from`.
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_date: Option<String>,
}

/// Day names of [`Repeat::days`], Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// What [`GrantRequest`] reads: its fields plus the ignored read-only ones of `GrantResponse`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantRequestWire {
    library_id: i64,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    ends_at: Option<String>,
    #[serde(default)]
    repeat: Option<Repeat>,
    #[serde(default, rename = "active")]
    _active: serde::de::IgnoredAny,
    #[serde(default, rename = "anchor")]
    _anchor: serde::de::IgnoredAny,
    #[serde(default, rename = "next_occurrences")]
    _next_occurrences: serde::de::IgnoredAny,
}

impl From<GrantRequestWire> for GrantRequest {
    fn from(wire: GrantRequestWire) -> Self {
        Self {
            library_id: wire.library_id,
            starts_at: wire.starts_at,
            ends_at: wire.ends_at,
            repeat: wire.repeat,
        }
    }
}

/// Body of `PUT /api/v1/plex-users/{id}/grants`: the friend's complete set of grants (libraries
/// not listed lose their grant). The anchor library, when configured, is added by Plexward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetGrantsRequest {
    pub grants: Vec<GrantRequest>,
    /// `true`: answer with the plan, saving and sending nothing. May also be given as the
    /// `dry_run` query parameter; when both are given they must agree (else 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// How far `extend` moves the end of a window: a preset (`week`, `month`, `year`, `unlimited` =
/// remove the end) or any ISO 8601 duration (`P10D`, `P2W`, `P1M15D`, `PT36H`, `P1Y2M10DT2H30M`).
/// On the wire it is that one string; one that is neither is refused (400, naming the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtendPeriod {
    Week,
    Month,
    Year,
    /// Remove the end: access until changed.
    Unlimited,
    /// An ISO 8601 duration, read into calendar parts.
    Duration(crate::duration::IsoDuration),
}

impl ExtendPeriod {
    /// Reads the wire string: a preset name or an ISO 8601 duration.
    pub fn parse(value: &str) -> Result<Self, String> {
        Ok(match value {
            "week" => Self::Week,
            "month" => Self::Month,
            "year" => Self::Year,
            "unlimited" => Self::Unlimited,
            other => Self::Duration(crate::duration::parse(other)?),
        })
    }
}

impl std::fmt::Display for ExtendPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Week => f.write_str("week"),
            Self::Month => f.write_str("month"),
            Self::Year => f.write_str("year"),
            Self::Unlimited => f.write_str("unlimited"),
            Self::Duration(d) => write!(f, "{d}"),
        }
    }
}

impl Serialize for ExtendPeriod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ExtendPeriod {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = String::deserialize(d)?;
        Self::parse(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "server")]
impl utoipa::PartialSchema for ExtendPeriod {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "`week`, `month`, `year`, `unlimited` (remove the end), or an ISO 8601 duration \
                 such as `P10D`, `P2W`, `P1M15D`, `PT36H`",
            ))
            .examples(["month", "P10D"])
            .into()
    }
}

#[cfg(feature = "server")]
impl utoipa::ToSchema for ExtendPeriod {}

/// Body of `POST /api/v1/plex-users/{id}/extend`. The new end counts from the current end when it
/// is in the future, else from now. `library_ids` missing = every library the friend has a grant
/// for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExtendRequest {
    pub period: ExtendPeriod,
    #[serde(default)]
    pub library_ids: Option<Vec<i64>>,
    /// `true`: answer with the plan, saving and sending nothing. May also be given as the
    /// `dry_run` query parameter; when both are given they must agree (else 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// What Plexward sends (or would send) to Plex for one friend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    /// Plex already matches.
    Nothing,
    /// Invite the friend with `library_ids` (they have no share on this server).
    Invite,
    /// Replace the libraries of their share (or pending invite) with `library_ids`.
    Update,
    /// Delete their share on this server (no library left and no anchor library, or the end
    /// policy `remove_share`). A later grant sends a new invite.
    Revoke,
    /// Remove them from the owner's Plex friends (end policy `remove_friend`). A later grant
    /// sends a new invite.
    RemoveFriend,
}

/// A plan for one friend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlanResponse {
    pub action: PlanAction,
    /// The libraries Plex will share after the operation (Plexward ids; includes the anchor).
    pub library_ids: Vec<i64>,
    /// Libraries gained and lost compared with what Plex has now.
    pub added_library_ids: Vec<i64>,
    pub removed_library_ids: Vec<i64>,
    /// The sharing settings the operation sends (`None`: they are left as they are).
    #[serde(default)]
    pub sharing: Option<crate::Sharing>,
}

/// Where applying a friend's plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplyState {
    /// Plex matches what the grants say (as of `applied_at`).
    Applied,
    /// Plex matches, but the friend has not accepted the invite yet.
    PendingInvite,
    /// The last attempt failed; it is retried at `next_retry_at`.
    Failed,
    /// A change is waiting to be applied (being applied now, or Plexward was never asked yet).
    Queued,
    /// Departed from Plex: nothing is applied any more.
    Departed,
}

/// A friend's apply state, as stored after every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApplyStatus {
    pub state: ApplyState,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Failed attempts in a row.
    pub attempts: u32,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub next_retry_at: Option<DateTime<Utc>>,
    /// When Plex was last made to match.
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub applied_at: Option<DateTime<Utc>>,
}

/// Answer of saving grants, extending, or a single friend's part of a bulk change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ChangeResponse {
    /// `true`: nothing was saved or sent; `plan` is what would be sent now.
    pub dry_run: bool,
    pub plan: PlanResponse,
    /// After applying: whether Plex now matches the grants (`false` with `dry_run`).
    pub plex_matches: bool,
    pub apply: ApplyStatus,
    /// The friend after the change (unchanged with `dry_run`).
    pub friend: crate::PlexUserDetailResponse,
    /// The job applying the change (absent with `dry_run`). When the apply took longer than
    /// the server waits, `apply.state` is `queued`: watch the job at `/api/v1/jobs/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Each library whose grant the change adds, removes or moves: its window before and after
    /// (the preview of a dry run shows the new ends here).
    #[serde(default)]
    pub changes: Vec<GrantChange>,
}

/// What a bulk change does to each selected friend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkAction {
    /// Give exactly these libraries, with one window for all (times RFC 3339, optional).
    #[cfg_attr(feature = "server", schema(title = "BulkSetLibraries"))]
    SetLibraries {
        library_ids: Vec<i64>,
        #[serde(default)]
        starts_at: Option<String>,
        #[serde(default)]
        ends_at: Option<String>,
    },
    /// Extend like `POST …/extend`.
    #[cfg_attr(feature = "server", schema(title = "BulkExtend"))]
    Extend {
        period: ExtendPeriod,
        #[serde(default)]
        library_ids: Option<Vec<i64>>,
    },
    /// Add these libraries with one window (optional times), keeping every other grant of each
    /// friend as it is; a library the friend already has gets the new window.
    #[cfg_attr(feature = "server", schema(title = "BulkAddLibraries"))]
    AddLibraries {
        library_ids: Vec<i64>,
        #[serde(default)]
        starts_at: Option<String>,
        #[serde(default)]
        ends_at: Option<String>,
    },
    /// Remove these libraries' grants, keeping every other grant of each friend.
    #[cfg_attr(feature = "server", schema(title = "BulkRemoveLibraries"))]
    RemoveLibraries { library_ids: Vec<i64> },
    /// Remove every grant (the anchor library stays when configured). A struct variant, not a
    /// unit one: serde ignores unknown fields beside the tag of a unit variant.
    #[cfg_attr(feature = "server", schema(title = "BulkRevoke"))]
    Revoke {},
    /// Set these sharing settings (downloads, Live TV, camera upload, content restrictions) for
    /// every friend, keeping their grants; Plexward manages them from then on, like
    /// `PUT …/sharing`. Restrictions need the owner's Plex Pass (422 otherwise).
    #[cfg_attr(feature = "server", schema(title = "BulkSharing"))]
    Sharing { sharing: Box<crate::Sharing> },
    /// Give an access plan (`/api/v1/plans`): each friend's grants become the plan's, its
    /// windows counted from now, with its sharing settings and end policy when it has them. With
    /// `version`, refused (409 `plan_changed`) if the plan was edited since that version was
    /// previewed.
    #[cfg_attr(feature = "server", schema(title = "BulkApplyPlan"))]
    ApplyPlan {
        plan_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
}

/// Body of `POST /api/v1/plex-users/bulk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// Plexward ids of the friends (1–1000, no duplicates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friend_ids: Option<Vec<i64>>,
    /// Deprecated name of `friend_ids` (accepted with a `Deprecation` header in the answer;
    /// give one of the two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(deprecated))]
    pub plex_user_ids: Option<Vec<i64>>,
    pub action: BulkAction,
    /// `true`: answer with the plan, saving and sending nothing. May also be given as the
    /// `dry_run` query parameter; when both are given they must agree (else 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// Each friend's `version` as the preview showed it (friend id → version): a friend changed
    /// since is skipped (listed in `skipped`), not overwritten. Absent: no check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<std::collections::BTreeMap<i64, i64>>,
}

/// Which of `friend_ids` and its deprecated name `plex_user_ids` a request used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FriendIds<'a> {
    Current(&'a [i64]),
    Deprecated(&'a [i64]),
}

impl FriendIds<'_> {
    pub fn ids(&self) -> &[i64] {
        match self {
            Self::Current(ids) | Self::Deprecated(ids) => ids,
        }
    }
}

impl BulkRequest {
    /// The friends to change, and whether the deprecated name carried them; `Err` when both
    /// names or neither are given.
    pub fn friends(&self) -> Result<FriendIds<'_>, &'static str> {
        match (&self.friend_ids, &self.plex_user_ids) {
            (Some(ids), None) => Ok(FriendIds::Current(ids)),
            (None, Some(ids)) => Ok(FriendIds::Deprecated(ids)),
            (Some(_), Some(_)) => {
                Err("give `friend_ids` only (`plex_user_ids` is its deprecated name)")
            }
            (None, None) => Err("required: the Plexward ids of the friends to change"),
        }
    }
}

/// One friend's line in a bulk answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkFriendPlan {
    /// Plexward's id of the friend.
    pub friend_id: i64,
    /// Deprecated: the same as `friend_id`.
    #[cfg_attr(feature = "server", schema(deprecated))]
    pub plex_user_id: i64,
    pub title: String,
    pub plan: PlanResponse,
    /// Each library whose grant the change adds, removes or moves: its window before and after.
    #[serde(default)]
    pub changes: Vec<GrantChange>,
    /// The friend's edit version this plan is based on (send it back in `versions`).
    #[serde(default)]
    pub version: i64,
}

/// A friend a bulk change left alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkSkipped {
    pub friend_id: i64,
    pub title: String,
    pub reason: String,
}

/// A grant's window (RFC 3339 UTC; `null` start = now, `null` end = no end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GrantWindow {
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub ends_at: Option<DateTime<Utc>>,
}

/// How a change moves one library's grant: `before`/`after` `null` = no grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GrantChange {
    pub library_id: i64,
    pub library: String,
    pub before: Option<GrantWindow>,
    pub after: Option<GrantWindow>,
}

/// Answer of `POST /api/v1/plex-users/bulk`. Without `dry_run` the grants are saved (all or
/// nothing) and the applies run as the job `job_id` (progress at `/api/v1/jobs/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkResponse {
    pub dry_run: bool,
    pub friends: Vec<BulkFriendPlan>,
    pub job_id: Option<String>,
    /// Friends changed since the `versions` sent, left as they are.
    #[serde(default)]
    pub skipped: Vec<BulkSkipped>,
}

/// Body of `POST /api/v1/grants/import`: a CSV as `GET /api/v1/grants/export` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportGrantsRequest {
    /// The file's text: a header, then one row per grant.
    pub csv: String,
    /// `true`: answer with each friend's plan, saving and sending nothing. May also be given as
    /// the `dry_run` query parameter; when both are given they must agree (else 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// Query of `GET /api/v1/plex-users/{id}/history`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct HistoryQuery {
    /// Page size, 1–500 (default 200).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub limit: Option<String>,
    /// Entries to skip, newest first (default 0).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u64>))]
    pub offset: Option<String>,
}

/// Largest and default page of a friend's history.
pub const HISTORY_PAGE_MAX: u32 = 500;
pub const HISTORY_PAGE_DEFAULT: u32 = 200;

/// One entry of a friend's history (from the audit log).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub id: i64,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub at: DateTime<Utc>,
    /// Account name, or `system`.
    pub actor: String,
    /// e.g. `grants.set`, `grants.extend`, `plex.apply`.
    pub action: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}
