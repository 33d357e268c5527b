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
/// Kinds that can be sent today.
const KINDS: [&str; 3] = ["webhook", "discord", "ntfy"];

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
    let config: send::ChannelConfig = serde_json::from_str(&row.config).unwrap_or_default();
    ChannelResponse {
        id: row.id,
        kind: row.kind.clone(),
        name: row.name.clone(),
        config: ChannelConfig {
            url: config.url.map(|u| redact_url(&row.kind, &u)),
            server: config.server,
            topic: config.topic,
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

/// Checks a channel as sent: its stored config and event list.
fn check(
    request: &ChannelRequest,
    kind: &str,
) -> Result<(String, send::ChannelConfig, Vec<String>), ChannelError> {
    let mut errors = FieldErrors::new();
    if !KINDS.contains(&kind) {
        let why = if kind == "email" {
            "email channels are not available yet: use a webhook, Discord or ntfy".to_owned()
        } else {
            format!("one of {}", KINDS.join(", "))
        };
        errors.insert("kind".into(), why);
    }
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        errors.insert("name".into(), format!("1–{NAME_MAX} characters"));
    }
    let c = &request.config;
    let config = match kind {
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
                url: None,
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
    let secret = match (&shown, request.token.as_deref().map(str::trim)) {
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
    let sealed = match (&shown, request.token.as_deref().map(str::trim)) {
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
    let outcome = send::send(&client, &to, &event_id, "test", &body.to_string(), timeout).await;
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
        state,
        attempts: d.attempts.max(0) as u32,
        last_status: d.last_status.and_then(|s| u16::try_from(s).ok()),
        last_error: d.last_error,
        occurred_at: from_ms(occurred_at),
        next_attempt_at: (state == DeliveryState::Pending).then(|| from_ms(d.next_attempt_at)),
        delivered_at: d.delivered_at.map(from_ms),
    }
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

/// Saves the notification settings (checked field by field), audited.
pub async fn save_settings(
    pool: &DbPool,
    wanted: plexward_shared::NotificationSettings,
    actor: &Actor,
) -> Result<plexward_shared::NotificationSettings, ChannelError> {
    let mut leads = wanted.reminder_leads_minutes.clone();
    leads.sort_unstable_by(|a, b| b.cmp(a));
    leads.dedup();
    if leads.len() > 10 || leads.iter().any(|m| !(1..=525_600).contains(m)) {
        return Err(ChannelError::Invalid(FieldErrors::from([(
            "reminder_leads_minutes".to_owned(),
            "up to 10 leads, each 1–525600 minutes".to_owned(),
        )])));
    }
    let saved = plexward_shared::NotificationSettings {
        reminder_leads_minutes: leads,
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
