//! Typed errors of the Plex client.
//!
//! Callers decide what to do from the *kind* of failure (re-authenticate, back off, treat an
//! existing share as success, alert), so every HTTP outcome the spec (§5) names has its own
//! variant. Nothing in here ever carries the token: bodies are cut to a short excerpt and
//! scrubbed of anything that looks like a token before they are stored.

use std::time::Duration;

use super::models::PmsKey;
use super::routes::Operation;

/// Which Plex host a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlexHost {
    /// The user's Plex Media Server.
    Pms,
    /// plex.tv (Plex's cloud API).
    Plextv,
}

impl std::fmt::Display for PlexHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pms => "the Plex Media Server",
            Self::Plextv => "plex.tv",
        })
    }
}

/// Everything that can go wrong talking to Plex.
#[derive(Debug, thiserror::Error)]
pub enum PlexError {
    /// 401: the token is missing, wrong or revoked.
    #[error("{host} rejected the Plex token (401 Unauthorized)")]
    Unauthorized { host: PlexHost },
    /// 422 "Invalid token" from plex.tv: the token was deauthorized or has expired.
    #[error("plex.tv says the Plex token is invalid or deauthorized (422)")]
    InvalidToken,
    /// 404: unknown share, user, server or endpoint.
    #[error("{host} has no such resource (404)")]
    NotFound { host: PlexHost },
    /// 404 with plex.tv's "unknown endpoint" body (v2 error code 1002): the route, or on a
    /// route that names an object perhaps only the object, is not there. The client decides
    /// which (see `routes.rs`); outside it this reads as [`PlexError::NotFound`].
    #[error("{host} does not know this endpoint (404, code 1002)")]
    UnknownEndpoint { host: PlexHost },
    /// 410 Gone or 405: Plex has retired this route.
    #[error("{host} has retired this route (HTTP {status})")]
    RouteGone { host: PlexHost, status: u16 },
    /// Both of plex.tv's routes for `operation` are retired: Plex offers no way to do it.
    #[error(
        "plex.tv has retired both of its routes for \"{operation}\" ({}; {}); Plexward cannot do this until Plex offers a route again",
        operation.route(super::routes::Api::V1),
        operation.route(super::routes::Api::V2)
    )]
    Retired { operation: Operation },
    /// 400 "You're already sharing this server with …": the user already has a share.
    #[error("plex.tv says this server is already shared with that user: {message}")]
    AlreadyShared { message: String },
    /// 400/422 "…maximum number of users…": the server is shared with as many people as Plex
    /// allows (about 100).
    #[error(
        "plex.tv refuses to share this server with anyone new: it is shared with as many people \
         as Plex allows ({message}); remove someone's access first"
    )]
    FriendLimit { message: String },
    /// 429: slow down. `retry_after` is the server's `Retry-After`, when it sent one.
    #[error("{host} is rate limiting us (429){}", retry_after_text(*.retry_after))]
    RateLimited {
        host: PlexHost,
        retry_after: Option<Duration>,
    },
    /// 5xx from Plex.
    #[error("{host} failed with HTTP {status}")]
    Server { host: PlexHost, status: u16 },
    /// The request or the connection attempt took longer than the configured timeout.
    #[error("{host} did not answer in time")]
    Timeout { host: PlexHost },
    /// The connection failed or was closed before a response arrived.
    #[error("could not reach {host}: {message}")]
    Transport { host: PlexHost, message: String },
    /// Plex refused the request with a 4xx we have no better name for (400, 403, 405, 410 …).
    #[error("{host} refused the request with HTTP {status}: {excerpt}")]
    Rejected {
        host: PlexHost,
        status: u16,
        excerpt: String,
    },
    /// A response we cannot use: a status or a body that does not match the spec.
    #[error("unexpected response from {host} (HTTP {status}): {excerpt}")]
    Unexpected {
        host: PlexHost,
        status: u16,
        excerpt: String,
    },
    /// A PMS library that plex.tv does not list (yet), so it cannot be shared.
    #[error("library {0} is not on plex.tv (yet)")]
    LibraryNotOnPlextv(PmsKey),
    /// The client configuration is unusable (bad base URL, header value …).
    #[error("invalid Plex client configuration: {0}")]
    Config(String),
}

fn retry_after_text(d: Option<Duration>) -> String {
    d.map(|d| format!(", retry after {} s", d.as_secs()))
        .unwrap_or_default()
}

impl PlexError {
    /// Whether a retry can help: rate limits, server errors and transport failures. Auth
    /// failures (401/422) and other 4xx mean the same request will fail again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Timeout { .. }
                | Self::Transport { .. }
        )
    }

    /// Whether the request may have been carried out even though we saw a failure (the
    /// response was lost or the server broke after acting). Creates must re-check after these.
    pub fn is_ambiguous(&self) -> bool {
        matches!(
            self,
            Self::Server { .. } | Self::Timeout { .. } | Self::Transport { .. }
        )
    }

    /// Whether the token itself is the problem (the user must sign in again).
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Unauthorized { .. } | Self::InvalidToken)
    }

    /// The server's `Retry-After`, if this is a rate limit that carried one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Longest excerpt of a body kept in an error.
const EXCERPT_CHARS: usize = 160;

/// A short, single-line excerpt of `body` that is safe to log: our own token is replaced, and
/// so is the value of any attribute or JSON field whose name ends in `token` (plex.tv returns
/// `authToken` and friends' `accessToken`s).
pub(crate) fn excerpt(body: &str, token: &str) -> String {
    let mut text = if token.is_empty() {
        body.to_owned()
    } else {
        body.replace(token, "REDACTED")
    };
    text = redact_token_fields(&text);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(EXCERPT_CHARS).collect();
    if one_line.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// Replaces the value of `…Token="…"` (XML) and `"…Token":"…"` (JSON), case-insensitively.
fn redact_token_fields(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find("token") {
        let name_end = pos + found + "token".len();
        // Skip `"` (JSON key end), then `=` or `:`, then optional spaces, then the opening quote.
        let rest = &text[name_end..];
        let after_key = rest.strip_prefix('"').unwrap_or(rest);
        let after_sep = after_key
            .trim_start()
            .strip_prefix(['=', ':'])
            .map(str::trim_start);
        let Some(value) = after_sep.and_then(|v| v.strip_prefix('"')) else {
            out.push_str(&text[pos..name_end]);
            pos = name_end;
            continue;
        };
        let value_start = text.len() - value.len();
        let Some(close) = value.find('"') else {
            out.push_str(&text[pos..value_start]);
            out.push_str("REDACTED");
            return out;
        };
        out.push_str(&text[pos..value_start]);
        out.push_str("REDACTED");
        pos = value_start + close;
    }
    out.push_str(&text[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_hides_tokens() {
        let body = r#"<user authToken="abc" x="1"/> {"accessToken": "def"} my-secret"#;
        let e = excerpt(body, "my-secret");
        assert!(
            !e.contains("abc") && !e.contains("def") && !e.contains("my-secret"),
            "{e}"
        );
        assert!(e.contains(r#"authToken="REDACTED""#), "{e}");
    }

    #[test]
    fn excerpt_is_short_and_one_line() {
        let body = "a\n".repeat(500);
        let e = excerpt(&body, "t");
        assert!(e.chars().count() <= EXCERPT_CHARS + 1);
        assert!(!e.contains('\n'));
    }
}
