//! One attempt to send an event to a channel: the request each kind expects, with the delivery
//! id on it, and what came of it in terms the retry policy understands.

use std::time::Duration;

use serde_json::json;

use crate::notify::signature;

/// A channel's settings, as stored (no secret): the API's shape.
pub type ChannelConfig = plexward_shared::ChannelConfig;

/// What a channel needs to send: its kind, settings and secret (opened).
#[derive(Clone)]
pub struct Destination {
    pub kind: String,
    pub config: ChannelConfig,
    /// Webhook: the signing secret; ntfy: the access token.
    pub secret: Option<String>,
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Destination")
            .field("kind", &self.kind)
            .field("config", &self.config)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("no answer within {0} ms")]
    Timeout(u64),
    #[error("could not connect: {0}")]
    Transport(String),
    #[error("answered HTTP {status}{}", if excerpt.is_empty() { String::new() } else { format!(": {excerpt}") })]
    Status {
        status: u16,
        /// From `Retry-After` (429, 503).
        retry_after: Option<Duration>,
        excerpt: String,
    },
    #[error("the SMTP server refused: {message}")]
    Smtp { code: u16, message: String },
    #[error("the channel is not set up: {0}")]
    Config(String),
}

impl Failure {
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { status, .. } => Some(*status),
            Failure::Smtp { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// One event, ready for a channel: the webhook body as stored (what the signature covers) and
/// the subject and text its template made for the reader.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub event_id: &'a str,
    pub event: &'a str,
    pub payload: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    /// Email: who gets it instead of the channel's `to` (a friend's own reminder).
    pub recipient: Option<&'a str>,
}

/// Sends `out` to `to`; the HTTP status (SMTP code for email) on success.
pub async fn send(
    client: &reqwest::Client,
    to: &Destination,
    out: &Outgoing<'_>,
    timeout: Duration,
) -> Result<u16, Failure> {
    let (event_id, event) = (out.event_id, out.event);
    let request = match to.kind.as_str() {
        "email" => {
            let recipients = match out.recipient {
                Some(r) => vec![r.to_owned()],
                None => to.config.to.clone().unwrap_or_default(),
            };
            let email = super::email::Email {
                to: &recipients,
                subject: out.subject,
                body: out.text,
                event,
                event_id,
            };
            return super::email::send(&to.config, to.secret.as_deref(), &email, timeout).await;
        }
        "webhook" => {
            let url = to
                .config
                .url
                .as_deref()
                .ok_or_else(|| Failure::Config("no url".into()))?;
            let mut r = client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("X-Plexward-Event", event)
                .header("X-Plexward-Delivery", event_id)
                .body(out.payload.to_owned());
            if let Some(secret) = &to.secret {
                r = r.header(
                    "X-Plexward-Signature",
                    signature::header(secret, out.payload.as_bytes()),
                );
            }
            r
        }
        "discord" => {
            let url = to
                .config
                .url
                .as_deref()
                .ok_or_else(|| Failure::Config("no url".into()))?;
            let content: String = format!("**{}**\n{}", out.subject, out.text.trim_end())
                .chars()
                .take(2000)
                .collect();
            client
                .post(url)
                .header("X-Plexward-Delivery", event_id)
                .json(&json!({ "username": "Plexward", "content": content }))
        }
        "ntfy" => {
            let (Some(server), Some(topic)) = (&to.config.server, &to.config.topic) else {
                return Err(Failure::Config("no server or topic".into()));
            };
            let mut r = client
                .post(format!("{}/{topic}", server.trim_end_matches('/')))
                .header("Title", header_text(out.subject))
                .header("Tags", "plexward")
                .header("X-Plexward-Event", event)
                .header("X-Plexward-Delivery", event_id)
                .body(out.text.to_owned());
            if let Some(token) = &to.secret {
                r = r.bearer_auth(token);
            }
            r
        }
        other => {
            return Err(Failure::Config(format!(
                "`{other}` channels are not sent yet"
            )));
        }
    };
    let ms = timeout.as_millis() as u64;
    let response = match tokio::time::timeout(timeout, request.timeout(timeout).send()).await {
        Err(_) => return Err(Failure::Timeout(ms)),
        Ok(Err(e)) if e.is_timeout() => return Err(Failure::Timeout(ms)),
        Ok(Err(e)) => return Err(Failure::Transport(without_url(&e))),
        Ok(Ok(r)) => r,
    };
    let status = response.status().as_u16();
    if response.status().is_success() {
        return Ok(status);
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = tokio::time::timeout(Duration::from_secs(2), response.text())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    Err(Failure::Status {
        status,
        retry_after,
        excerpt: body.chars().take(200).collect(),
    })
}

/// A header's text: ASCII as it is, anything else as an RFC 2047 word (ntfy decodes both).
fn header_text(text: &str) -> String {
    use base64::Engine as _;
    let line = text.replace(['\r', '\n'], " ");
    if line.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        line
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(line.as_bytes())
        )
    }
}

/// A transport error in words, without the URL (a Discord or ntfy URL holds a secret).
fn without_url(e: &reqwest::Error) -> String {
    let mut e = e.to_string();
    if let Some(at) = e.find(" for url (") {
        e.truncate(at);
    }
    e
}
