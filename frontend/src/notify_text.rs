//! Notifications as text: event names in words and as test ids, channel kinds, where a
//! delivery stands, what a test send said, and the channel form → the `ChannelRequest` the API
//! takes (each kind with its own settings). Pure, so it is tested on the host.

use std::collections::BTreeMap;

use plexward_shared::{
    ChannelConfig, ChannelRequest, ChannelResponse, ChannelTestResponse, DeliveryResponse,
    DeliveryState, NOTIFICATION_EVENTS,
};

/// The kinds a channel can be, as the API spells them, with their labels.
pub const CHANNEL_KINDS: [(&str, &str); 3] = [
    ("webhook", "Webhook"),
    ("discord", "Discord"),
    ("ntfy", "ntfy"),
];

/// Longest channel name (the server's rule too).
pub const CHANNEL_NAME_MAX: usize = 80;

/// A kind's label (`webhook` → `Webhook`); an unknown kind as it is.
pub fn kind_label(kind: &str) -> &str {
    CHANNEL_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, label)| label)
}

/// An event in words (`access.started` → `Access started`); an unknown one as it is.
pub fn event_words(event: &str) -> &str {
    match event {
        "access.granted" => "Access granted",
        "access.started" => "Access started",
        "access.ending" => "Access ending soon",
        "access.ended" => "Access ended",
        "invite.sent" => "Invite sent",
        "invite.accepted" => "Invite accepted",
        "apply.failed" => "Applying to Plex failed",
        "drift.detected" => "Drift detected",
        "sync.failed" => "Sync failed",
        "plex.unreachable" => "Plex unreachable",
        "plex.recovered" => "Plex reachable again",
        "signin.failures" => "Repeated sign-in failures",
        "plexward.started" => "Plexward started",
        "test" => "Test",
        other => other,
    }
}

/// The `data-testid` of an event's checkbox: `access.started` → `channel-event-access-started`.
pub fn event_testid(event: &str) -> String {
    format!("channel-event-{}", event.replace('.', "-"))
}

/// A channel's events in words, in the order of [`NOTIFICATION_EVENTS`] (unknown ones last).
pub fn events_words(events: &[String]) -> String {
    if events.is_empty() {
        return "None".to_owned();
    }
    sorted_events(events)
        .iter()
        .map(|e| event_words(e))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `events` without repeats, in the order of [`NOTIFICATION_EVENTS`] (unknown ones last).
pub fn sorted_events(events: &[String]) -> Vec<String> {
    let rank = |e: &str| {
        NOTIFICATION_EVENTS
            .iter()
            .position(|known| *known == e)
            .unwrap_or(usize::MAX)
    };
    let mut sorted: Vec<String> = Vec::with_capacity(events.len());
    for e in events {
        if !sorted.contains(e) {
            sorted.push(e.clone());
        }
    }
    sorted.sort_by_key(|e| rank(e));
    sorted
}

/// Where a channel sends: its URL, or the ntfy server and topic.
pub fn destination_words(channel: &ChannelResponse) -> String {
    let c = &channel.config;
    match channel.kind.as_str() {
        "ntfy" => format!(
            "{}/{}",
            c.server.as_deref().unwrap_or("?").trim_end_matches('/'),
            c.topic.as_deref().unwrap_or("?")
        ),
        _ => c.url.clone().unwrap_or_default(),
    }
}

/// Whether a secret is set, in the kind's words.
pub fn secret_words(channel: &ChannelResponse) -> &'static str {
    match (channel.kind.as_str(), channel.secret_set) {
        ("webhook", true) => "Signing secret set",
        ("webhook", false) => "No signing secret",
        ("ntfy", true) => "Access token set",
        ("ntfy", false) => "No access token",
        (_, true) => "Set",
        (_, false) => "None",
    }
}

/// What a test send said: `Delivered (HTTP 200)`, or the exact error.
pub fn test_words(answer: &ChannelTestResponse) -> String {
    match (answer.ok, answer.status, answer.error.as_deref()) {
        (true, Some(status), _) => format!("Delivered (HTTP {status})"),
        (true, None, _) => "Delivered".to_owned(),
        (false, _, Some(error)) => format!("Not delivered: {error}"),
        (false, Some(status), None) => format!("Not delivered (HTTP {status})"),
        (false, None, None) => "Not delivered.".to_owned(),
    }
}

/// Every delivery state, in the order the filter offers them.
pub const DELIVERY_STATES: [DeliveryState; 3] = [
    DeliveryState::Pending,
    DeliveryState::Delivered,
    DeliveryState::Dead,
];

