//! Sign-in throttling, aimed at the guesser and never at the account's owner:
//! - per client address (an IPv6 client by its /64, which one machine holds whole): a token
//!   bucket (burst 10, then one attempt every 6 s), answered 429 with `Retry-After`. It is
//!   checked first, so no flood of names gets past it faster than that;
//! - per (username, address): after 5 recent failures each further one locks that name *for
//!   that address* for an escalating time (1 s, 2 s, 4 s … capped at 15 min);
//! - per username, across addresses: past 10 recent failures the name is under attack. An
//!   address that failed on it recently is then refused for the name-wide lock (escalating the
//!   same way); an address with no recent failures is never refused, only slowed (a delay of
//!   250 ms doubling per further failure, capped at 3 s), so the owner's right password from
//!   their own address always works.
//!
//! Failures decay (a half-life of 15 minutes), so failures now and then add up to nothing and a
//! lock ends on its own (NIST 800-63B: limit, don't lock out). A success clears its address's
//! count. Names are compared as sign-in matches them: trimmed, ASCII case folded.
//!
//! Junk cannot wipe a count: names of existing accounts are kept apart from unknown ones and
//! never evicted for them, and where something must go (unknown names, addresses under one
//! name) the least-failed goes first, never the busiest.
//!
//! The per-address bucket is the quota a client can see: every sign-in answer reports it as
//! [`Quota`] (HTTP sends it as the `RateLimit-*` headers).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, RateLimiter};

/// Recent failures allowed per (name, address) before that pair is locked.
const FREE_FAILURES: f64 = 5.0;
/// Recent failures of a name, from anywhere, before it counts as under attack.
const NAME_FREE_FAILURES: f64 = 10.0;
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
const FIRST_DELAY: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(3);
/// How fast failures are forgotten.
const HALF_LIFE: Duration = Duration::from_secs(15 * 60);
/// An address with at least this much failure left on a name "failed recently" there (one
/// failure within about a half-life).
const RECENT: f64 = 0.5;
/// Unknown names remembered at most (bounded memory).
const MAX_UNKNOWN_NAMES: usize = 10_000;
/// Addresses remembered per name at most.
const MAX_ADDRESSES_PER_NAME: usize = 1_000;
/// Address buckets kept before the idle ones are dropped (bounded memory).
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug)]
pub struct LoginThrottle {
    per_ip: DefaultKeyedRateLimiter<IpAddr, StateInformationMiddleware>,
    names: Mutex<Names>,
}

#[derive(Debug, Default)]
struct Names {
    /// Names of existing accounts: as few as the accounts, never evicted.
    accounts: HashMap<String, NameFailures>,
    /// Every other name tried (so an unknown name is throttled exactly like a real one, which
    /// would otherwise tell which names exist).
    unknown: HashMap<String, NameFailures>,
}

/// A failure count that halves every [`HALF_LIFE`].
#[derive(Debug, Clone, Copy)]
struct Decaying {
    value: f64,
    at: Instant,
}

impl Decaying {
    fn new(now: Instant) -> Self {
        Self {
            value: 0.0,
            at: now,
        }
    }

    fn at(&self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.value * 0.5_f64.powf(elapsed / HALF_LIFE.as_secs_f64())
    }

    /// One more failure at `now`; the count after it.
    fn add(&mut self, now: Instant) -> f64 {
        self.value = self.at(now) + 1.0;
        self.at = now;
        self.value
    }
}

#[derive(Debug, Clone, Copy)]
struct Lockable {
    failures: Decaying,
    locked_until: Option<Instant>,
}

impl Lockable {
    fn new(now: Instant) -> Self {
        Self {
            failures: Decaying::new(now),
            locked_until: None,
        }
    }

    fn locked(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|&until| until > now)
            .map(|until| until - now)
    }

    /// Records a failure; past `free` recent ones, locks for 1 s doubling per further failure.
    fn fail(&mut self, now: Instant, free: f64) -> Option<Duration> {
        let count = self.failures.add(now);
        if count <= free {
            return None;
        }
        let lock = doubling(Duration::from_secs(1), count - free, MAX_LOCK);
        self.locked_until = Some(now + lock);
        Some(lock)
    }
}

/// `first`, doubled for every whole step past the first of `excess`, at most `cap`.
fn doubling(first: Duration, excess: f64, cap: Duration) -> Duration {
    let steps = (excess.ceil() as i64 - 1).clamp(0, 30) as u32;
    first.saturating_mul(1 << steps).min(cap)
}

#[derive(Debug, Clone)]
struct NameFailures {
    name_wide: Lockable,
    by_address: HashMap<IpAddr, Lockable>,
}

impl NameFailures {
    fn new(now: Instant) -> Self {
        Self {
            name_wide: Lockable::new(now),
            by_address: HashMap::new(),
        }
    }

    /// How much this name has failed lately, to choose what to forget first.
    fn weight(&self, now: Instant) -> f64 {
        self.name_wide.failures.at(now)
    }
}

