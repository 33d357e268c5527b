//! Notification channels (admin) and their deliveries: the rules (kinds, URLs, events, names),
//! the sealed secrets (a webhook's signing secret is generated and shown once; an ntfy token is
//! write-only), a test send that shows the exact error, and resending a delivery.

use std::path::Path;
use std::time::Duration;

use plexward_shared::{
    ChannelConfig, ChannelRequest, ChannelResponse, ChannelTestResponse, DeliveryQuery,
    DeliveryResponse, DeliveryState, List, SavedChannelResponse,
};
use rand::Rng;
use serde_json::json;

use crate::audit::{Actor, Event, Outcome};
use crate::db::notifications::{ChannelRow, ChannelValues, DeliveryRow};
use crate::db::time::{from_ms, now_ms};
use crate::db::{self, DbError, DbPool};
use crate::notify::send::{self, Destination};
use crate::settings::secret_box::SecretBox;

type FieldErrors = std::collections::BTreeMap<String, String>;

/// Associated data of a sealed channel secret.
pub const SECRET_AAD: &[u8] = b"plexward:notification_channels:secret";
/// Longest channel name.
const NAME_MAX: usize = 80;
/// The kinds of channel.
const KINDS: [&str; 4] = ["email", "webhook", "discord", "ntfy"];
/// Most recipients of an email channel.
const RECIPIENTS_MAX: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("no such channel")]
    NotFound,
    #[error("invalid channel")]
    Invalid(FieldErrors),
    #[error("a channel with this name exists")]
    NameTaken,
    #[error("cannot seal the secret: {0}")]
    Sealing(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

fn response(row: &ChannelRow) -> ChannelResponse {
    let config: ChannelConfig = serde_json::from_str(&row.config).unwrap_or_default();
    ChannelResponse {
        id: row.id,
        kind: row.kind.clone(),
        name: row.name.clone(),
        config: ChannelConfig {
            url: config.url.as_deref().map(|u| redact_url(&row.kind, u)),
            ..config
        },
        events: row.event_names(),
        enabled: row.enabled,
        secret_set: row.secret_sealed.is_some(),
        created_at: from_ms(row.created_at),
        updated_at: from_ms(row.updated_at),
    }
}

/// A Discord webhook URL holds its token in the path: shown without it.
fn redact_url(kind: &str, url: &str) -> String {
    match (kind, url.rsplit_once('/')) {
        ("discord", Some((head, _))) => format!("{head}/…"),
        _ => url.to_owned(),
    }
}

fn check_url(value: Option<&str>, field: &str, errors: &mut FieldErrors) -> Option<String> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        errors.insert(field.into(), "required".into());
        return None;
    };
    match reqwest::Url::parse(v) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https") && u.host().is_some() && v.len() <= 2048 =>
        {
            Some(v.to_owned())
        }
        _ => {
            errors.insert(field.into(), "must be an http(s) URL".into());
            None
        }
    }
}