/// A state as the API spells it (`?state=`).
pub fn state_name(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Pending => "pending",
        DeliveryState::Delivered => "delivered",
        DeliveryState::Dead => "dead",
    }
}

/// A delivery's state as a badge: its words and the pill's class.
pub fn state_badge(state: DeliveryState) -> (&'static str, &'static str) {
    match state {
        DeliveryState::Pending => ("Pending", "pill warn"),
        DeliveryState::Delivered => ("Delivered", "pill ok"),
        DeliveryState::Dead => ("Dead", "pill bad"),
    }
}

/// Whether a delivery may be sent again: one that is over (delivered or given up). A pending one
/// is still being tried.
pub fn can_resend(state: DeliveryState) -> bool {
    matches!(state, DeliveryState::Delivered | DeliveryState::Dead)
}

/// The last attempt's answer: `HTTP 500: …`, `HTTP 200`, the error, or `—` before any attempt.
pub fn last_answer(delivery: &DeliveryResponse) -> String {
    match (delivery.last_status, delivery.last_error.as_deref()) {
        (_, Some(error)) if !error.is_empty() => error.to_owned(),
        (Some(status), _) => format!("HTTP {status}"),
        _ => "—".to_owned(),
    }
}

/// What the channel form holds (plain values, so it can be checked without a browser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFields {
    pub kind: String,
    pub name: String,
    /// Webhook and Discord.
    pub url: String,
    /// ntfy.
    pub server: String,
    pub topic: String,
    /// ntfy: a new access token (empty: none, or keep the saved one).
    pub token: String,
    /// ntfy, editing: remove the saved token.
    pub clear_token: bool,
    pub events: Vec<String>,
    pub enabled: bool,
    /// Webhook, editing: make a new signing secret.
    pub rotate_secret: bool,
}

impl Default for ChannelFields {
    fn default() -> Self {
        Self {
            kind: "webhook".to_owned(),
            name: String::new(),
            url: String::new(),
            server: "https://ntfy.sh".to_owned(),
            topic: String::new(),
            token: String::new(),
            clear_token: false,
            events: Vec::new(),
            enabled: true,
            rotate_secret: false,
        }
    }
}

impl ChannelFields {
    /// A saved channel in the form. A Discord URL comes back without its token (the server never
    /// shows it), so it starts empty: it has to be pasted again to save.
    pub fn of(channel: &ChannelResponse) -> Self {
        let c = &channel.config;
        Self {
            kind: channel.kind.clone(),
            name: channel.name.clone(),
            url: if channel.kind == "discord" {
                String::new()
            } else {
                c.url.clone().unwrap_or_default()
            },
            server: c.server.clone().unwrap_or_default(),
            topic: c.topic.clone().unwrap_or_default(),
            token: String::new(),
            clear_token: false,
            events: channel.events.clone(),
            enabled: channel.enabled,
            rotate_secret: false,
        }
    }
}

/// Field errors keyed as the server keys them (`name`, `config.url`, `events`, …).
pub type FieldErrors = BTreeMap<String, String>;

/// The form → the request for `POST` (`editing` false) or `PUT` (true), with only the settings
/// of its kind; or what is missing, under the server's field names. The server checks the rest
/// (URL schemes, topic characters) and says so in the same terms.
pub fn channel_request(
    fields: &ChannelFields,
    editing: bool,
) -> Result<ChannelRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let kind = fields.kind.trim();
    if !CHANNEL_KINDS.iter().any(|(k, _)| *k == kind) {
        errors.insert("kind".into(), "Choose webhook, Discord or ntfy.".into());
    }
    let name = fields.name.trim();
    if name.is_empty() {
        errors.insert("name".into(), "Required.".into());
    } else if name.chars().count() > CHANNEL_NAME_MAX {
        errors.insert(
            "name".into(),
            format!("At most {CHANNEL_NAME_MAX} characters."),
        );
    }
    let required = |value: &str, field: &str, errors: &mut FieldErrors| {
        let value = value.trim();
        if value.is_empty() {
            errors.insert(field.to_owned(), "Required.".into());
            None
        } else {
            Some(value.to_owned())
        }
    };
    let config = match kind {
        "ntfy" => ChannelConfig {
            url: None,
            server: required(&fields.server, "config.server", &mut errors),
            topic: required(&fields.topic, "config.topic", &mut errors),
        },
        _ => ChannelConfig {
            url: required(&fields.url, "config.url", &mut errors),
            server: None,
            topic: None,
        },
    };
    let events = sorted_events(&fields.events);
    if events.is_empty() {
        errors.insert("events".into(), "Choose at least one event.".into());
    }
    let token = if kind != "ntfy" {
        None
    } else if editing && fields.clear_token {
        Some(String::new())
    } else {
        Some(fields.token.trim().to_owned()).filter(|t| !t.is_empty())
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ChannelRequest {
        kind: kind.to_owned(),
        name: name.to_owned(),
        config,
        events,
        enabled: Some(fields.enabled),
        token,
        rotate_secret: (editing && kind == "webhook" && fields.rotate_secret).then_some(true),
    })
}

