//! The audit trail (`/api/v1/audit…`): filters and events. Append-only: the API has no way to
//! change or delete an event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most events one page returns.
pub const AUDIT_PAGE_MAX: u32 = 500;
pub const AUDIT_PAGE_DEFAULT: u32 = 50;

/// Every action the audit trail records (an event's `action`), by family. The server refuses to
/// record one that is not listed (checked in its tests), so this list is complete.
pub const AUDIT_ACTIONS: &[&str] = &[
    "account.create",
    "account.delete",
    "account.mfa_disable",
    "account.mfa_enable",
    "account.mfa_reset",
    "account.passkey_add",
    "account.passkey_remove",
    "account.passkey_rename",
    "account.password_change",
    "account.password_reset",
    "account.update",
    "audit.export",
    "audit.pruned",
    "auth.login",
    "auth.logout",
    "auth.mfa",
    "auth.refresh_reuse",
    "auth.sso",
    "authz.denied",
    "end_policy.set",
    "grants.bulk",
    "grants.extend",
    "grants.reverted",
    "grants.set",
    "inactivity.end_access",
    "inactivity.remove_friend",
    "invite.accepted",
    "invite.cancel",
    "invite.create",
    "invite.expired",
    "invite.resend",
    "logs.download",
    "notification.channel_create",
    "notification.channel_delete",
    "notification.channel_update",
    "notification.friend_update",
    "notification.resend",
    "notification.settings_update",
    "notification.template_reset",
    "notification.template_update",
    "notification.test",
    "plan.apply",
    "plan.create",
    "plan.delete",
    "plan.update",
    "plex.apply",
    "plex.route_switched",
    "plex.sync",
    "portal.sign_in",
    "request.approve",
    "request.cancel",
    "request.create",
    "request.decline",
    "scheduler.reconcile",
    "scheduler.update",
    "session.end",
    "session.end_all",
    "settings.inactivity_update",
    "settings.plex_sign_in",
    "settings.plex_test",
    "settings.plex_update",
    "settings.portal_update",
    "settings.server_certificate",
    "settings.server_update",
    "settings.sign_in_update",
    "settings.sso_update",
    "sharing.bulk",
    "sharing.reverted",
    "sharing.set",
    "system.backup",
    "system.backup_delete",
    "system.backup_download",
    "system.restart",
    "system.restore",
    "token.create",
    "token.new_address",
    "token.revoke",
];

/// [`AUDIT_ACTIONS`] as a string enum in the OpenAPI document.
#[cfg(feature = "server")]
fn action_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(AUDIT_ACTIONS.iter().copied()))
        .description(Some("What was done (the action's family comes first)."))
        .build()
}

/// Filters of `GET /api/v1/audit` and `/audit/export`. Values are checked by the server; each
/// bad one is a 422 field error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AuditQuery {
    /// Who: an account name exactly, or `system`.
    #[serde(default)]
    pub actor: Option<String>,
    /// What: an action exactly (`grants.set`; every action is listed in the `action` of
    /// `AuditEventResponse`), or a whole family written `grants.*` (or just `grants`), which
    /// matches `grants.set`, `grants.bulk`, … and `grants` itself.
    #[serde(default)]
    pub action: Option<String>,
    /// About which friend (Plexward's id).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<i64>))]
    pub friend_id: Option<String>,
    /// Deprecated name of `friend_id` (Plexward's id, not Plex's; answered with a `Deprecation`
    /// header).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<i64>))]
    pub plex_user_id: Option<String>,
    /// `success`, `failure` or `denied`.
    #[serde(default)]
    pub outcome: Option<String>,
    /// From this instant (RFC 3339, inclusive).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<DateTime<Utc>>))]
    pub from: Option<String>,
    /// Up to this instant (RFC 3339, exclusive).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<DateTime<Utc>>))]
    pub to: Option<String>,
    /// Page size, 1–500 (default 50). Ignored by the export.
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub limit: Option<String>,
    /// Events to skip (newest first). Ignored by the export.
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u64>))]
    pub offset: Option<String>,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditEventResponse {
    pub id: i64,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub at: DateTime<Utc>,
    /// Account name, `system`, or the name someone tried to sign in with.
    pub actor: String,
    pub actor_id: Option<i64>,
    /// One of [`AUDIT_ACTIONS`] (`auth.login`, `grants.set`, `plex.apply`, …).
    #[cfg_attr(feature = "server", schema(schema_with = action_schema))]
    pub action: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// What it was about, e.g. `plex_user` and its id.
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Where the request came from: the client's address as the server's socket saw it (no
    /// proxy header is trusted). Null for the system's own work.
    pub ip: Option<String>,
    /// Before/after and other details (secrets never appear).
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
    /// The API token the request was made with (`X-Api-Key` or `Authorization: Bearer pwt_…`);
    /// null for a signed-in session, a sign-in attempt or the system.
    #[serde(default)]
    pub via_token: Option<ViaToken>,
    /// How many times it happened: a refusal repeated from one address within a minute (a
    /// throttled sign-in, a 403) is counted on that minute's event instead of adding one.
    #[serde(default = "one")]
    pub count: u64,
}

fn one() -> u64 {
    1
}

/// An API token as an audit event names it: its id and its name when the event was recorded
/// (a revoked token's id stays in the trail; its name may later be reused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ViaToken {
    pub id: i64,
    pub name: String,
}
