//! What an event says in an email, on Discord or ntfy: each event's default subject and body,
//! the variables its template may use, and filling them in from the event's stored body (so a
//! resend says what the first attempt said, in the recipient's time zone). Webhooks get the JSON
//! body itself, never a template.

use std::collections::BTreeMap;

use serde_json::Value;

use super::template::{self, Node, TemplateError};

/// The common variables, and those of events about a friend, an end, or a failure.
const COMMON: &[(&str, &str)] = &[
    ("event", "The event's name, e.g. access.ending"),
    ("summary", "The event in one sentence"),
    ("occurred_at", "When it happened, in words"),
    ("server", "The Plex server's name"),
];
const FRIEND: &[(&str, &str)] = &[
    ("friend", "The friend's name"),
    ("friend_username", "Their plex.tv username"),
    ("friend_email", "Their plex.tv email"),
    ("libraries", "The libraries, e.g. “Movies and TV Shows”"),
];
const ENDING: &[(&str, &str)] = &[
    (
        "ends_at",
        "When access ends, in words, in the reader's time zone",
    ),
    (
        "lead",
        "How long before the end this reminder is, e.g. “1 day”",
    ),
];
const FAILURE: &[(&str, &str)] = &[("error", "What went wrong, as Plex or Plexward said it")];
const REQUEST: &[(&str, &str)] = &[
    (
        "request",
        "What the friend asked for, e.g. “more time for Movies”",
    ),
    ("message", "The friend's note, when they wrote one"),
];
const DECIDED: &[(&str, &str)] = &[
    ("outcome", "“approved” or “declined”"),
    ("reason", "Why it was declined, when the moderator said"),
];
const INACTIVE: &[(&str, &str)] = &[
    ("inactive_days", "How many days since they last watched"),
    ("acts_at", "When the policy acts, in words"),
];
const PORTAL: &[(&str, &str)] = &[(
    "portal_url",
    "The friend portal's address, while it is on and Settings → Friend portal has one",
)];
const SIGN_IN: &[(&str, &str)] = &[
    ("count", "How many sign-ins failed"),
    ("minutes", "Within how many minutes"),
];

/// The template names: every event, then a friend's own reminder.
pub fn names() -> impl Iterator<Item = &'static str> {
    super::EVENTS.iter().copied().chain([
        plexward_shared::FRIEND_REMINDER_TEMPLATE,
        plexward_shared::FRIEND_INACTIVE_TEMPLATE,
        plexward_shared::FRIEND_REQUEST_TEMPLATE,
    ])
}

pub fn is_name(name: &str) -> bool {
    names().any(|n| n == name)
}

/// Whether event or template `name` is about one friend.
fn about_friend(name: &str) -> bool {
    name.starts_with("access.")
        || name.starts_with("invite.")
        || name.starts_with("friend.")
        || name.starts_with("request.")
        || matches!(name, "apply.failed" | "drift.detected")
}

/// The variables template `name` may use, with what each holds.
pub fn variables(name: &str) -> Vec<(&'static str, &'static str)> {
    let mut vars = COMMON.to_vec();
    if about_friend(name) {
        vars.extend_from_slice(FRIEND);
    }
    if name.ends_with("request.created") || name == plexward_shared::FRIEND_REQUEST_TEMPLATE {
        vars.extend_from_slice(REQUEST);
    }
    if name == plexward_shared::FRIEND_REQUEST_TEMPLATE {
        vars.extend_from_slice(DECIDED);
    }
    if name.ends_with("access.inactive") {
        vars.extend_from_slice(INACTIVE);
    }
    if name.starts_with("friend.") {
        vars.extend_from_slice(PORTAL);
    }
    if name.ends_with("access.ending") {
        vars.extend_from_slice(ENDING);
    }
    if matches!(
        name,
        "apply.failed" | "sync.failed" | "plex.unreachable" | "drift.detected"
    ) {
        vars.extend_from_slice(FAILURE);
    }
    if name == "signin.failures" {
        vars.extend_from_slice(SIGN_IN);
    }
    vars
}

