//! Notifications: events written to an outbox in the caller's transaction (like the audit
//! trail, so a change and its event commit together or not at all), what each says (templates,
//! `messages`), and how one is sent to a channel (email, webhook, Discord, ntfy). The delivery
//! worker (`scheduler::deliveries`) sends them; channels and templates are configured in
//! `settings::notifications` and `settings::notification_templates`.

pub mod email;
pub mod messages;
pub mod send;
pub mod signature;
pub mod template;

use std::sync::OnceLock;

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use serde::Serialize;
use serde_json::{Value, json};

use crate::db;

/// Every event a channel can subscribe to.
pub const EVENTS: &[&str] = plexward_shared::NOTIFICATION_EVENTS;

/// A friend as an event names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeFriend {
    pub id: i64,
    pub title: String,
    pub username: Option<String>,
    pub email: Option<String>,
}

impl NoticeFriend {
    pub fn of(user: &db::plex_users::PlexUser) -> Self {
        Self {
            id: user.id,
            title: plexward_shared::display_name(
                &user.title,
                user.username.as_deref(),
                user.email.as_deref(),
            )
            .to_owned(),
            username: user.username.clone(),
            email: user.email.clone(),
        }
    }
}

/// Reminder leads as saved: each 1–525600 minutes, at most 10, longest first, each once.
pub fn reminder_leads(leads: &[u32]) -> Result<Vec<u32>, String> {
    let mut leads = leads.to_vec();
    leads.sort_unstable_by(|a, b| b.cmp(a));
    leads.dedup();
    if leads.len() > 10 || leads.iter().any(|m| !(1..=525_600).contains(m)) {
        return Err("up to 10 leads, each 1–525600 minutes".to_owned());
    }
    Ok(leads)
}

/// `["a", "b", "c"]` → "a, b and c".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Something to tell: the event, and what it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub event: &'static str,
    pub friend: Option<NoticeFriend>,
    /// Library titles.
    pub libraries: Vec<String>,
    pub ends_at: Option<i64>,
    /// The event in words (`details.summary`).
    pub summary: String,
    pub details: Value,
}

impl Notice {
    /// An event about `friend` and these libraries.
    pub fn about(
        event: &'static str,
        friend: &db::plex_users::PlexUser,
        libraries: Vec<String>,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            friend: Some(NoticeFriend::of(friend)),
            libraries,
            ..Self::new(event, summary)
        }
    }

    pub fn new(event: &'static str, summary: impl Into<String>) -> Self {
        Self {
            event,
            friend: None,
            libraries: Vec::new(),
            ends_at: None,
            summary: summary.into(),
            details: json!({}),
        }
    }
}

/// Wakes the delivery worker after a commit (it also looks on its own every half second).
pub fn wake() {
    waker().notify_one();
}

pub fn waker() -> &'static tokio::sync::Notify {
    static WAKE: OnceLock<tokio::sync::Notify> = OnceLock::new();
    WAKE.get_or_init(tokio::sync::Notify::new)
}

/// The webhook body of event `id`: `{id, event, occurred_at, friend?, libraries?, ends_at?,
/// details}` (times RFC 3339 UTC).
pub fn payload(id: &str, notice: &Notice, occurred_at: i64) -> Value {
    let time = |ms: i64| plexward_shared::time::format(&db::time::from_ms(ms));
    let mut details = match &notice.details {
        Value::Object(map) => Value::Object(map.clone()),
        other => json!({ "value": other }),
    };
    details["summary"] = json!(notice.summary);
    let mut body = json!({
        "id": id,
        "event": notice.event,
        "occurred_at": time(occurred_at),
        "details": details,
    });
    if let Some(friend) = &notice.friend {
        body["friend"] = json!(friend);
    }
    if !notice.libraries.is_empty() {
        body["libraries"] = json!(notice.libraries);
    }
    if let Some(ends_at) = notice.ends_at {
        body["ends_at"] = json!(time(ends_at));
    }
    body
}

/// Writes `notice` to the outbox with one delivery per enabled channel subscribed to its event,
/// in the caller's transaction. Nobody subscribed: nothing is written. Returns the event id.
pub fn record(
    conn: &mut SqliteConnection,
    notice: &Notice,
    now: i64,
) -> QueryResult<Option<String>> {
    debug_assert!(
        EVENTS.contains(&notice.event),
        "unknown event {}",
        notice.event
    );
    let channels: Vec<i64> = db::notifications::channels(conn)?
        .into_iter()
        .filter(|c| c.enabled && c.event_names().iter().any(|e| e == notice.event))
        .map(|c| c.id)
        .collect();
    if channels.is_empty() {
        return Ok(None);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let body = payload(&id, notice, now).to_string();
    db::notifications::insert_event(conn, &id, notice.event, now, &body, &channels, None)?;
    Ok(Some(id))
}

/// Writes `notice` to the outbox as one email to `recipient` through email channel `channel`
/// (a friend's own reminder), in the caller's transaction. Returns the event id.
pub fn record_to(
    conn: &mut SqliteConnection,
    notice: &Notice,
    channel: i64,
    recipient: &str,
    now: i64,
) -> QueryResult<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let body = payload(&id, notice, now).to_string();
    db::notifications::insert_event(
        conn,
        &id,
        notice.event,
        now,
        &body,
        &[channel],
        Some(recipient),
    )?;
    Ok(id)
}