/// An email channel's settings, checked field by field.
fn check_email(c: &ChannelConfig, errors: &mut FieldErrors) -> ChannelConfig {
    use crate::notify::email::{self, Security};
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let host = text(&c.host);
    match host.as_deref() {
        None => {
            errors.insert("config.host".into(), "required".into());
        }
        Some(h) if h.len() > 253 || h.chars().any(|ch| ch.is_whitespace() || ch.is_control()) => {
            errors.insert("config.host".into(), "a host name or address".into());
        }
        Some(_) => {}
    }
    let security = match text(&c.security)
        .as_deref()
        .map(|s| (s, Security::parse(s)))
    {
        Some((s, Some(_))) => Some(s.to_owned()),
        _ => {
            errors.insert(
                "config.security".into(),
                "one of tls, starttls, none".into(),
            );
            None
        }
    };
    if c.port == Some(0) {
        errors.insert("config.port".into(), "1–65535".into());
    }
    let username = text(&c.username);
    if username.as_deref().is_some_and(|u| u.len() > 256) {
        errors.insert("config.username".into(), "at most 256 characters".into());
    }
    if username.is_some() && security.as_deref() == Some("none") {
        errors.insert(
            "config.security".into(),
            "a password is only sent encrypted: choose tls or starttls to sign in".into(),
        );
    }
    let from = text(&c.from);
    match from.as_deref().map(email::check_address) {
        None => {
            errors.insert("config.from".into(), "required".into());
        }
        Some(Err(why)) => {
            errors.insert("config.from".into(), why);
        }
        Some(Ok(())) => {}
    }
    let to: Vec<String> =
        c.to.iter()
            .flatten()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
    if to.is_empty() || to.len() > RECIPIENTS_MAX {
        errors.insert("config.to".into(), format!("1–{RECIPIENTS_MAX} addresses"));
    } else if let Some(why) = to.iter().find_map(|a| email::check_address(a).err()) {
        errors.insert("config.to".into(), why);
    }
    let ca_pem = text(&c.ca_pem);
    if let Some(pem) = &ca_pem
        && let Err(why) = email::check_certificate(pem)
    {
        errors.insert("config.ca_pem".into(), why);
    }
    ChannelConfig {
        host,
        port: c.port,
        security,
        username,
        from,
        to: Some(to),
        ca_pem,
        ..ChannelConfig::default()
    }
}

/// Checks a channel as sent: its stored config and event list.
fn check(
    request: &ChannelRequest,
    kind: &str,
) -> Result<(String, send::ChannelConfig, Vec<String>), ChannelError> {
    let mut errors = FieldErrors::new();
    if !KINDS.contains(&kind) {
        errors.insert("kind".into(), format!("one of {}", KINDS.join(", ")));
    }
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        errors.insert("name".into(), format!("1–{NAME_MAX} characters"));
    }
    let c = &request.config;
    let config = match kind {
        "email" => check_email(c, &mut errors),
        "webhook" | "discord" => send::ChannelConfig {
            url: check_url(c.url.as_deref(), "config.url", &mut errors),
            ..send::ChannelConfig::default()
        },
        "ntfy" => {
            let topic = c.topic.as_deref().map(str::trim).unwrap_or_default();
            let topic_ok = !topic.is_empty()
                && topic.len() <= 64
                && topic
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-'));
            if !topic_ok {
                errors.insert(
                    "config.topic".into(),
                    "1–64 letters, digits, `_` or `-`".into(),
                );
            }
            send::ChannelConfig {
                server: check_url(c.server.as_deref(), "config.server", &mut errors),
                topic: Some(topic.to_owned()),
                ..send::ChannelConfig::default()
            }
        }
        _ => send::ChannelConfig::default(),
    };
    let mut events = Vec::new();
    for e in &request.events {
        if !crate::notify::EVENTS.contains(&e.as_str()) {
            errors.insert("events".into(), format!("`{e}` is not an event"));
        } else if !events.contains(e) {
            events.push(e.clone());
        }
    }
    if request.events.is_empty() {
        errors.insert("events".into(), "at least one event".into());
    }
    if errors.is_empty() {
        Ok((name, config, events))
    } else {
        Err(ChannelError::Invalid(errors))
    }
}

/// The write-only secret a request sets: an ntfy token, an SMTP password (a password keeps its
/// spaces).
fn written_secret<'a>(request: &'a ChannelRequest, kind: &str) -> Option<&'a str> {
    match kind {
        "email" => request.password.as_deref(),
        _ => request.token.as_deref().map(str::trim),
    }
}

fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!(
        "pwh_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

async fn seal(data_dir: &Path, secret: String) -> Result<String, ChannelError> {
    let dir = data_dir.to_owned();
    tokio::task::spawn_blocking(move || {
        SecretBox::load_or_create(&dir).and_then(|b| b.seal(&secret, SECRET_AAD))
    })
    .await
    .map_err(|e| ChannelError::Sealing(e.to_string()))?
    .map_err(|e| ChannelError::Sealing(e.to_string()))
}

/// The channel as a destination, its secret opened (one that does not open counts as none).
pub fn destination(row: &ChannelRow, data_dir: &Path) -> Destination {
    let secret = row.secret_sealed.as_deref().and_then(|sealed| {
        let sealer = SecretBox::load(data_dir).ok()??;
        sealer
            .open(sealed, SECRET_AAD)
            .ok()
            .map(|s| secrecy::ExposeSecret::expose_secret(&s).to_owned())
    });
    Destination {
        kind: row.kind.clone(),
        config: serde_json::from_str(&row.config).unwrap_or_default(),
        secret,
    }
}

pub async fn list(pool: &DbPool) -> Result<Vec<ChannelResponse>, DbError> {
    let rows = db::run(pool, db::notifications::channels).await?;
    Ok(rows.iter().map(response).collect())
}

pub async fn get(pool: &DbPool, id: i64) -> Result<ChannelResponse, ChannelError> {
    db::run(pool, move |conn| db::notifications::channel(conn, id))
        .await?
        .map(|r| response(&r))
        .ok_or(ChannelError::NotFound)
}

fn audit_view(name: &str, kind: &str, events: &[String], enabled: bool) -> serde_json::Value {
    json!({"name": name, "kind": kind, "events": events, "enabled": enabled})
}

pub async fn create(
    pool: &DbPool,
    data_dir: &Path,
    request: &ChannelRequest,
    actor: &Actor,
) -> Result<SavedChannelResponse, ChannelError> {
    let kind = request.kind.trim().to_owned();
    let (name, config, events) = check(request, &kind)?;
    let shown = (kind == "webhook").then(new_secret);
    let secret = match (&shown, written_secret(request, &kind)) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(t)) if !t.is_empty() => Some(t.to_owned()),
        _ => None,
    };
    let sealed = match secret {
        Some(s) => Some(seal(data_dir, s).await?),
        None => None,
    };
    let enabled = request.enabled.unwrap_or(true);
    let (config, events_json) = (
        serde_json::to_string(&config).unwrap_or_default(),
        serde_json::to_string(&events).unwrap_or_default(),
    );
    let actor = actor.clone();
    let row = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if db::notifications::name_taken(conn, &name, None)? {
                return Ok(None);
            }
            let row = db::notifications::insert_channel(
                conn,
                &ChannelValues {
                    kind: &kind,
                    name: &name,
                    config: &config,
                    secret_sealed: sealed.as_deref(),
                    events: &events_json,
                    enabled,
                },
                now_ms(),
            )?;
            Event::new("notification.channel_create", Outcome::Success, &actor)
                .target("channel", row.id)
                .details(json!({"after": audit_view(&name, &kind, &events, enabled)}))
                .insert(conn)?;
            Ok(Some(row))
        })
    })
    .await?
    .ok_or(ChannelError::NameTaken)?;
    Ok(SavedChannelResponse {
        channel: response(&row),
        secret: shown,
    })
}

