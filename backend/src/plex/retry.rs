//! Retrying what is safe to retry, with `backon`'s exponential backoff and jitter.
//!
//! Only idempotent requests (GET, PUT, DELETE) go through [`retry_idempotent`]: repeating them
//! cannot make a second share. Creates (POST) use [`backoff`] directly and re-list before every
//! new attempt (see `client.rs`).

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder, Retryable};

use super::config::RetryPolicy;
use super::error::PlexError;

/// The delays between attempts, as an iterator (`None` = give up).
pub(crate) fn backoff(policy: &RetryPolicy) -> impl Iterator<Item = Duration> + Send + use<> {
    builder(policy).build()
}

fn builder(policy: &RetryPolicy) -> ExponentialBuilder {
    let b = ExponentialBuilder::default()
        .with_min_delay(policy.min_delay)
        .with_max_delay(policy.max_delay)
        .with_max_times(policy.max_retries);
    if policy.jitter { b.with_jitter() } else { b }
}

/// The delay before the next attempt: the server's `Retry-After` (capped) when it sent one,
/// else the backoff's own delay. `None` (backoff exhausted) stays `None`.
pub(crate) fn next_delay(
    policy: &RetryPolicy,
    err: &PlexError,
    backoff_delay: Option<Duration>,
) -> Option<Duration> {
    backoff_delay.map(|d| {
        err.retry_after()
            .map_or(d, |ra| ra.min(policy.max_retry_after))
    })
}

/// Runs `op` and retries it on transient failures (429, 5xx, timeouts, transport) only; auth
/// failures and other 4xx are returned at once.
pub(crate) async fn retry_idempotent<T, F, Fut>(
    policy: &RetryPolicy,
    what: &str,
    op: F,
) -> Result<T, PlexError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, PlexError>>,
{
    op.retry(builder(policy))
        .sleep(tokio::time::sleep)
        .when(PlexError::is_transient)
        .adjust(|err, d| next_delay(policy, err, d))
        .notify(|err, delay| {
            tracing::warn!(request = what, error = %err, ?delay, "Plex request failed; retrying");
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plex::error::PlexHost;

    #[test]
    fn retry_after_wins_but_is_capped_and_exhaustion_stays() {
        let policy = RetryPolicy {
            max_retry_after: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        let limited = |s| PlexError::RateLimited {
            host: PlexHost::Plextv,
            retry_after: Some(Duration::from_secs(s)),
        };
        let one = Some(Duration::from_secs(1));
        assert_eq!(
            next_delay(&policy, &limited(2), one),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            next_delay(&policy, &limited(500), one),
            Some(Duration::from_secs(5))
        );
        assert_eq!(next_delay(&policy, &limited(2), None), None);
    }

    #[test]
    fn backoff_yields_max_retries_delays() {
        let policy = RetryPolicy {
            max_retries: 3,
            jitter: false,
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = backoff(&policy).collect();
        assert_eq!(
            delays,
            [1, 2, 4].map(Duration::from_secs).to_vec(),
            "exponential, three retries"
        );
    }
}
