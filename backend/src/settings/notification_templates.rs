//! Message templates (admin): each event's subject and body, edited or the default, checked
//! against the event's variables when saved (so a delivery can never fail on its template), a
//! preview with a sample event, and composing the message a delivery sends.

use std::collections::BTreeMap;

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::{
    FRIEND_REMINDER_TEMPLATE, TemplatePreviewRequest, TemplatePreviewResponse, TemplateRequest,
    TemplateResponse, TemplateVariable,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit::{Actor, Event, Outcome};
use crate::db::{self, DbError, DbPool};
use crate::notify::messages::{self, Part, Reader, Template};

type FieldErrors = BTreeMap<String, String>;

const KEY: &str = "notifications.templates";
const SUBJECT_MAX: usize = 200;
const BODY_MAX: usize = 4_000;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("no such template")]
    NotFound,
    #[error("invalid template")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// An edited template as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stored {
    subject: String,
    body: String,
}

fn load(conn: &mut SqliteConnection) -> QueryResult<BTreeMap<String, Stored>> {
    db::settings::get(conn, KEY)
}

fn response(name: &str, stored: Option<&Stored>) -> TemplateResponse {
    let (default_subject, default_body) = messages::default(name);
    TemplateResponse {
        event: name.to_owned(),
        subject: stored
            .map_or(default_subject, |s| s.subject.as_str())
            .to_owned(),
        body: stored.map_or(default_body, |s| s.body.as_str()).to_owned(),
        custom: stored.is_some(),
        default_subject: default_subject.to_owned(),
        default_body: default_body.to_owned(),
        variables: messages::variables(name)
            .into_iter()
            .map(|(name, description)| TemplateVariable {
                name: name.to_owned(),
                description: description.to_owned(),
            })
            .collect(),
    }
}

/// Every template: one per event, then the friend's reminder.
pub async fn list(pool: &DbPool) -> Result<Vec<TemplateResponse>, DbError> {
    let stored = db::run(pool, load).await?;
    Ok(messages::names()
        .map(|name| response(name, stored.get(name)))
        .collect())
}

/// Checks a template as sent: lengths, one-line subject, and the language.
fn check(name: &str, subject: &str, body: &str) -> Result<Template, TemplateError> {
    if !messages::is_name(name) {
        return Err(TemplateError::NotFound);
    }
    let mut errors = FieldErrors::new();
    if subject.trim().is_empty()
        || subject.chars().count() > SUBJECT_MAX
        || subject.contains(['\r', '\n'])
    {
        errors.insert(
            "subject".into(),
            format!("one line of 1–{SUBJECT_MAX} characters"),
        );
    }
    if body.trim().is_empty() || body.chars().count() > BODY_MAX {
        errors.insert("body".into(), format!("1–{BODY_MAX} characters"));
    }
    if !errors.is_empty() {
        return Err(TemplateError::Invalid(errors));
    }
    Template::parse(name, subject, body).map_err(|(part, e)| {
        let field = match part {
            Part::Subject => "subject",
            Part::Body => "body",
        };
        TemplateError::Invalid(FieldErrors::from([(field.to_owned(), e.to_string())]))
    })
}

/// Saves template `name`, audited with what it was.
pub async fn save(
    pool: &DbPool,
    name: &str,
    request: &TemplateRequest,
    actor: &Actor,
) -> Result<TemplateResponse, TemplateError> {
    check(name, &request.subject, &request.body)?;
    let (name, actor) = (name.to_owned(), actor.clone());
    let wanted = Stored {
        subject: request.subject.clone(),
        body: request.body.clone(),
    };
    Ok(db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let mut all = load(conn)?;
            let before = all.insert(name.clone(), wanted.clone());
            db::settings::put(conn, KEY, &all)?;
            Event::new("notification.template_update", Outcome::Success, &actor)
                .target("template", name.as_str())
                .details(json!({"before": before, "after": wanted}))
                .insert(conn)?;
            Ok(response(&name, Some(&wanted)))
        })
    })
    .await?)
}

/// Puts template `name` back to its default.
pub async fn reset(pool: &DbPool, name: &str, actor: &Actor) -> Result<(), TemplateError> {
    if !messages::is_name(name) {
        return Err(TemplateError::NotFound);
    }
    let (name, actor) = (name.to_owned(), actor.clone());
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let mut all = load(conn)?;
            let Some(before) = all.remove(&name) else {
                return Ok(());
            };
            db::settings::put(conn, KEY, &all)?;
            Event::new("notification.template_reset", Outcome::Success, &actor)
                .target("template", name.as_str())
                .details(json!({"before": before}))
                .insert(conn)
        })
    })
    .await?;
    Ok(())
}

/// Where messages are read from: the server's name and zone.
fn reader(conn: &mut SqliteConnection) -> QueryResult<Reader> {
    Ok(Reader {
        server: crate::settings::plex_server::load(conn)?
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "your Plex server".to_owned()),
        time_zone: crate::settings::plex::time_zone(conn)?,
        portal_url: crate::portal::settings::load(conn)?.link(),
    })
}

/// The template as being edited, filled with a sample event.
pub async fn preview(
    pool: &DbPool,
    request: &TemplatePreviewRequest,
) -> Result<TemplatePreviewResponse, TemplateError> {
    let template = check(&request.event, &request.subject, &request.body)?;
    let reader = db::run(pool, reader).await?;
    let (subject, body) = template.render(&messages::values(
        &messages::sample(&request.event),
        &reader,
    ));
    Ok(TemplatePreviewResponse { subject, body })
}

/// The subject and text a delivery of event body `payload` sends: its event's template, or a
/// friend's reminder (`to_friend`) in the friend's own zone when the event names one.
pub fn compose(
    conn: &mut SqliteConnection,
    event: &str,
    payload: &str,
    to_friend: bool,
) -> QueryResult<(String, String)> {
    // A friend's own email: the event's friend template (`friend.<event>`), else the reminder's.
    let own = format!("friend.{event}");
    let name = if !to_friend {
        event
    } else if messages::is_name(&own) {
        own.as_str()
    } else {
        FRIEND_REMINDER_TEMPLATE
    };
    let stored = load(conn)?;
    let template = stored
        .get(name)
        .and_then(|s| Template::parse(name, &s.subject, &s.body).ok())
        .unwrap_or_else(|| Template::default_of(name));
    let payload: Value = serde_json::from_str(payload).unwrap_or_default();
    let mut reader = reader(conn)?;
    if let Some(zone) = payload["details"]["time_zone"]
        .as_str()
        .and_then(|z| z.parse().ok())
    {
        reader.time_zone = zone;
    }
    Ok(template.render(&messages::values(&payload, &reader)))
}
