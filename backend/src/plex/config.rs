//! Configuration of the Plex client: where Plex lives, who we are, and how patient to be.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::limiter::PlextvLimiter;
use super::routes::Routes;

pub use crate::config::DEFAULT_PLEXTV_URL;

/// How the client talks to Plex. `Debug` is derived on purpose: the token is a
/// [`SecretString`], whose `Debug` prints `[REDACTED]`.
#[derive(Debug, Clone)]
pub struct PlexClientConfig {
    /// PMS base URL, e.g. `http://192.168.1.10:32400` (no trailing path).
    pub pms_url: String,
    /// plex.tv base URL ([`DEFAULT_PLEXTV_URL`] in production).
    pub plextv_url: String,
    /// The owner's Plex token. Only ever sent in the `X-Plex-Token` header.
    pub token: SecretString,
    /// `X-Plex-Client-Identifier`: stable per install (plex.tv ties devices to it).
    pub client_identifier: String,
    /// `X-Plex-Product`.
    pub product: String,
    /// `X-Plex-Version`.
    pub version: String,
    /// Requests allowed in flight to plex.tv at once (spec §5: one; plex.tv limits are low),
    /// when no shared [`limiter`](Self::limiter) is given.
    pub plextv_concurrency: usize,
    /// The process-wide plex.tv limiter, shared by every client built with it. `None`: the
    /// client gets its own, of `plextv_concurrency` and no rate limit.
    pub limiter: Option<Arc<PlextvLimiter>>,
    /// Where each request's outcome is recorded (whether Plex answers). `None`: nowhere.
    pub reachability: Option<Arc<super::reachability::Reachability>>,
    /// The process-wide choice of sharing API per operation (`routes.rs`). `None`: the client
    /// keeps its own, starting on v1.
    pub routes: Option<Arc<Routes>>,
    /// Time allowed to open a TCP (+TLS) connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, response body included.
    pub request_timeout: Duration,
    /// When and how long to retry.
    pub retry: RetryPolicy,
}

impl PlexClientConfig {
    /// A configuration with production defaults: plex.tv at [`DEFAULT_PLEXTV_URL`], one
    /// plex.tv request at a time, 10 s connect / 30 s request timeouts, [`RetryPolicy::default`].
    pub fn new(
        pms_url: impl Into<String>,
        token: SecretString,
        client_identifier: impl Into<String>,
    ) -> Self {
        Self {
            pms_url: pms_url.into(),
            plextv_url: DEFAULT_PLEXTV_URL.to_owned(),
            token,
            client_identifier: client_identifier.into(),
            product: "Plexward".to_owned(),
            version: crate::VERSION.to_owned(),
            plextv_concurrency: 1,
            limiter: None,
            reachability: None,
            routes: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }

    #[must_use]
    pub fn with_plextv_url(mut self, url: impl Into<String>) -> Self {
        self.plextv_url = url.into();
        self
    }

    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self
    }

    #[must_use]
    pub fn with_plextv_concurrency(mut self, n: usize) -> Self {
        self.plextv_concurrency = n;
        self
    }

    /// Shares `routes` with every other client built with it.
    #[must_use]
    pub fn with_routes(mut self, routes: Arc<Routes>) -> Self {
        self.routes = Some(routes);
        self
    }

    /// Shares `limiter` with every other client built with it.
    #[must_use]
    pub fn with_limiter(mut self, limiter: Arc<PlextvLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    pub fn with_reachability(
        mut self,
        reachability: Arc<super::reachability::Reachability>,
    ) -> Self {
        self.reachability = Some(reachability);
        self
    }
}

/// Exponential backoff with jitter (spec §5: 1 s, 2 s, 4 s … capped at 60 s, about 5 tries).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = never retry).
    pub max_retries: usize,
    /// First backoff delay.
    pub min_delay: Duration,
    /// Longest backoff delay.
    pub max_delay: Duration,
    /// Add random jitter so parallel clients do not retry in lock step.
    pub jitter: bool,
    /// Longest `Retry-After` we honour; a larger one is cut to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            jitter: true,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }
}