/// May a sign-in go ahead?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCheck {
    /// Yes, after this delay (zero unless the name is under attack).
    Go(Duration),
    /// No: this address failed on this name too often lately; wait this long.
    Locked(Duration),
}

impl LoginThrottle {
    pub fn new(burst: u32, period: Duration) -> Self {
        let quota = governor::Quota::with_period(period)
            .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            per_ip: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            names: Mutex::new(Names::default()),
        }
    }

    /// Consumes one attempt for `ip`: the quota left after it, or, when over the limit, how
    /// long until the next attempt is allowed (and the quota, then empty).
    pub fn check_ip(&self, ip: IpAddr) -> Result<Quota, Refused> {
        if self.per_ip.len() > MAX_BUCKETS {
            // Buckets back at full capacity hold nothing worth keeping.
            self.per_ip.retain_recent();
        }
        match self.per_ip.check_key(&client_key(ip)) {
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

    /// Whether an attempt on `username` from `ip` may go ahead, and after what delay.
    pub fn check_name(&self, username: &str, ip: Option<IpAddr>) -> NameCheck {
        self.check_name_at(username, ip, Instant::now())
    }

    fn check_name_at(&self, username: &str, ip: Option<IpAddr>, now: Instant) -> NameCheck {
        let names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        let key = name_key(username);
        let Some(name) = names.accounts.get(&key).or_else(|| names.unknown.get(&key)) else {
            return NameCheck::Go(Duration::ZERO);
        };
        let here = name.by_address.get(&address_key(ip));
        if let Some(wait) = here.and_then(|pair| pair.locked(now)) {
            return NameCheck::Locked(wait);
        }
        let name_wide = name.name_wide.failures.at(now);
        if name_wide <= NAME_FREE_FAILURES {
            return NameCheck::Go(Duration::ZERO);
        }
        let failed_here = here.is_some_and(|pair| pair.failures.at(now) >= RECENT);
        match name.name_wide.locked(now) {
            Some(wait) if failed_here => NameCheck::Locked(wait),
            _ => NameCheck::Go(doubling(
                FIRST_DELAY,
                name_wide - NAME_FREE_FAILURES,
                MAX_DELAY,
            )),
        }
    }

    /// Records a failure of `username` (an existing account's name when `known`) from `ip`;
    /// returns the lock now in force for that address, if any.
    pub fn record_failure(
        &self,
        username: &str,
        ip: Option<IpAddr>,
        known: bool,
    ) -> Option<Duration> {
        self.record_failure_at(username, ip, known, Instant::now())
    }

    fn record_failure_at(
        &self,
        username: &str,
        ip: Option<IpAddr>,
        known: bool,
        now: Instant,
    ) -> Option<Duration> {
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        let key = name_key(username);
        let map = if known {
            // The account may have been tried while it did not exist yet.
            if let Some(before) = names.unknown.remove(&key) {
                names.accounts.insert(key.clone(), before);
            }
            &mut names.accounts
        } else {
            if !names.unknown.contains_key(&key) && names.unknown.len() >= MAX_UNKNOWN_NAMES {
                evict_least(&mut names.unknown, |n| n.weight(now));
            }
            &mut names.unknown
        };
        let name = map.entry(key).or_insert_with(|| NameFailures::new(now));
        name.name_wide.fail(now, NAME_FREE_FAILURES);
        let address = address_key(ip);
        if !name.by_address.contains_key(&address)
            && name.by_address.len() >= MAX_ADDRESSES_PER_NAME
        {
            evict_least(&mut name.by_address, |pair| pair.failures.at(now));
        }
        name.by_address
            .entry(address)
            .or_insert_with(|| Lockable::new(now))
            .fail(now, FREE_FAILURES)
    }

    /// A right password for `username` from `ip`: that address's failures are forgotten. The
    /// name-wide count is not (an attack on the name may still be going on); it decays.
    pub fn record_success(&self, username: &str, ip: Option<IpAddr>) {
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        let Names { accounts, unknown } = &mut *names;
        let key = name_key(username);
        if let Some(name) = accounts.get_mut(&key).or_else(|| unknown.get_mut(&key)) {
            name.by_address.remove(&address_key(ip));
        }
    }
}

/// Drops the entry of least `weight` (the least-failed: never the one under attack).
fn evict_least<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    weight: impl Fn(&V) -> f64,
) {
    if let Some(least) = map
        .iter()
        .min_by(|a, b| weight(a.1).total_cmp(&weight(b.1)))
        .map(|(k, _)| k.clone())
    {
        map.remove(&least);
    }
}

/// A client as the throttles count it: an IPv4 address, or an IPv6 client's /64 (one host
/// usually holds the whole prefix and could otherwise change address per attempt).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(
                u128::from(v6) & 0xffff_ffff_ffff_ffff_0000_0000_0000_0000,
            )),
        },
    }
}

