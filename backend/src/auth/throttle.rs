//! Sign-in throttling, two layers:
//! - per client IP: a token bucket (burst 10, then one attempt every 6 s), answered 429 with
//!   `Retry-After`;
//! - per username (existing or not, so it reveals nothing): after 5 consecutive failures each
//!   further failure locks the name for an escalating delay (1 s, 2 s, 4 s … capped at 15 min).
//!   A success resets it. Lockouts never become permanent (NIST 800-63B: limit, don't lock out).
//!
//! The per-IP bucket is the quota a client can see: every sign-in answer reports it as
//! [`Quota`] (HTTP sends it as the `RateLimit-*` headers).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, RateLimiter};

const FREE_FAILURES: u32 = 5;
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// Names remembered at most; the oldest entries are dropped beyond this (bounded memory).
const MAX_TRACKED: usize = 10_000;

#[derive(Debug)]
pub struct LoginThrottle {
    per_ip: DefaultKeyedRateLimiter<IpAddr, StateInformationMiddleware>,
    per_name: Mutex<HashMap<String, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
    last: Instant,
}

impl LoginThrottle {
    pub fn new(burst: u32, period: Duration) -> Self {
        let quota = governor::Quota::with_period(period)
            .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            per_ip: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            per_name: Mutex::new(HashMap::new()),
        }
    }

    /// Consumes one attempt for `ip`: the quota left after it, or, when over the limit, how
    /// long until the next attempt is allowed (and the quota, then empty).
    pub fn check_ip(&self, ip: IpAddr) -> Result<Quota, Refused> {
        match self.per_ip.check_key(&ip) {
            Ok(state) => {
                let quota = state.quota();
                let (limit, remaining) =
                    (quota.burst_size().get(), state.remaining_burst_capacity());
                Ok(Quota {
                    limit,
                    remaining,
                    reset: quota.replenish_interval() * (limit - remaining.min(limit)),
                })
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let quota = not_until.quota();
                let limit = quota.burst_size().get();
                Err(Refused {
                    wait,
                    quota: Quota {
                        limit,
                        remaining: 0,
                        reset: wait + quota.replenish_interval() * (limit - 1),
                    },
                })
            }
        }
    }

    /// `Err(wait)` while `username` is locked.
    pub fn check_name(&self, username: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let map = self.per_name.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&key(username)).and_then(|f| f.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Records a failure; returns the lock now in force, if any.
    pub fn record_failure(&self, username: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut map = self.per_name.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_TRACKED
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, f)| f.last)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        let entry = map.entry(key(username)).or_insert(Failures {
            count: 0,
            locked_until: None,
            last: now,
        });
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
        if entry.count <= FREE_FAILURES {
            return None;
        }
        let exponent = (entry.count - FREE_FAILURES - 1).min(20);
        let lock = Duration::from_secs(1u64 << exponent).min(MAX_LOCK);
        entry.locked_until = Some(now + lock);
        Some(lock)
    }

    pub fn record_success(&self, username: &str) {
        self.per_name
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key(username));
    }
}

/// A client's sign-in quota at one moment: the IETF `RateLimit-*` fields (draft
/// httpapi-ratelimit-headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Attempts allowed in a burst.
    pub limit: u32,
    /// Attempts left right now.
    pub remaining: u32,
    /// Until the full `limit` is available again (rounded up to whole periods: at most one
    /// period early or late).
    pub reset: Duration,
}

impl Quota {
    /// The same quota, reported as used up for at least `wait` (a refused attempt: the name is
    /// locked even though the address has attempts left).
    pub fn exhausted_for(self, wait: Duration) -> Self {
        Self {
            remaining: 0,
            reset: self.reset.max(wait),
            ..self
        }
    }
}

/// An attempt over the per-IP limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// Until the next attempt is allowed (`Retry-After`).
    pub wait: Duration,
    pub quota: Quota,
}

fn key(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Whole seconds to wait, at least 1 (for `Retry-After`).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_bucket_allows_a_burst_then_refuses() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        let ip: IpAddr = [127, 0, 0, 1].into();
        for left in (0..3).rev() {
            let quota = t.check_ip(ip).expect("within the burst");
            assert_eq!((quota.limit, quota.remaining), (3, left));
            assert_eq!(quota.reset, Duration::from_secs(60) * (3 - left));
        }
        let refused = t.check_ip(ip).expect_err("over the limit");
        assert!(refused.wait > Duration::from_secs(50));
        assert_eq!((refused.quota.limit, refused.quota.remaining), (3, 0));
        assert!(refused.quota.reset > Duration::from_secs(160));
        assert!(
            t.check_ip([127, 0, 0, 2].into()).is_ok(),
            "other IPs unaffected"
        );
    }

    #[test]
    fn failures_escalate_after_five_and_success_resets() {
        let t = LoginThrottle::new(100, Duration::from_secs(1));
        for _ in 0..5 {
            assert_eq!(t.record_failure("Alice"), None);
        }
        assert_eq!(
            t.record_failure("alice"),
            Some(Duration::from_secs(1)),
            "case-insensitive"
        );
        assert_eq!(t.record_failure("alice"), Some(Duration::from_secs(2)));
        assert_eq!(t.record_failure("alice"), Some(Duration::from_secs(4)));
        assert!(t.check_name("ALICE").is_err());
        t.record_success("alice");
        assert!(t.check_name("alice").is_ok());
    }

    #[test]
    fn the_lock_is_capped() {
        let t = LoginThrottle::new(100, Duration::from_secs(1));
        let mut last = None;
        for _ in 0..40 {
            last = t.record_failure("bob");
        }
        assert_eq!(last, Some(MAX_LOCK));
    }
}