/// The default subject and body of template `name`.
pub fn default(name: &str) -> (&'static str, &'static str) {
    const BODY: &str =
        "{{summary}}\n\n— Plexward{{#if server}} for {{server}}{{/if}}, {{occurred_at}}";
    let subject = match name {
        "access.granted" => "Access given: {{friend}}",
        "access.started" => "Access started: {{friend}}",
        "access.ending" => "Access ending {{ends_at}}: {{friend}}",
        "access.ended" => "Access ended: {{friend}}",
        "invite.sent" => "Invite sent: {{friend}}",
        "invite.accepted" => "Invite accepted: {{friend}}",
        "apply.failed" => "A change keeps failing on Plex: {{friend}}",
        "drift.detected" => "Changed on Plex behind Plexward: {{friend}}",
        "sync.failed" => "Sync with Plex failed",
        "plex.unreachable" => "Plex cannot be reached",
        "plex.recovered" => "Plex answers again",
        "signin.failures" => "{{count}} failed sign-ins to Plexward",
        "plexward.started" => "Plexward started",
        "request.created" => "{{friend}} asks for {{request}}",
        "access.inactive" => "Not watching for {{inactive_days}} days: {{friend}}",
        plexward_shared::FRIEND_INACTIVE_TEMPLATE => "Still watching on {{server}}?",
        plexward_shared::FRIEND_REQUEST_TEMPLATE => "Your request to {{server}} was {{outcome}}",
        _ => "Your access to {{server}} ends {{ends_at}}",
    };
    if name == plexward_shared::FRIEND_INACTIVE_TEMPLATE {
        return (
            subject,
            "Hello {{friend}},\n\n{{summary}}\n{{#if portal_url}}\nSee your access: {{portal_url}}\n{{/if}}",
        );
    }
    if name == plexward_shared::FRIEND_REQUEST_TEMPLATE {
        return (
            subject,
            "Hello {{friend}},\n\n{{summary}}{{#if reason}}\n\nThe reason given: {{reason}}{{/if}}\n{{#if portal_url}}\nSee your access: {{portal_url}}\n{{/if}}",
        );
    }
    if name == plexward_shared::FRIEND_REMINDER_TEMPLATE {
        return (
            subject,
            "Hello {{friend}},\n\nYour access to {{libraries}} on {{server}} ends on {{ends_at}}.\n\nIf you would like it to go on, ask the owner of {{server}}.\n{{#if portal_url}}\nSee your access: {{portal_url}}\n{{/if}}",
        );
    }
    (subject, BODY)
}

/// A subject and body, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub subject: Vec<Node>,
    pub body: Vec<Node>,
}

/// Which part of a template is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Subject,
    Body,
}

impl Template {
    /// Parses a subject and body against the variables of template `name`.
    pub fn parse(name: &str, subject: &str, body: &str) -> Result<Self, (Part, TemplateError)> {
        let known: Vec<&str> = variables(name).into_iter().map(|(n, _)| n).collect();
        Ok(Self {
            subject: template::parse(subject, &known).map_err(|e| (Part::Subject, e))?,
            body: template::parse(body, &known).map_err(|e| (Part::Body, e))?,
        })
    }

    pub fn default_of(name: &str) -> Self {
        let (subject, body) = default(name);
        Self::parse(name, subject, body).unwrap_or_else(|_| Self {
            subject: vec![Node::Var("summary".into())],
            body: vec![Node::Var("summary".into())],
        })
    }

    /// The subject (one line) and body for these variables.
    pub fn render(&self, vars: &BTreeMap<&str, String>) -> (String, String) {
        let subject = template::render(&self.subject, vars)
            .replace(['\r', '\n'], " ")
            .trim()
            .to_owned();
        (subject, template::render(&self.body, vars))
    }
}

