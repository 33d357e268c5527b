//! One HTTP exchange with Plex: headers, the plex.tv limiter, timeouts, and mapping of
//! statuses to [`PlexError`]. No retries here (see `retry.rs`).

use std::sync::Arc;
use std::time::Duration;

use super::config::PlexClientConfig;
use super::error::{PlexError, PlexHost, excerpt};
use super::limiter::PlextvLimiter;
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};

const X_PLEX_TOKEN: HeaderName = HeaderName::from_static("x-plex-token");

/// A status and body received from Plex (2xx only; everything else became an error).
#[derive(Debug)]
pub(crate) struct Received {
    pub status: StatusCode,
    pub body: String,
}

/// What to send.
#[derive(Debug)]
pub(crate) struct Outgoing<'a> {
    pub host: PlexHost,
    pub method: Method,
    /// Path (and query, never a token) below the host's base URL, starting with `/`.
    pub path: &'a str,
    /// JSON body for POST/PUT.
    pub json: Option<&'a serde_json::Value>,
    /// Ask for JSON (`Accept: application/json`); XML otherwise (spec §1).
    pub want_json: bool,
    /// Send a plex.tv request to `clients.plex.tv`, where Plex Web's v2 sharing routes live.
    pub clients: bool,
}

/// The shared HTTP machinery of a [`PlexClient`](super::PlexClient).
pub(crate) struct Transport {
    http: reqwest::Client,
    pms_url: String,
    plextv_url: String,
    /// `clients.plex.tv` for the real plex.tv; the plex.tv URL itself otherwise (the simulator
    /// serves both, spec §7.3).
    clients_url: String,
    token: SecretString,
    /// Requests to plex.tv wait here (shared by every client of the process).
    plextv_limit: Arc<PlextvLimiter>,
    reachability: Option<Arc<super::reachability::Reachability>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("pms_url", &self.pms_url)
            .field("plextv_url", &self.plextv_url)
            .field("token", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

fn base_url(raw: &str, what: &str) -> Result<String, PlexError> {
    let url = reqwest::Url::parse(raw)
        .map_err(|e| PlexError::Config(format!("{what} URL {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
        return Err(PlexError::Config(format!(
            "{what} URL {raw:?} must be http(s) without a query"
        )));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

fn header(name: &'static str, value: &str) -> Result<(HeaderName, HeaderValue), PlexError> {
    let v = HeaderValue::from_str(value)
        .map_err(|_| PlexError::Config(format!("{name} {value:?} is not a valid header value")))?;
    Ok((HeaderName::from_static(name), v))
}

impl Transport {
    pub fn new(config: &PlexClientConfig) -> Result<Self, PlexError> {
        if config.token.expose_secret().is_empty() {
            return Err(PlexError::Config("the Plex token is empty".to_owned()));
        }
        let mut transport = Self::build(config)?;
        transport.pms_url = base_url(&config.pms_url, "PMS")?;
        Ok(transport)
    }

    /// plex.tv only, the token optional (empty: no `X-Plex-Token`): for signing in with Plex,
    /// before there is a token or a server.
    pub fn for_sign_in(config: &PlexClientConfig) -> Result<Self, PlexError> {
        Self::build(config)
    }

    fn build(config: &PlexClientConfig) -> Result<Self, PlexError> {
        crate::install_crypto_provider();
        // Validates the token as a header value up front, so sending cannot fail on it later.
        HeaderValue::from_str(config.token.expose_secret())
            .map_err(|_| PlexError::Config("the Plex token has invalid characters".to_owned()))?;
        let headers: HeaderMap = [
            header("x-plex-client-identifier", &config.client_identifier)?,
            header("x-plex-product", &config.product)?,
            header("x-plex-version", &config.version)?,
            header("x-plex-device-name", &config.product)?,
            header("x-plex-platform", std::env::consts::OS)?,
        ]
        .into_iter()
        .collect();
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // A redirect could carry the token header to another host; Plex never needs one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PlexError::Config(format!("cannot build the HTTP client: {e}")))?;
        let plextv_url = base_url(&config.plextv_url, "plex.tv")?;
        let clients_url = if plextv_url == super::DEFAULT_PLEXTV_URL {
            super::CLIENTS_PLEXTV_URL.to_owned()
        } else {
            plextv_url.clone()
        };
        Ok(Self {
            http,
            pms_url: String::new(),
            plextv_url,
            clients_url,
            token: config.token.clone(),
            reachability: config.reachability.clone(),
            plextv_limit: config
                .limiter
                .clone()
                .unwrap_or_else(|| Arc::new(PlextvLimiter::new(config.plextv_concurrency, 0))),
        })
    }

    /// Sends one request and returns its 2xx response, or the matching [`PlexError`]; the
    /// outcome goes to the reachability record.
    pub async fn send(&self, out: Outgoing<'_>) -> Result<Received, PlexError> {
        let host = out.host;
        let result = self.exchange(out).await;
        if let Some(r) = &self.reachability
            && !matches!(result, Err(PlexError::Config(_)))
        {
            r.record(
                host,
                result.as_ref().map(drop),
                chrono::Utc::now().timestamp_millis(),
            );
        }
        result
    }

    async fn exchange(&self, out: Outgoing<'_>) -> Result<Received, PlexError> {
        let host = out.host;
        let base = match host {
            PlexHost::Pms => &self.pms_url,
            PlexHost::Plextv if out.clients => &self.clients_url,
            PlexHost::Plextv => &self.plextv_url,
        };
        if base.is_empty() {
            return Err(PlexError::Config("no Plex server URL is set".to_owned()));
        }
        let url = format!("{base}{}", out.path);
        let mut req = self.http.request(out.method.clone(), &url);
        if !self.token.expose_secret().is_empty() {
            let mut token = HeaderValue::from_str(self.token.expose_secret()).map_err(|_| {
                PlexError::Config("the Plex token has invalid characters".to_owned())
            })?;
            // Sensitive: reqwest and `http` print it as "Sensitive" in any Debug output.
            token.set_sensitive(true);
            req = req.header(X_PLEX_TOKEN, token);
        }
        if out.want_json {
            req = req.header(ACCEPT, "application/json");
        }
        if let Some(body) = out.json {
            req = req.json(body);
        }
        let _permit = match host {
            PlexHost::Plextv => Some(self.plextv_limit.acquire().await),
            PlexHost::Pms => None,
        };
        tracing::debug!(%host, method = %out.method, path = out.path, "Plex request");
        let method = out.method.as_str();
        let resp = match req.send().await {
            Ok(resp) => resp,
            Err(e) => {
                let status = if e.is_timeout() { "timeout" } else { "error" };
                crate::metrics::global().plex_request(host_label(host), method, out.path, status);
                return Err(transport_error(host, &e));
            }
        };
        let status = resp.status();
        crate::metrics::global().plex_request(host_label(host), method, out.path, status.as_str());
        let retry_after = parse_retry_after(resp.headers());
        let body = resp.text().await.map_err(|e| transport_error(host, &e))?;
        if status.is_success() {
            Ok(Received { status, body })
        } else {
            Err(status_error(
                host,
                status,
                retry_after,
                &body,
                self.token.expose_secret(),
            ))
        }
    }

    /// Scrubs a body for an error message.
    pub fn excerpt(&self, body: &str) -> String {
        excerpt(body, self.token.expose_secret())
    }
}

fn host_label(host: PlexHost) -> &'static str {
    match host {
        PlexHost::Pms => "pms",
        PlexHost::Plextv => "plextv",
    }
}

fn transport_error(host: PlexHost, e: &reqwest::Error) -> PlexError {
    if e.is_timeout() {
        return PlexError::Timeout { host };
    }
    // The chain names the cause ("connection closed before message completed" …). URLs in it
    // never contain the token: it travels only in a header.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    PlexError::Transport { host, message }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by Plex and is ignored).
fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Maps a non-2xx status to its error (spec §5).
fn status_error(
    host: PlexHost,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &str,
    token: &str,
) -> PlexError {
    let lower = body.to_ascii_lowercase();
    match status.as_u16() {
        401 => PlexError::Unauthorized { host },
        422 if lower.contains("invalid token") => PlexError::InvalidToken,
        // v2's "The requested resource or endpoint could not be found" (spec §5).
        404 if v2_error_code(body) == Some(1002) => PlexError::UnknownEndpoint { host },
        404 => PlexError::NotFound { host },
        405 | 410 => PlexError::RouteGone {
            host,
            status: status.as_u16(),
        },
        // v1 answers a duplicate with 400, v2 with 422 (spec §5).
        400 | 422 if lower.contains("already sharing") => PlexError::AlreadyShared {
            message: excerpt(body, token),
        },
        400 | 422 if lower.contains("maximum number") => PlexError::FriendLimit {
            message: excerpt(body, token),
        },
        429 => PlexError::RateLimited { host, retry_after },
        s @ 500..=599 => PlexError::Server { host, status: s },
        s @ 400..=499 => PlexError::Rejected {
            host,
            status: s,
            excerpt: excerpt(body, token),
        },
        s => PlexError::Unexpected {
            host,
            status: s,
            excerpt: excerpt(body, token),
        },
    }
}

/// The first `code` of a v2 error body (`{"errors":[{"code":1002,…}]}`), if it is one.
fn v2_error_code(body: &str) -> Option<i64> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("errors")?.get(0)?.get("code")?.as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_their_errors() {
        let e = |s: u16, body: &str| {
            status_error(
                PlexHost::Plextv,
                StatusCode::from_u16(s).expect("valid status"),
                None,
                body,
                "tok",
            )
        };
        assert!(matches!(e(401, ""), PlexError::Unauthorized { .. }));
        assert!(matches!(
            e(422, "<errors> <error>Invalid token</error> </errors>"),
            PlexError::InvalidToken
        ));
        assert!(matches!(e(404, ""), PlexError::NotFound { .. }));
        assert!(matches!(
            e(
                404,
                r#"{"errors":[{"code":1002,"message":"not found","status":404}]}"#
            ),
            PlexError::UnknownEndpoint { .. }
        ));
        assert!(matches!(
            e(410, "deprecated"),
            PlexError::RouteGone { status: 410, .. }
        ));
        assert!(matches!(
            e(405, ""),
            PlexError::RouteGone { status: 405, .. }
        ));
        assert!(matches!(
            e(
                422,
                r#"{"errors":[{"code":1000,"message":"You're already sharing this server with x"}]}"#
            ),
            PlexError::AlreadyShared { .. }
        ));
        assert!(matches!(
            e(
                400,
                r#"<Response code="400" status="You're already sharing this server with x."/>"#
            ),
            PlexError::AlreadyShared { .. }
        ));
        for (status, body) in [
            (
                400,
                r#"<Response code="400" status="You have reached the maximum number of users (100) you can share with."/>"#,
            ),
            (
                422,
                r#"{"errors":[{"code":1000,"message":"You have reached the maximum number of users (100) you can share with."}]}"#,
            ),
        ] {
            assert!(matches!(e(status, body), PlexError::FriendLimit { .. }));
        }
        assert!(matches!(
            e(400, "bad ids"),
            PlexError::Rejected { status: 400, .. }
        ));
        assert!(matches!(e(429, ""), PlexError::RateLimited { .. }));
        assert!(matches!(e(503, ""), PlexError::Server { status: 503, .. }));
        assert!(matches!(
            e(302, ""),
            PlexError::Unexpected { status: 302, .. }
        ));
    }
}