pub async fn update(
    pool: &DbPool,
    data_dir: &Path,
    id: i64,
    request: &ChannelRequest,
    actor: &Actor,
) -> Result<SavedChannelResponse, ChannelError> {
    let before = db::run(pool, move |conn| db::notifications::channel(conn, id))
        .await?
        .ok_or(ChannelError::NotFound)?;
    if request.kind.trim() != before.kind {
        return Err(ChannelError::Invalid(FieldErrors::from([(
            "kind".to_owned(),
            format!("a channel's kind cannot change (it is `{}`)", before.kind),
        )])));
    }
    let kind = before.kind.clone();
    // A Discord URL is shown without its token: sent back as shown (or left out), it stays.
    let mut request = request.clone();
    if kind == "discord"
        && request
            .config
            .url
            .as_deref()
            .is_none_or(|u| u.trim().is_empty() || u.ends_with("/…"))
    {
        let stored: send::ChannelConfig = serde_json::from_str(&before.config).unwrap_or_default();
        request.config.url = stored.url;
    }
    let request = &request;
    let (name, config, events) = check(request, &kind)?;
    let shown = (kind == "webhook" && request.rotate_secret == Some(true)).then(new_secret);
    let sealed = match (&shown, written_secret(request, &kind)) {
        (Some(s), _) => Some(seal(data_dir, s.clone()).await?),
        (None, Some("")) => None,
        (None, Some(t)) => Some(seal(data_dir, t.to_owned()).await?),
        (None, None) => before.secret_sealed.clone(),
    };
    let enabled = request.enabled.unwrap_or(before.enabled);
    let (config, events_json) = (
        serde_json::to_string(&config).unwrap_or_default(),
        serde_json::to_string(&events).unwrap_or_default(),
    );
    let actor = actor.clone();
    let rotated = shown.is_some();
    let row = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if db::notifications::name_taken(conn, &name, Some(id))? {
                return Ok(Err(ChannelError::NameTaken));
            }
            let Some(row) = db::notifications::update_channel(
                conn,
                id,
                &ChannelValues {
                    kind: &kind,
                    name: &name,
                    config: &config,
                    secret_sealed: sealed.as_deref(),
                    events: &events_json,
                    enabled,
                },
                now_ms(),
            )?
            else {
                return Ok(Err(ChannelError::NotFound));
            };
            Event::new("notification.channel_update", Outcome::Success, &actor)
                .target("channel", id)
                .details(json!({
                    "before": audit_view(&before.name, &before.kind, &before.event_names(), before.enabled),
                    "after": audit_view(&name, &kind, &events, enabled),
                    "secret_rotated": rotated,
                }))
                .insert(conn)?;
            Ok(Ok(row))
        })
    })
    .await??;
    Ok(SavedChannelResponse {
        channel: response(&row),
        secret: shown,
    })
}

pub async fn delete(pool: &DbPool, id: i64, actor: &Actor) -> Result<(), ChannelError> {
    let actor = actor.clone();
    let deleted = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(row) = db::notifications::channel(conn, id)? else {
                return Ok(false);
            };
            db::notifications::delete_channel(conn, id)?;
            Event::new("notification.channel_delete", Outcome::Success, &actor)
                .target("channel", id)
                .details(json!({"before": audit_view(&row.name, &row.kind, &row.event_names(), row.enabled)}))
                .insert(conn)?;
            Ok(true)
        })
    })
    .await?;
    if deleted {
        Ok(())
    } else {
        Err(ChannelError::NotFound)
    }
}