/// The address key of a sign-in (`None`: the socket gave none; such attempts share one key).
fn address_key(ip: Option<IpAddr>) -> IpAddr {
    ip.map(client_key)
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// A username as sign-in matches it: trimmed (the handler trims) and ASCII case folded (the
/// column is `COLLATE NOCASE`, which folds ASCII only).
pub fn name_key(username: &str) -> String {
    username.trim().to_ascii_lowercase()
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

/// Whole seconds to wait, at least 1 (for `Retry-After`).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7)));
    const OWNER: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 9)));

    fn attacker(n: u32) -> Option<IpAddr> {
        Some(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n)))
    }

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
    fn one_ipv6_host_is_one_client() {
        let t = LoginThrottle::new(1, Duration::from_secs(60));
        assert!(t.check_ip("2001:db8:1:2::1".parse().expect("ip")).is_ok());
        assert!(
            t.check_ip("2001:db8:1:2:ffff::9".parse().expect("ip"))
                .is_err(),
            "same /64"
        );
        assert!(t.check_ip("2001:db8:1:3::1".parse().expect("ip")).is_ok());
    }

    #[test]
    fn failures_escalate_per_address_and_success_resets_it() {
        let t = LoginThrottle::new(100, Duration::from_secs(1));
        for _ in 0..5 {
            assert_eq!(t.record_failure(" Alice", A, true), None);
        }
        assert_eq!(
            t.record_failure("ALICE ", A, true),
            Some(Duration::from_secs(1)),
            "case and spaces fold as sign-in matches"
        );
        assert_eq!(
            t.record_failure("alice", A, true),
            Some(Duration::from_secs(2))
        );
        assert!(matches!(t.check_name("alice", A), NameCheck::Locked(_)));
        assert_eq!(
            t.check_name("alice", OWNER),
            NameCheck::Go(Duration::ZERO),
            "another address is not locked"
        );
        t.record_success("alice", A);
        assert_eq!(t.check_name("alice", A), NameCheck::Go(Duration::ZERO));
    }

    #[test]
    fn the_lock_is_capped() {
        let t = LoginThrottle::new(100, Duration::from_secs(1));
        let mut last = None;
        for _ in 0..40 {
            last = t.record_failure("bob", A, true);
        }
        assert_eq!(last, Some(MAX_LOCK));
    }

    #[test]
    fn an_attack_from_many_addresses_slows_the_owner_but_never_refuses_them() {
        let t = LoginThrottle::new(100, Duration::from_secs(1));
        let now = Instant::now();
        for n in 0..60 {
            t.record_failure_at("owner", attacker(n % 6), true, now);
        }
        // Every attacking address is refused: its own lock, or the name-wide one.
        for n in 0..6 {
            assert!(matches!(
                t.check_name_at("owner", attacker(n), now),
                NameCheck::Locked(_)
            ));
        }
        match t.check_name_at("owner", OWNER, now) {
            NameCheck::Go(delay) => assert_eq!(delay, MAX_DELAY, "slowed, capped"),
            locked => panic!("the owner's fresh address was refused: {locked:?}"),
        }
    }

    #[test]
    fn failures_decay_so_now_and_then_adds_up_to_nothing() {
        let t = LoginThrottle::new(100, Duration::from_secs(1));
        let start = Instant::now();
        for hour in 0..48 {
            let at = start + Duration::from_secs(hour * 3600);
            assert_eq!(
                t.record_failure_at("owner", A, true, at),
                None,
                "hour {hour}"
            );
        }
        // A burst is forgotten too: hours later the lock and the slowing are gone.
        for _ in 0..30 {
            t.record_failure_at("carol", A, true, start);
        }
        assert!(matches!(
            t.check_name_at("carol", A, start),
            NameCheck::Locked(_)
        ));
        let later = start + Duration::from_secs(3 * 3600);
        assert_eq!(
            t.check_name_at("carol", A, later),
            NameCheck::Go(Duration::ZERO)
        );
    }

    #[test]
    fn junk_names_cannot_wipe_a_real_accounts_count() {
        let t = LoginThrottle::new(100, Duration::from_secs(1));
        let now = Instant::now();
        for _ in 0..7 {
            t.record_failure_at("owner", A, true, now);
        }
        // Eleven junk names to a slot that holds ten thousand, from as many addresses.
        for n in 0..10_001 {
            t.record_failure_at(&format!("junk{n}"), attacker(n), false, now);
        }
        assert!(
            matches!(t.check_name_at("owner", A, now), NameCheck::Locked(_)),
            "the count survived"
        );
        assert_eq!(
            t.record_failure_at("owner", A, true, now),
            Some(Duration::from_secs(4)),
            "and goes on from where it was (8th failure)"
        );
        let names = t.names.lock().expect("lock");
        assert_eq!(names.unknown.len(), MAX_UNKNOWN_NAMES, "bounded");
    }

    #[test]
    fn junk_addresses_cannot_wipe_the_busiest_one() {
        let t = LoginThrottle::new(100, Duration::from_secs(1));
        let now = Instant::now();
        for _ in 0..7 {
            t.record_failure_at("owner", A, true, now);
        }
        for n in 0..(MAX_ADDRESSES_PER_NAME as u32 + 10) {
            t.record_failure_at("owner", attacker(n), true, now);
        }
        assert!(matches!(
            t.check_name_at("owner", A, now),
            NameCheck::Locked(_)
        ));
    }
}