/// Where a message is read: the server's name and the time zone times are given in (a friend's
/// own zone in their reminder, when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub server: String,
    pub time_zone: chrono_tz::Tz,
    /// The friend portal's address, while it is on and has one (friends' emails link to it).
    pub portal_url: Option<String>,
}

/// "Friday 12 December at 18:00" in `zone`.
pub fn when_in_words(ms: i64, zone: chrono_tz::Tz) -> String {
    crate::db::time::from_ms(ms)
        .with_timezone(&zone)
        .format("%A %-d %B at %H:%M")
        .to_string()
}

/// "7 days", "1 day", "2 hours", "90 minutes".
pub fn lead_in_words(minutes: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match minutes {
        m if m > 0 && m % 1_440 == 0 => plural(m / 1_440, "day"),
        m if m > 0 && m % 60 == 0 => plural(m / 60, "hour"),
        m => plural(m, "minute"),
    }
}

/// The variables of an event from its webhook body.
pub fn values(payload: &Value, reader: &Reader) -> BTreeMap<&'static str, String> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let time = |v: &Value| {
        v.as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| when_in_words(t.timestamp_millis(), reader.time_zone))
    };
    let details = &payload["details"];
    let friend = &payload["friend"];
    let libraries: Vec<String> = payload["libraries"]
        .as_array()
        .map(|a| a.iter().filter_map(&text).collect())
        .unwrap_or_default();
    let number = |v: &Value| v.as_u64().map(|n| n.to_string());
    let found = [
        ("event", text(&payload["event"])),
        ("summary", text(&details["summary"])),
        ("occurred_at", time(&payload["occurred_at"])),
        ("server", Some(reader.server.clone())),
        ("friend", text(&friend["title"])),
        ("friend_username", text(&friend["username"])),
        ("friend_email", text(&friend["email"])),
        ("libraries", Some(super::and_list(&libraries))),
        ("ends_at", time(&payload["ends_at"])),
        ("lead", details["lead_minutes"].as_u64().map(lead_in_words)),
        ("error", text(&details["error"])),
        ("count", number(&details["count"])),
        ("minutes", number(&details["minutes"])),
        ("request", text(&details["request"])),
        ("message", text(&details["message"])),
        ("outcome", text(&details["outcome"])),
        ("reason", text(&details["reason"])),
        ("inactive_days", number(&details["inactive_days"])),
        ("acts_at", time(&payload["ends_at"])),
        ("portal_url", reader.portal_url.clone()),
    ];
    found
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect()
}

/// A sample body of event `name`, for the template preview.
pub fn sample(name: &str) -> Value {
    let friend = about_friend(name);
    let mut body = serde_json::json!({
        "id": "00000000-0000-4000-8000-000000000000",
        "event": name,
        "occurred_at": "2026-12-11T17:00:00Z",
        "details": {
            "summary": sample_summary(name),
            "lead_minutes": 1440,
            "error": "plex.tv answered 503 Service Unavailable",
            "count": 12,
            "minutes": 10,
            "request": "more time for Movies",
            "message": "Could I keep it until the end of the series?",
            "outcome": "declined",
            "reason": "The server is full this month.",
            "inactive_days": 76,
        },
    });
    if friend {
        body["friend"] = serde_json::json!({
            "id": 1, "title": "Alice Example", "username": "alice", "email": "alice@example.com"
        });
        body["libraries"] = serde_json::json!(["Movies", "TV Shows"]);
        body["ends_at"] = serde_json::json!("2026-12-12T18:00:00Z");
    }
    body
}