#[cfg(test)]
mod tests {
    use plexward_shared::{
        ChannelConfig, ChannelResponse, ChannelTestResponse, DeliveryResponse, DeliveryState,
        NOTIFICATION_EVENTS,
    };

    use super::*;

    fn channel(kind: &str, config: ChannelConfig) -> ChannelResponse {
        ChannelResponse {
            id: 3,
            kind: kind.into(),
            name: "Scripts".into(),
            config,
            events: vec!["access.started".into(), "access.granted".into()],
            enabled: true,
            secret_set: true,
            created_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
            updated_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        }
    }

    fn webhook_form() -> ChannelFields {
        ChannelFields {
            name: "  Scripts ".into(),
            url: " http://127.0.0.1:9000/hook ".into(),
            events: vec!["access.started".into(), "access.granted".into()],
            ..ChannelFields::default()
        }
    }

    #[test]
    fn events_become_test_ids_and_words() {
        assert_eq!(
            event_testid("access.started"),
            "channel-event-access-started"
        );
        assert_eq!(
            event_testid("plexward.started"),
            "channel-event-plexward-started"
        );
        for event in NOTIFICATION_EVENTS {
            assert_ne!(event_words(event), *event, "{event} has words");
            assert!(!event_testid(event).contains('.'));
        }
        assert_eq!(event_words("something.new"), "something.new");
        assert_eq!(
            events_words(&["access.started".into(), "access.granted".into()]),
            "Access granted, Access started"
        );
        assert_eq!(events_words(&[]), "None");
    }

    #[test]
    fn kinds_and_secrets_read_as_words() {
        assert_eq!(kind_label("ntfy"), "ntfy");
        assert_eq!(kind_label("webhook"), "Webhook");
        assert_eq!(kind_label("email"), "email");
        let hook = channel("webhook", ChannelConfig::default());
        assert_eq!(secret_words(&hook), "Signing secret set");
        let ntfy = channel(
            "ntfy",
            ChannelConfig {
                server: Some("https://ntfy.sh/".into()),
                topic: Some("plexward".into()),
                url: None,
            },
        );
        assert_eq!(destination_words(&ntfy), "https://ntfy.sh/plexward");
        assert_eq!(secret_words(&ntfy), "Access token set");
    }

    #[test]
    fn test_sends_read_as_words() {
        let ok = ChannelTestResponse {
            ok: true,
            status: Some(200),
            error: None,
        };
        assert_eq!(test_words(&ok), "Delivered (HTTP 200)");
        let refused = ChannelTestResponse {
            ok: false,
            status: Some(500),
            error: Some("answered HTTP 500: boom".into()),
        };
        assert_eq!(
            test_words(&refused),
            "Not delivered: answered HTTP 500: boom"
        );
        let silent = ChannelTestResponse {
            ok: false,
            status: None,
            error: None,
        };
        assert_eq!(test_words(&silent), "Not delivered.");
    }

    #[test]
    fn delivery_states_read_as_badges_and_only_finished_ones_resend() {
        assert_eq!(state_badge(DeliveryState::Dead), ("Dead", "pill bad"));
        assert_eq!(state_badge(DeliveryState::Delivered).1, "pill ok");
        assert_eq!(
            DELIVERY_STATES.map(state_name),
            ["pending", "delivered", "dead"]
        );
        assert!(can_resend(DeliveryState::Dead));
        assert!(can_resend(DeliveryState::Delivered));
        assert!(!can_resend(DeliveryState::Pending));
        let mut d = DeliveryResponse {
            id: 1,
            event_id: "e".into(),
            event: "access.granted".into(),
            channel_id: 3,
            state: DeliveryState::Pending,
            attempts: 0,
            last_status: None,
            last_error: None,
            occurred_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
            next_attempt_at: None,
            delivered_at: None,
        };
        assert_eq!(last_answer(&d), "—");
        d.last_status = Some(200);
        assert_eq!(last_answer(&d), "HTTP 200");
        d.last_status = Some(500);
        d.last_error = Some("answered HTTP 500".into());
        assert_eq!(last_answer(&d), "answered HTTP 500");
    }