/// Sends a test event to channel `id` now (not through the outbox): what the receiver said, or
/// the exact error.
pub async fn test(
    pool: &DbPool,
    data_dir: &Path,
    id: i64,
    timeout: Duration,
    actor: &Actor,
) -> Result<ChannelTestResponse, ChannelError> {
    let row = db::run(pool, move |conn| db::notifications::channel(conn, id))
        .await?
        .ok_or(ChannelError::NotFound)?;
    let to = destination(&row, data_dir);
    let event_id = uuid::Uuid::new_v4().to_string();
    let notice = crate::notify::Notice::new(
        "plexward.started",
        format!("A test from Plexward to the channel “{}”.", row.name),
    );
    let mut body = crate::notify::payload(&event_id, &notice, now_ms());
    body["event"] = json!("test");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    let payload = body.to_string();
    let out = send::Outgoing {
        event_id: &event_id,
        event: "test",
        payload: &payload,
        subject: "A test from Plexward",
        text: &notice.summary,
        recipient: None,
    };
    let outcome = send::send(&client, &to, &out, timeout).await;
    let answer = match outcome {
        Ok(status) => ChannelTestResponse {
            ok: true,
            status: Some(status),
            error: None,
        },
        Err(f) => ChannelTestResponse {
            ok: false,
            status: f.status(),
            error: Some(f.to_string()),
        },
    };
    let (actor, recorded) = (actor.clone(), answer.clone());
    let outcome = if answer.ok {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    db::run(pool, move |conn| {
        Event::new("notification.test", outcome, &actor)
            .target("channel", id)
            .details(json!({"status": recorded.status, "error": recorded.error}))
            .insert(conn)
    })
    .await?;
    Ok(answer)
}

fn delivery_response((d, event, occurred_at): (DeliveryRow, String, i64)) -> DeliveryResponse {
    let state = match d.state.as_str() {
        "delivered" => DeliveryState::Delivered,
        "dead" => DeliveryState::Dead,
        _ => DeliveryState::Pending,
    };
    DeliveryResponse {
        id: d.id,
        event_id: d.event_id,
        event,
        channel_id: d.channel_id,
        recipient: d.recipient,
        state,
        attempts: d.attempts.max(0) as u32,
        last_status: d.last_status.and_then(|s| u16::try_from(s).ok()),
        last_error: d.last_error,
        occurred_at: from_ms(occurred_at),
        next_attempt_at: (state == DeliveryState::Pending).then(|| from_ms(d.next_attempt_at)),
        delivered_at: d.delivered_at.map(from_ms),
    }
}

/// How many deliveries are failing (the dashboard's line).
pub async fn failing(pool: &DbPool) -> Result<u64, DbError> {
    Ok(db::run(pool, db::notifications::failing).await?.max(0) as u64)
}

/// A page of deliveries, newest first.
pub async fn deliveries(
    pool: &DbPool,
    query: &DeliveryQuery,
) -> Result<List<DeliveryResponse>, ChannelError> {
    let mut errors = FieldErrors::new();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let state = match text(&query.state).as_deref() {
        None => None,
        Some(s @ ("pending" | "delivered" | "dead")) => Some(match s {
            "pending" => "pending",
            "delivered" => "delivered",
            _ => "dead",
        }),
        Some(_) => {
            errors.insert("state".into(), "one of pending, delivered, dead".into());
            None
        }
    };
    let channel = match text(&query.channel_id) {
        None => None,
        Some(v) => v.parse::<i64>().map(Some).unwrap_or_else(|_| {
            errors.insert("channel_id".into(), "must be a channel id".into());
            None
        }),
    };
    let paging = plexward_shared::Paging {
        limit: query.limit.clone(),
        offset: query.offset.clone(),
    };
    let (offset, limit) = paging.parse().unwrap_or_else(|e| {
        errors.extend(e);
        (0, None)
    });
    if !errors.is_empty() {
        return Err(ChannelError::Invalid(errors));
    }
    let limit = limit.unwrap_or(100) as i64;
    let (rows, total) = db::run(pool, move |conn| {
        db::notifications::list(conn, state, channel, offset as i64, limit)
    })
    .await?;
    Ok(List {
        items: rows.into_iter().map(delivery_response).collect(),
        total,
    })
}

/// Sends a delivery again from its first attempt (same delivery id).
pub async fn resend(pool: &DbPool, id: i64, actor: &Actor) -> Result<(), ChannelError> {
    let actor = actor.clone();
    let done = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(d) = db::notifications::delivery(conn, id)? else {
                return Ok(false);
            };
            db::notifications::resend(conn, id, now_ms())?;
            Event::new("notification.resend", Outcome::Success, &actor)
                .target("delivery", id)
                .details(
                    json!({"event_id": d.event_id, "channel_id": d.channel_id, "was": d.state}),
                )
                .insert(conn)?;
            Ok(true)
        })
    })
    .await?;
    crate::notify::wake();
    if done {
        Ok(())
    } else {
        Err(ChannelError::NotFound)
    }
}

const SETTINGS_KEY: &str = "notifications.settings";

/// The reminder leads and the rest of the notification settings (defaults until saved).
pub fn load_settings(
    conn: &mut diesel::SqliteConnection,
) -> diesel::QueryResult<plexward_shared::NotificationSettings> {
    let stored: Option<plexward_shared::NotificationSettings> =
        db::settings::get(conn, SETTINGS_KEY)?;
    Ok(stored.unwrap_or_default())
}

/// The email channel friends' own emails go through, while it is set, enabled and an email
/// channel.
pub fn friends_channel(
    conn: &mut diesel::SqliteConnection,
    id: Option<i64>,
) -> diesel::QueryResult<Option<i64>> {
    let Some(id) = id else { return Ok(None) };
    Ok(db::notifications::channel(conn, id)?
        .filter(|c| c.enabled && c.kind == "email")
        .map(|c| c.id))
}