fn sample_summary(name: &str) -> &'static str {
    match name {
        "access.granted" => "Alice Example was given Movies and TV Shows.",
        "access.started" => "Alice Example can now use Movies and TV Shows.",
        "access.ending" | "friend.access.ending" => {
            "Alice Example's access to Movies and TV Shows ends on Saturday 12 December at 18:00."
        }
        "access.ended" => "Alice Example no longer has Movies and TV Shows.",
        "invite.sent" => "Alice Example was invited to Movies and TV Shows.",
        "invite.accepted" => "Alice Example accepted the invite.",
        "apply.failed" => "Giving Alice Example Movies failed 3 times: plex.tv answered 503.",
        "drift.detected" => "Alice Example's libraries were changed on Plex, not by Plexward.",
        "sync.failed" => "The sync with Plex failed: plex.tv answered 503.",
        "plex.unreachable" => "Plex has not answered for 2 minutes.",
        "plex.recovered" => "Plex answers again, after 5 minutes.",
        "signin.failures" => "12 sign-ins to Plexward failed within 10 minutes.",
        "request.created" => "Alice Example asks for more time for Movies.",
        "access.inactive" => {
            "Alice Example has not watched anything for 76 days; on Saturday 12 December at 18:00 \
             their access ends."
        }
        "friend.access.inactive" => {
            "You have not watched anything on this server for 76 days. Unless you watch something \
             before Saturday 12 December at 18:00, your access will end."
        }
        "friend.request.decided" => "Your request for more time for Movies was declined.",
        _ => "Plexward started.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_parses_and_fills_in_with_its_sample() {
        let reader = Reader {
            server: "SimServer".into(),
            time_zone: chrono_tz::Europe::Paris,
            portal_url: Some("https://plex.example.com/portal".into()),
        };
        for name in names() {
            let (subject, body) = default(name);
            let t =
                Template::parse(name, subject, body).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let (s, b) = t.render(&values(&sample(name), &reader));
            assert!(!s.is_empty() && !b.is_empty(), "{name}");
            assert!(!s.contains("{{") && !b.contains("{{"), "{name}: {s} / {b}");
        }
    }

    #[test]
    fn a_friend_reads_their_reminder_in_their_zone() {
        let reader = Reader {
            server: "SimServer".into(),
            time_zone: chrono_tz::Europe::Paris,
            portal_url: Some("https://plex.example.com/portal".into()),
        };
        let name = plexward_shared::FRIEND_REMINDER_TEMPLATE;
        let (_, body) = Template::default_of(name).render(&values(&sample(name), &reader));
        assert!(
            body.contains(
                "Your access to Movies and TV Shows on SimServer ends on Saturday 12 December at 19:00."
            ),
            "{body}"
        );
    }

    #[test]
    fn a_friends_email_links_to_the_portal_when_it_has_an_address() {
        let mut reader = Reader {
            server: "SimServer".into(),
            time_zone: chrono_tz::Europe::Paris,
            portal_url: Some("https://plex.example.com/portal".into()),
        };
        for name in names().filter(|n| n.starts_with("friend.")) {
            let template = Template::default_of(name);
            let (_, body) = template.render(&values(&sample(name), &reader));
            assert!(
                body.contains("See your access: https://plex.example.com/portal"),
                "{name}: {body}"
            );
        }
        reader.portal_url = None;
        let name = plexward_shared::FRIEND_REMINDER_TEMPLATE;
        let (_, body) = Template::default_of(name).render(&values(&sample(name), &reader));
        assert!(!body.contains("See your access"), "{body}");
    }

    #[test]
    fn leads_read_in_the_largest_whole_unit() {
        assert_eq!(lead_in_words(10_080), "7 days");
        assert_eq!(lead_in_words(1_440), "1 day");
        assert_eq!(lead_in_words(120), "2 hours");
        assert_eq!(lead_in_words(90), "90 minutes");
        assert_eq!(lead_in_words(1), "1 minute");
    }

    #[test]
    fn a_template_may_only_use_its_events_variables() {
        assert!(Template::parse("plexward.started", "{{friend}}", "").is_err());
        assert!(Template::parse("access.ending", "{{friend}} {{ends_at}}", "").is_ok());
        assert!(Template::parse("sync.failed", "", "{{ends_at}}").is_err());
    }
}
