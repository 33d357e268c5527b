//! Notifications as text: event names in words and as test ids, channel kinds, where a
//! delivery stands, what a test send said, and the channel form → the `ChannelRequest` the API
//! takes (each kind with its own settings, email's SMTP ones included). Pure, so it is tested on
//! the host.

use std::collections::BTreeMap;

use plexward_shared::{
    ChannelConfig, ChannelRequest, ChannelResponse, ChannelTestResponse, DeliveryResponse,
    DeliveryState, NOTIFICATION_EVENTS,
};

/// The kinds a channel can be, as the API spells them, with their labels.
pub const CHANNEL_KINDS: [(&str, &str); 4] = [
    ("webhook", "Webhook"),
    ("discord", "Discord"),
    ("ntfy", "ntfy"),
    ("email", "Email"),
];

/// How an email channel talks to its SMTP server, as the API spells it, with its label.
pub const EMAIL_SECURITIES: [(&str, &str); 3] = [
    ("tls", "TLS (SMTPS)"),
    ("starttls", "STARTTLS"),
    ("none", "None (plain, local relay only)"),
];

/// Most recipients of an email channel (the server's rule too).
pub const EMAIL_RECIPIENTS_MAX: usize = 20;

/// The port an email channel uses when none is given: 465 for `tls`, 587 for `starttls`, 25
/// for `none`.
pub fn default_port(security: &str) -> u16 {
    match security {
        "starttls" => 587,
        "none" => 25,
        _ => 465,
    }
}

/// `a@example.com, Bob <b@example.com>` (commas, semicolons or lines between) → the addresses,
/// each once, in order.
pub fn parse_addresses(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for address in text.split([',', ';', '\n']).map(str::trim) {
        if !address.is_empty() && !out.iter().any(|a| a.eq_ignore_ascii_case(address)) {
            out.push(address.to_owned());
        }
    }
    out
}

/// A 422's field name as the form shows it: `config.to[2]` is about the recipients field.
pub fn form_field(server_field: &str) -> &str {
    match server_field.split_once('[') {
        Some((field, _)) => field,
        None => server_field,
    }
}

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
        "access.inactive" => "A friend stopped watching",
        "invite.sent" => "Invite sent",
        "invite.accepted" => "Invite accepted",
        "apply.failed" => "Applying to Plex failed",
        "drift.detected" => "Drift detected",
        "sync.failed" => "Sync failed",
        "plex.unreachable" => "Plex unreachable",
        "plex.recovered" => "Plex reachable again",
        "signin.failures" => "Repeated sign-in failures",
        "plexward.started" => "Plexward started",
        "request.created" => "A friend asked for more",
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

/// Where a channel sends: its URL, the ntfy server and topic, or the SMTP server and recipients.
pub fn destination_words(channel: &ChannelResponse) -> String {
    let c = &channel.config;
    match channel.kind.as_str() {
        "email" => {
            let security = c.security.as_deref().unwrap_or("tls");
            format!(
                "{}:{} ({}) → {}",
                c.host.as_deref().unwrap_or("?"),
                c.port.unwrap_or_else(|| default_port(security)),
                security_label(security),
                c.to.as_deref().unwrap_or_default().join(", ")
            )
        }
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
        ("email", true) => "Password set",
        ("email", false) => "No password",
        (_, true) => "Set",
        (_, false) => "None",
    }
}

