//! One attempt to send an event to a channel: the request each kind expects, with the delivery
//! id on it, and what came of it in terms the retry policy understands.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::notify::signature;

/// A channel's settings, as stored (no secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelConfig {
    /// Webhook and Discord: where to POST.
    pub url: Option<String>,
    /// ntfy: the server (`https://ntfy.sh`) and topic.
    pub server: Option<String>,
    pub topic: Option<String>,
}

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
    #[error("the channel is not set up: {0}")]
    Config(String),
}

impl Failure {
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Sends event `event_id` (`event`, its webhook body `payload`) to `to`; the status on success.
pub async fn send(
    client: &reqwest::Client,
    to: &Destination,
    event_id: &str,
    event: &str,
    payload: &str,
    timeout: Duration,
) -> Result<u16, Failure> {
    let summary = serde_json::from_str::<Value>(payload)
        .ok()
        .and_then(|v| v["details"]["summary"].as_str().map(str::to_owned))
        .unwrap_or_else(|| event.to_owned());
    let request = match to.kind.as_str() {
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
                .body(payload.to_owned());
            if let Some(secret) = &to.secret {
                r = r.header(
                    "X-Plexward-Signature",
                    signature::header(secret, payload.as_bytes()),
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
            let content: String = format!("**{event}** — {summary}")
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
                .header("Title", format!("Plexward: {event}"))
                .header("Tags", "plexward")
                .header("X-Plexward-Delivery", event_id)
                .body(summary);
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

/// A transport error in words, without the URL (a Discord or ntfy URL holds a secret).
fn without_url(e: &reqwest::Error) -> String {
    let mut e = e.to_string();
    if let Some(at) = e.find(" for url (") {
        e.truncate(at);
    }
    e
}
