//! The plex.tv limiter: at most `concurrency` requests in flight and at most `per_second` started
//! each second (a token bucket holding one second's worth, so a lone request after a quiet spell
//! — a window edge — never waits). plex.tv publishes no limits and answers 429 when crossed;
//! Plexward keeps well under what other tools use (spec §5).
//!
//! One limiter per process: every client [`PlexConnection`](super::connection::PlexConnection)
//! builds shares it, so inline applies, bulk, queued applies, reconcile and sync together stay
//! within it. The PMS is the operator's own server and is not limited.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

pub use crate::config::{DEFAULT_PLEXTV_CONCURRENCY, DEFAULT_PLEXTV_PER_SECOND};

#[derive(Debug)]
pub struct PlextvLimiter {
    gate: Semaphore,
    concurrency: usize,
    /// `None`: no rate limit (only the concurrency).
    bucket: Option<Mutex<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    per_second: f64,
    capacity: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Takes a token and returns how long to wait before using it (zero when one was there).
    /// A token taken ahead of time leaves the bucket negative, so waiters queue in order.
    fn take(&mut self, now: Instant) -> Duration {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refill).min(self.capacity);
        self.at = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.per_second)
        }
    }
}

/// Held while a request is in flight.
#[derive(Debug)]
pub struct Permit<'a> {
    _permit: Option<SemaphorePermit<'a>>,
}

impl PlextvLimiter {
    /// `concurrency` ≥ 1 requests at once; `per_second` requests a second (0: unlimited).
    pub fn new(concurrency: usize, per_second: u32) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            gate: Semaphore::new(concurrency),
            concurrency,
            bucket: (per_second > 0).then(|| {
                let rate = f64::from(per_second);
                Mutex::new(Bucket {
                    per_second: rate,
                    capacity: rate,
                    tokens: rate,
                    at: Instant::now(),
                })
            }),
        }
    }

    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Waits for a free slot and a token. The slot is taken first, so a request waiting on the
    /// rate holds no token others could use.
    pub async fn acquire(&self) -> Permit<'_> {
        // `None` only if the semaphore were closed, which nothing does.
        let permit = self.gate.acquire().await.ok();
        if let Some(bucket) = &self.bucket {
            let wait = bucket
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(Instant::now());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        Permit { _permit: permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_lets_a_second_worth_through_then_spaces_requests() {
        let start = Instant::now();
        let mut b = Bucket {
            per_second: 10.0,
            capacity: 10.0,
            tokens: 10.0,
            at: start,
        };
        for _ in 0..10 {
            assert_eq!(b.take(start), Duration::ZERO);
        }
        let wait = b.take(start);
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        let wait = b.take(start);
        assert!(
            (wait.as_secs_f64() - 0.2).abs() < 1e-9,
            "queued behind the first"
        );
        // A quiet second refills it (never beyond one second's worth).
        let later = start + Duration::from_secs(5);
        assert_eq!(b.take(later), Duration::ZERO);
        assert!(b.tokens <= 9.0 + 1e-9);
    }

    #[tokio::test]
    async fn never_more_in_flight_than_the_concurrency() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let limiter = Arc::new(PlextvLimiter::new(2, 0));
        let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (limiter, now, max) = (limiter.clone(), now.clone(), max.clone());
                tokio::spawn(async move {
                    let _p = limiter.acquire().await;
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(n, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
        assert_eq!(max.load(Ordering::SeqCst), 2);
    }
}
