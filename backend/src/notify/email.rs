//! Email over SMTP (lettre): implicit TLS, STARTTLS (required: never falls back to plain, so a
//! password never crosses in the clear) or plain for a relay nearby. One connection per message
//! (events are rare); the message carries the event id as its Message-ID and in
//! `X-Plexward-Delivery`, so a resend can be recognised.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::notify::send::{ChannelConfig, Failure};

/// How a channel talks to its SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Implicit TLS from the first byte ("SMTPS", port 465).
    Tls,
    /// Plain, then `STARTTLS`; a server that does not offer it is refused.
    StartTls,
    /// Plain all the way (a relay on this machine or network).
    None,
}

impl Security {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "tls" => Some(Self::Tls),
            "starttls" => Some(Self::StartTls),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Self::Tls => 465,
            Self::StartTls => 587,
            Self::None => 25,
        }
    }
}

/// An email as a channel sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email<'a> {
    pub to: &'a [String],
    pub subject: &'a str,
    pub body: &'a str,
    pub event: &'a str,
    pub event_id: &'a str,
}

/// Whether `value` is an address (`Name <a@b>` or `a@b`), in words when not.
pub fn check_address(value: &str) -> Result<(), String> {
    value
        .trim()
        .parse::<Mailbox>()
        .map(|_| ())
        .map_err(|e| format!("`{value}` is not an email address ({e})"))
}

/// Whether `pem` holds a certificate to trust, in words when not.
pub fn check_certificate(pem: &str) -> Result<(), String> {
    if pem.len() > 16_384 || !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err("a PEM certificate (-----BEGIN CERTIFICATE-----), at most 16 KiB".into());
    }
    Certificate::from_pem(pem.as_bytes())
        .map(|_| ())
        .map_err(|e| format!("not a certificate: {e}"))
}

fn mailbox(value: &str, field: &str) -> Result<Mailbox, Failure> {
    value
        .trim()
        .parse::<Mailbox>()
        .map_err(|e| Failure::Config(format!("{field} `{value}` is not an address: {e}")))
}

fn header(name: &str, value: &str) -> Option<HeaderValue> {
    HeaderName::new_from_ascii(name.to_owned())
        .ok()
        .map(|n| HeaderValue::new(n, value.to_owned()))
}

/// The message, checked (addresses parse; the subject is one line).
pub fn message(config: &ChannelConfig, email: &Email<'_>) -> Result<Message, Failure> {
    let from = mailbox(
        config
            .from
            .as_deref()
            .ok_or_else(|| Failure::Config("no sender".into()))?,
        "the sender",
    )?;
    let domain = from.email.domain().to_owned();
    let mut builder = Message::builder()
        .from(from)
        .subject(email.subject.replace(['\r', '\n'], " "))
        .message_id(Some(format!("<{}@{domain}>", email.event_id)))
        .header(ContentType::TEXT_PLAIN);
    if email.to.is_empty() {
        return Err(Failure::Config("no recipient".into()));
    }
    for to in email.to {
        builder = builder.to(mailbox(to, "the recipient")?);
    }
    for h in [
        header("X-Plexward-Event", email.event),
        header("X-Plexward-Delivery", email.event_id),
    ]
    .into_iter()
    .flatten()
    {
        builder = builder.raw_header(h);
    }
    builder
        .body(email.body.to_owned())
        .map_err(|e| Failure::Config(format!("cannot build the message: {e}")))
}

fn transport(
    config: &ChannelConfig,
    password: Option<&str>,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, Failure> {
    let host = config
        .host
        .as_deref()
        .ok_or_else(|| Failure::Config("no SMTP host".into()))?;
    let security = config
        .security
        .as_deref()
        .and_then(Security::parse)
        .ok_or_else(|| Failure::Config("no security mode".into()))?;
    let tls = || {
        let mut params = TlsParameters::builder(host.to_owned());
        if let Some(pem) = config.ca_pem.as_deref().filter(|p| !p.trim().is_empty()) {
            let cert = Certificate::from_pem(pem.as_bytes())
                .map_err(|e| Failure::Config(format!("the trusted certificate: {e}")))?;
            params = params.add_root_certificate(cert);
        }
        params
            .build_rustls()
            .map_err(|e| Failure::Config(format!("TLS: {e}")))
    };
    let tls = match security {
        Security::Tls => Tls::Wrapper(tls()?),
        Security::StartTls => Tls::Required(tls()?),
        Security::None => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(config.port.unwrap_or(security.default_port()))
        .tls(tls)
        .timeout(Some(timeout));
    if let Some(user) = config.username.as_deref().filter(|u| !u.is_empty()) {
        builder = builder.credentials(Credentials::new(
            user.to_owned(),
            password.unwrap_or_default().to_owned(),
        ));
    }
    Ok(builder.build())
}

/// Sends `email`; the SMTP server's code on success.
pub async fn send(
    config: &ChannelConfig,
    password: Option<&str>,
    email: &Email<'_>,
    timeout: Duration,
) -> Result<u16, Failure> {
    let message = message(config, email)?;
    let transport = transport(config, password, timeout)?;
    let ms = timeout.as_millis() as u64;
    match tokio::time::timeout(timeout, transport.send(message)).await {
        Err(_) => Err(Failure::Timeout(ms)),
        Ok(Ok(response)) => Ok(u16::from(response.code())),
        Ok(Err(e)) if e.is_timeout() => Err(Failure::Timeout(ms)),
        Ok(Err(e)) => Err(smtp_failure(&e)),
    }
}

/// An SMTP error in words: the server's own answer when it gave one.
fn smtp_failure(e: &lettre::transport::smtp::Error) -> Failure {
    let code = e.status().map(u16::from);
    let mut words = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        let text = inner.to_string();
        if !words.contains(&text) {
            words = format!("{words}: {text}");
        }
        source = inner.source();
    }
    match code {
        Some(code) => Failure::Smtp {
            code,
            message: words,
        },
        None if e.is_tls() => Failure::Transport(format!("TLS failed: {words}")),
        None => Failure::Transport(words),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ChannelConfig {
        ChannelConfig {
            host: Some("127.0.0.1".into()),
            security: Some("none".into()),
            from: Some("Plexward <plexward@example.com>".into()),
            ..ChannelConfig::default()
        }
    }

    #[test]
    fn a_message_carries_the_delivery_id_and_one_line_subject() {
        let to = vec!["Owner <owner@example.com>".to_owned()];
        let m = message(
            &config(),
            &Email {
                to: &to,
                subject: "Access ending:\r\nBcc: evil@example.com",
                body: "Body",
                event: "access.ending",
                event_id: "e1",
            },
        )
        .expect("builds");
        let raw = String::from_utf8(m.formatted()).expect("utf-8");
        assert!(raw.contains("Message-ID: <e1@example.com>"), "{raw}");
        assert!(raw.contains("X-Plexward-Delivery: e1"), "{raw}");
        assert!(!raw.contains("\r\nBcc:"), "no header injection: {raw}");
    }

    #[test]
    fn bad_addresses_are_config_errors_in_words() {
        let to = vec!["not an address".to_owned()];
        let err = message(
            &config(),
            &Email {
                to: &to,
                subject: "s",
                body: "b",
                event: "e",
                event_id: "1",
            },
        )
        .expect_err("refused");
        assert!(err.to_string().contains("not an address"), "{err}");
    }
}