/// Whether friend `id` wants their own emails (yes until they say no), and their time zone.
pub fn friend_wants_email(
    conn: &mut diesel::SqliteConnection,
    id: i64,
) -> diesel::QueryResult<(bool, Option<String>)> {
    Ok(db::notifications::friend_choices(conn, id)?.unwrap_or((true, None)))
}

/// Saves the notification settings (checked field by field), audited.
pub async fn save_settings(
    pool: &DbPool,
    wanted: plexward_shared::NotificationSettings,
    actor: &Actor,
) -> Result<plexward_shared::NotificationSettings, ChannelError> {
    let mut errors = FieldErrors::new();
    let leads =
        crate::notify::reminder_leads(&wanted.reminder_leads_minutes).unwrap_or_else(|why| {
            errors.insert("reminder_leads_minutes".to_owned(), why);
            Vec::new()
        });
    if let Some(id) = wanted.friend_email_channel_id {
        let channel = db::run(pool, move |conn| db::notifications::channel(conn, id)).await?;
        if channel.is_none_or(|c| c.kind != "email") {
            errors.insert(
                "friend_email_channel_id".to_owned(),
                "must be an email channel's id".to_owned(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ChannelError::Invalid(errors));
    }
    let saved = plexward_shared::NotificationSettings {
        reminder_leads_minutes: leads,
        friend_email_channel_id: wanted.friend_email_channel_id,
    };
    let (actor, value) = (actor.clone(), saved.clone());
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let before = load_settings(conn)?;
            db::settings::put(conn, SETTINGS_KEY, &Some(value.clone()))?;
            Event::new("notification.settings_update", Outcome::Success, &actor)
                .target("settings", "notifications")
                .details(json!({"before": before, "after": value}))
                .insert(conn)
        })
    })
    .await?;
    Ok(saved)
}

/// Friend `id`'s own notification choices (the defaults until saved).
pub async fn friend_choices(
    pool: &DbPool,
    id: i64,
) -> Result<plexward_shared::FriendNotifications, ChannelError> {
    db::run(pool, move |conn| {
        if db::plex_users::find(conn, id)?.is_none() {
            return Ok(None);
        }
        Ok(Some(
            db::notifications::friend_choices(conn, id)?.map_or_else(
                plexward_shared::FriendNotifications::default,
                |(reminder_emails, time_zone)| plexward_shared::FriendNotifications {
                    reminder_emails,
                    time_zone,
                },
            ),
        ))
    })
    .await?
    .ok_or(ChannelError::NotFound)
}

/// Saves friend `id`'s own choices (the time zone must be an IANA name), audited.
pub async fn save_friend_choices(
    pool: &DbPool,
    id: i64,
    wanted: plexward_shared::FriendNotifications,
    actor: &Actor,
) -> Result<plexward_shared::FriendNotifications, ChannelError> {
    let time_zone = wanted
        .time_zone
        .as_deref()
        .map(str::trim)
        .filter(|z| !z.is_empty())
        .map(str::to_owned);
    if let Some(zone) = &time_zone
        && zone.parse::<chrono_tz::Tz>().is_err()
    {
        return Err(ChannelError::Invalid(FieldErrors::from([(
            "time_zone".to_owned(),
            format!("`{zone}` is not an IANA time zone, e.g. Europe/Paris"),
        )])));
    }
    let saved = plexward_shared::FriendNotifications {
        reminder_emails: wanted.reminder_emails,
        time_zone,
    };
    let (actor, value) = (actor.clone(), saved.clone());
    let found = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if db::plex_users::find(conn, id)?.is_none() {
                return Ok(false);
            }
            let before = db::notifications::friend_choices(conn, id)?;
            db::notifications::set_friend_choices(
                conn,
                id,
                value.reminder_emails,
                value.time_zone.as_deref(),
            )?;
            Event::new("notification.friend_update", Outcome::Success, &actor)
                .target("plex_user", id)
                .details(json!({
                    "before": before.map(|(r, z)| json!({"reminder_emails": r, "time_zone": z})),
                    "after": value,
                }))
                .insert(conn)?;
            Ok(true)
        })
    })
    .await?;
    if found {
        Ok(saved)
    } else {
        Err(ChannelError::NotFound)
    }
}
