//! Notifications (`/api/v1/notifications/…`): channels that events are sent to, and the
//! deliveries that follow each event to each channel.

use serde::{Deserialize, Serialize};

/// A channel's settings (secrets aside). Webhook and Discord: `url`; ntfy: `server` and `topic`;
/// email: `host`, `port`, `security`, `from`, `to` and, to sign in, `username` (the password is
/// write-only, in the request's `password`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Email: the SMTP server's host name or address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Email: its port (default 465 for `tls`, 587 for `starttls`, 25 for `none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Email: `tls` (implicit TLS, "SMTPS"), `starttls` (required, never falls back) or `none`
    /// (plain, for a relay on this machine or network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<String>,
    /// Email: the account to sign in with (absent: no sign-in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Email: the sender, `Plexward <plexward@example.com>` or a bare address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Email: who gets the events (1–20 addresses). Friends' reminders go to each friend instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    /// Email: a PEM certificate to trust besides the system's (a relay's self-signed one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
}

/// Body of `POST /api/v1/notifications/channels` and `PUT …/{id}` (the whole channel; `kind`
/// cannot change).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    /// `email`, `webhook`, `discord` or `ntfy`.
    pub kind: String,
    /// 1–80 characters, unique (case aside).
    pub name: String,
    pub config: ChannelConfig,
    /// The events it gets (see `NOTIFICATION_EVENTS`), at least one.
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// ntfy: an access token (write-only; empty clears it). Webhooks get a generated signing
    /// secret instead, shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Email: the SMTP password (write-only, sealed at rest; absent on `PUT` keeps it, empty
    /// clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Webhooks, on `PUT`: `true` makes a new signing secret (shown once in the answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_secret: Option<bool>,
}

impl std::fmt::Debug for ChannelRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelRequest")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("config", &self.config)
            .field("events", &self.events)
            .field("enabled", &self.enabled)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("rotate_secret", &self.rotate_secret)
            .finish()
    }
}

/// A channel (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ChannelResponse {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub config: ChannelConfig,
    pub events: Vec<String>,
    pub enabled: bool,
    /// Whether a secret (webhook signing secret, ntfy token, SMTP password) is set.
    pub secret_set: bool,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Answer of creating a channel or rotating its secret: the webhook signing secret is shown
/// this once (`None` otherwise).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SavedChannelResponse {
    pub channel: ChannelResponse,
    pub secret: Option<String>,
}

impl std::fmt::Debug for SavedChannelResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedChannelResponse")
            .field("channel", &self.channel)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Answer of `POST …/channels/{id}/test`: always 200; `ok` says whether the receiver took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ChannelTestResponse {
    pub ok: bool,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong, exactly.
    pub error: Option<String>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet (being tried, or waiting to be tried again).
    Pending,
    Delivered,
    /// Given up after its attempts (resend to try again).
    Dead,
}

/// One event's delivery to one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DeliveryResponse {
    pub id: i64,
    /// The event id: `X-Plexward-Delivery`, the same on every attempt.
    pub event_id: String,
    pub event: String,
    pub channel_id: i64,
    /// A friend's own email (their reminder), or absent: the channel's own recipients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// When it is tried next (pending ones).
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Filters of `GET /api/v1/notifications/deliveries`, with `limit` and `offset`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `dead`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<i64>))]
    pub channel_id: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub limit: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u64>))]
    pub offset: Option<String>,
}

/// Every event a channel can subscribe to.
pub const NOTIFICATION_EVENTS: &[&str] = &[
    "access.granted",
    "access.started",
    "access.ending",
    "access.ended",
    "access.inactive",
    "invite.sent",
    "invite.accepted",
    "apply.failed",
    "drift.detected",
    "sync.failed",
    "plex.unreachable",
    "plex.recovered",
    "signin.failures",
    "plexward.started",
    "request.created",
];

/// `GET`/`PUT /api/v1/notifications/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// How long before a window ends `access.ending` is sent, in minutes (1–525600, up to 10;
    /// default a week and a day). A window shorter than a lead gets that reminder at its start.
    /// A plan can set its own.
    pub reminder_leads_minutes: Vec<u32>,
    /// The email channel friends' own reminders are sent through (absent: friends get none).
    #[serde(default)]
    pub friend_email_channel_id: Option<i64>,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            reminder_leads_minutes: vec![10_080, 1_440],
            friend_email_channel_id: None,
        }
    }
}

/// A friend's own notification choices: `GET`/`PUT /api/v1/plex-users/{id}/notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FriendNotifications {
    /// Whether the friend gets an email before their access ends (default yes, when a friends'
    /// email channel is set and Plex knows their email).
    pub reminder_emails: bool,
    /// The friend's IANA time zone, for the times in their emails (absent: the server's).
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl Default for FriendNotifications {
    fn default() -> Self {
        Self {
            reminder_emails: true,
            time_zone: None,
        }
    }
}

/// The template a friend's own reminder email uses (the other templates are named by event).
pub const FRIEND_REMINDER_TEMPLATE: &str = "friend.access.ending";

/// The template of the email telling a friend they have not watched for a while.
pub const FRIEND_INACTIVE_TEMPLATE: &str = "friend.access.inactive";

/// The template of the email telling a friend their request was approved or declined.
pub const FRIEND_REQUEST_TEMPLATE: &str = "friend.request.decided";

/// A variable a template can use, `{{name}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TemplateVariable {
    pub name: String,
    pub description: String,
}

/// One event's message: its subject (email subject, ntfy title, Discord's bold first line) and
/// body. `GET /api/v1/notifications/templates` lists one per event and the friend's reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TemplateResponse {
    /// An event name, or `friend.access.ending` (the reminder a friend gets).
    pub event: String,
    pub subject: String,
    pub body: String,
    /// Edited by an admin (false: the default, which `DELETE` goes back to).
    pub custom: bool,
    pub default_subject: String,
    pub default_body: String,
    /// What `{{…}}` can name here.
    pub variables: Vec<TemplateVariable>,
}

/// Body of `PUT /api/v1/notifications/templates/{event}`. The language: `{{name}}` puts a
/// variable in; `{{#if name}}…{{else}}…{{/if}}` shows a part only when it is set. Nothing else
/// runs: no code, no loops, no includes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// Up to 200 characters, one line.
    pub subject: String,
    /// Up to 4000 characters.
    pub body: String,
}

/// Body of `POST /api/v1/notifications/templates/preview`: a template as being edited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplatePreviewRequest {
    pub event: String,
    pub subject: String,
    pub body: String,
}

/// The preview: the template filled with a sample event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TemplatePreviewResponse {
    pub subject: String,
    pub body: String,
}