    #[test]
    fn a_webhook_form_becomes_its_request() {
        let request = channel_request(&webhook_form(), false).expect("valid");
        assert_eq!(request.kind, "webhook");
        assert_eq!(request.name, "Scripts");
        assert_eq!(
            request.config,
            ChannelConfig {
                url: Some("http://127.0.0.1:9000/hook".into()),
                server: None,
                topic: None,
            },
            "only the URL, trimmed: the ntfy server default is not sent"
        );
        assert_eq!(request.events, ["access.granted", "access.started"]);
        assert_eq!(request.enabled, Some(true));
        assert_eq!(request.token, None, "webhooks get a generated secret");
        assert_eq!(request.rotate_secret, None);

        let rotate = ChannelFields {
            rotate_secret: true,
            token: "ignored".into(),
            ..webhook_form()
        };
        assert_eq!(
            channel_request(&rotate, false)
                .expect("valid")
                .rotate_secret,
            None
        );
        let edited = channel_request(&rotate, true).expect("valid");
        assert_eq!(edited.rotate_secret, Some(true));
        assert_eq!(edited.token, None);
    }

    #[test]
    fn an_ntfy_form_sends_server_topic_and_token() {
        let form = ChannelFields {
            kind: "ntfy".into(),
            name: "Phone".into(),
            url: "http://left-over.example".into(),
            topic: "plexward-alerts".into(),
            token: " tk_123 ".into(),
            events: vec!["sync.failed".into()],
            enabled: false,
            ..ChannelFields::default()
        };
        let request = channel_request(&form, false).expect("valid");
        assert_eq!(
            request.config,
            ChannelConfig {
                url: None,
                server: Some("https://ntfy.sh".into()),
                topic: Some("plexward-alerts".into()),
            }
        );
        assert_eq!(request.token.as_deref(), Some("tk_123"));
        assert_eq!(request.enabled, Some(false));
        // Editing: empty keeps the saved token, "remove" clears it.
        let keep = ChannelFields {
            token: String::new(),
            ..form.clone()
        };
        assert_eq!(channel_request(&keep, true).expect("valid").token, None);
        let clear = ChannelFields {
            clear_token: true,
            ..form
        };
        assert_eq!(
            channel_request(&clear, true)
                .expect("valid")
                .token
                .as_deref(),
            Some("")
        );
    }

    #[test]
    fn missing_fields_are_named_as_the_server_names_them() {
        let empty = ChannelFields::default();
        let errors = channel_request(&empty, false).expect_err("invalid");
        assert_eq!(
            errors.keys().map(String::as_str).collect::<Vec<_>>(),
            ["config.url", "events", "name"]
        );
        let ntfy = ChannelFields {
            kind: "ntfy".into(),
            server: " ".into(),
            ..webhook_form()
        };
        let errors = channel_request(&ntfy, false).expect_err("invalid");
        assert_eq!(
            errors.keys().map(String::as_str).collect::<Vec<_>>(),
            ["config.server", "config.topic"]
        );
        let long = ChannelFields {
            name: "x".repeat(81),
            ..webhook_form()
        };
        assert!(
            channel_request(&long, false)
                .expect_err("too long")
                .contains_key("name")
        );
        let odd = ChannelFields {
            kind: "email".into(),
            ..webhook_form()
        };
        assert!(
            channel_request(&odd, false)
                .expect_err("kind")
                .contains_key("kind")
        );
    }

    #[test]
    fn a_saved_channel_fills_the_form() {
        let hook = channel(
            "webhook",
            ChannelConfig {
                url: Some("https://example.com/hook".into()),
                ..ChannelConfig::default()
            },
        );
        let fields = ChannelFields::of(&hook);
        assert_eq!(fields.url, "https://example.com/hook");
        assert_eq!(fields.events, ["access.started", "access.granted"]);
        assert!(fields.token.is_empty() && !fields.rotate_secret);
        let discord = channel(
            "discord",
            ChannelConfig {
                url: Some("https://discord.com/api/webhooks/1/…".into()),
                ..ChannelConfig::default()
            },
        );
        assert_eq!(
            ChannelFields::of(&discord).url,
            "",
            "the redacted URL is not sent back"
        );
    }
}