/// A security's short label (`starttls` → `STARTTLS`); an unknown one as it is.
pub fn security_label(security: &str) -> &str {
    match security {
        "tls" => "TLS",
        "starttls" => "STARTTLS",
        "none" => "no encryption",
        other => other,
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
    /// Email: the SMTP server and how to reach it.
    pub host: String,
    /// Email: empty for the security's default port.
    pub port: String,
    pub security: String,
    /// Email: empty for no sign-in.
    pub username: String,
    /// Email: a new password (empty: none, or keep the saved one).
    pub password: String,
    /// Email, editing: remove the saved password.
    pub clear_password: bool,
    pub from: String,
    /// Email: the recipients as typed, comma-separated.
    pub to: String,
    /// Email: a certificate to trust (PEM), or empty.
    pub ca_pem: String,
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
            host: String::new(),
            port: String::new(),
            security: "tls".to_owned(),
            username: String::new(),
            password: String::new(),
            clear_password: false,
            from: String::new(),
            to: String::new(),
            ca_pem: String::new(),
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
            host: c.host.clone().unwrap_or_default(),
            port: c.port.map(|p| p.to_string()).unwrap_or_default(),
            security: c.security.clone().unwrap_or_else(|| "tls".to_owned()),
            username: c.username.clone().unwrap_or_default(),
            password: String::new(),
            clear_password: false,
            from: c.from.clone().unwrap_or_default(),
            to: c.to.as_deref().unwrap_or_default().join(", "),
            ca_pem: c.ca_pem.clone().unwrap_or_default(),
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
        errors.insert(
            "kind".into(),
            "Choose webhook, Discord, ntfy or email.".into(),
        );
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
            server: required(&fields.server, "config.server", &mut errors),
            topic: required(&fields.topic, "config.topic", &mut errors),
            ..ChannelConfig::default()
        },
        "email" => email_config(fields, &mut errors),
        _ => ChannelConfig {
            url: required(&fields.url, "config.url", &mut errors),
            ..ChannelConfig::default()
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
    // Sent as typed (a password may start or end with a space); empty keeps the saved one.
    let password = if kind != "email" {
        None
    } else if editing && fields.clear_password {
        Some(String::new())
    } else {
        Some(fields.password.clone()).filter(|p| !p.is_empty())
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
        password,
        rotate_secret: (editing && kind == "webhook" && fields.rotate_secret).then_some(true),
    })
}

/// An email channel's settings from the form, what is missing or unreadable in `errors`.
fn email_config(fields: &ChannelFields, errors: &mut FieldErrors) -> ChannelConfig {
    let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
    let host = text(&fields.host);
    if host.is_none() {
        errors.insert("config.host".into(), "Required.".into());
    }
    let security = fields.security.trim();
    if !EMAIL_SECURITIES.iter().any(|(s, _)| *s == security) {
        errors.insert(
            "config.security".into(),
            "Choose TLS, STARTTLS or none.".into(),
        );
    }
    let port = match fields.port.trim() {
        "" => None,
        typed => match typed.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => {
                errors.insert(
                    "config.port".into(),
                    "A port from 1 to 65535, or empty for the default.".into(),
                );
                None
            }
        },
    };
    let from = text(&fields.from);
    if from.is_none() {
        errors.insert("config.from".into(), "Required.".into());
    }
    let to = parse_addresses(&fields.to);
    if to.is_empty() {
        errors.insert("config.to".into(), "At least one address.".into());
    } else if to.len() > EMAIL_RECIPIENTS_MAX {
        errors.insert(
            "config.to".into(),
            format!("At most {EMAIL_RECIPIENTS_MAX} addresses."),
        );
    }
    ChannelConfig {
        host,
        port,
        security: Some(security.to_owned()),
        username: text(&fields.username),
        from,
        to: Some(to),
        ca_pem: text(&fields.ca_pem),
        ..ChannelConfig::default()
    }
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
        assert_eq!(kind_label("email"), "Email");
        assert_eq!(kind_label("sms"), "sms");
        let hook = channel("webhook", ChannelConfig::default());
        assert_eq!(secret_words(&hook), "Signing secret set");
        let ntfy = channel(
            "ntfy",
            ChannelConfig {
                server: Some("https://ntfy.sh/".into()),
                topic: Some("plexward".into()),
                ..ChannelConfig::default()
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
            recipient: None,
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
                ..ChannelConfig::default()
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
                server: Some("https://ntfy.sh".into()),
                topic: Some("plexward-alerts".into()),
                ..ChannelConfig::default()
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
            kind: "sms".into(),
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

    fn email_form() -> ChannelFields {
        ChannelFields {
            kind: "email".into(),
            name: "Mail".into(),
            url: "http://left-over.example".into(),
            host: " smtp.example.com ".into(),
            security: "starttls".into(),
            username: " plexward ".into(),
            password: " pw with spaces ".into(),
            from: "Plexward <plexward@example.com>".into(),
            to: "ann@example.com, bob@example.com;ann@example.com\n Carl <carl@example.com>".into(),
            events: vec!["sync.failed".into()],
            ..ChannelFields::default()
        }
    }

    #[test]
    fn an_email_form_sends_its_smtp_settings_and_password() {
        let request = channel_request(&email_form(), false).expect("valid");
        assert_eq!(request.kind, "email");
        assert_eq!(
            request.config,
            ChannelConfig {
                host: Some("smtp.example.com".into()),
                port: None,
                security: Some("starttls".into()),
                username: Some("plexward".into()),
                from: Some("Plexward <plexward@example.com>".into()),
                to: Some(vec![
                    "ann@example.com".into(),
                    "bob@example.com".into(),
                    "Carl <carl@example.com>".into(),
                ]),
                ..ChannelConfig::default()
            },
            "no URL, ntfy server or empty certificate sent"
        );
        assert_eq!(
            request.password.as_deref(),
            Some(" pw with spaces "),
            "a password is sent as typed"
        );
        assert_eq!(request.token, None);

        let with_port = ChannelFields {
            port: " 2525 ".into(),
            username: String::new(),
            ca_pem: "-----BEGIN CERTIFICATE-----\n…".into(),
            ..email_form()
        };
        let config = channel_request(&with_port, false).expect("valid").config;
        assert_eq!(config.port, Some(2525));
        assert_eq!(config.username, None, "no sign-in");
        assert!(config.ca_pem.is_some_and(|p| p.starts_with("-----BEGIN")));

        // Editing: empty keeps the saved password, "remove" clears it.
        let keep = ChannelFields {
            password: String::new(),
            ..email_form()
        };
        assert_eq!(channel_request(&keep, true).expect("valid").password, None);
        let clear = ChannelFields {
            clear_password: true,
            ..email_form()
        };
        assert_eq!(
            channel_request(&clear, true)
                .expect("valid")
                .password
                .as_deref(),
            Some("")
        );
        assert_eq!(
            channel_request(&webhook_form(), false)
                .expect("valid")
                .password,
            None
        );
    }

    #[test]
    fn an_email_form_names_what_is_missing() {
        let empty = ChannelFields {
            kind: "email".into(),
            name: "Mail".into(),
            events: vec!["sync.failed".into()],
            ..ChannelFields::default()
        };
        let errors = channel_request(&empty, false).expect_err("invalid");
        assert_eq!(
            errors.keys().map(String::as_str).collect::<Vec<_>>(),
            ["config.from", "config.host", "config.to"]
        );
        let odd = ChannelFields {
            port: "70000".into(),
            security: "ssl".into(),
            to: (0..21).map(|i| format!("u{i}@example.com, ")).collect(),
            ..email_form()
        };
        let errors = channel_request(&odd, false).expect_err("invalid");
        assert_eq!(
            errors.keys().map(String::as_str).collect::<Vec<_>>(),
            ["config.port", "config.security", "config.to"]
        );
        assert_eq!(errors["config.to"], "At most 20 addresses.");
        assert!(
            channel_request(
                &ChannelFields {
                    port: "0".into(),
                    ..email_form()
                },
                false
            )
            .expect_err("port 0")
            .contains_key("config.port")
        );
    }

    #[test]
    fn a_saved_email_channel_fills_the_form_and_reads_as_words() {
        let mut mail = channel(
            "email",
            ChannelConfig {
                host: Some("smtp.example.com".into()),
                security: Some("none".into()),
                from: Some("plexward@example.com".into()),
                to: Some(vec!["ann@example.com".into(), "bob@example.com".into()]),
                ..ChannelConfig::default()
            },
        );
        let fields = ChannelFields::of(&mail);
        assert_eq!(fields.host, "smtp.example.com");
        assert_eq!(fields.port, "");
        assert_eq!(fields.security, "none");
        assert_eq!(fields.to, "ann@example.com, bob@example.com");
        assert!(fields.password.is_empty() && !fields.clear_password);
        assert_eq!(
            destination_words(&mail),
            "smtp.example.com:25 (no encryption) → ann@example.com, bob@example.com"
        );
        mail.config.port = Some(2525);
        mail.config.security = Some("starttls".into());
        assert!(destination_words(&mail).starts_with("smtp.example.com:2525 (STARTTLS)"));
        assert_eq!(secret_words(&mail), "Password set");
        mail.secret_set = false;
        assert_eq!(secret_words(&mail), "No password");
    }

    #[test]
    fn ports_addresses_and_field_names() {
        assert_eq!(default_port("tls"), 465);
        assert_eq!(default_port("starttls"), 587);
        assert_eq!(default_port("none"), 25);
        assert_eq!(
            parse_addresses(" a@x.org,,b@x.org\nA@X.org ; C D <c@x.org> "),
            ["a@x.org", "b@x.org", "C D <c@x.org>"]
        );
        assert!(parse_addresses(" , ").is_empty());
        assert_eq!(form_field("config.to[2]"), "config.to");
        assert_eq!(form_field("config.host"), "config.host");
    }
}
