//! A worker's sign of life, for `/api/v1/health`: a deadline worker that stopped (a panic, a
//! deadlock, a database that never answers) means deadlines pass unapplied, which a health
//! check must report rather than the process looking fine. It also says up to which time (on
//! the access clock) the worker has handled everything, which tests wait on instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long without a completed pass before the scheduler counts as stalled (passes run at
/// least every second; a slow database may hold one up a few seconds).
pub const STALLED_AFTER: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct Heartbeat {
    started: Instant,
    /// Milliseconds after `started` of the last completed pass; 0 = none yet.
    last_ms: Arc<AtomicU64>,
    /// The access-clock time (Unix ms) up to which the last pass handled everything.
    covered: Arc<AtomicI64>,
    /// Completed passes.
    beats: Arc<AtomicU64>,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self::new()
    }
}

impl Heartbeat {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
            covered: Arc::new(AtomicI64::new(i64::MIN)),
            beats: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Records a completed pass.
    pub fn beat(&self) {
        let ms = self.started.elapsed().as_millis() as u64;
        self.last_ms.store(ms.max(1), Ordering::Relaxed);
        self.beats.fetch_add(1, Ordering::SeqCst);
    }

    /// Records a completed pass that handled everything due up to `now` (access clock, ms).
    pub fn beat_at(&self, now: i64) {
        self.covered.store(now, Ordering::SeqCst);
        self.beat();
    }

    /// The access-clock time up to which everything due was handled (`i64::MIN`: no pass yet).
    pub fn covered(&self) -> i64 {
        self.covered.load(Ordering::SeqCst)
    }

    /// Passes completed since start.
    pub fn beats(&self) -> u64 {
        self.beats.load(Ordering::SeqCst)
    }

    /// Time since the last tick, or since start when there was none.
    pub fn silence(&self) -> Duration {
        self.silence_at(Instant::now())
    }

    fn silence_at(&self, now: Instant) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        now.saturating_duration_since(self.started)
            .saturating_sub(last)
    }

    pub fn is_alive(&self) -> bool {
        self.silence() < STALLED_AFTER
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alive_after_a_beat_and_silence_counts_from_it() {
        let hb = Heartbeat::new();
        assert!(hb.is_alive(), "a fresh start has its grace period");
        hb.beat();
        assert!(hb.silence() < Duration::from_secs(1));
        assert!(hb.is_alive());
    }

    #[test]
    fn stalled_when_no_tick_completes_for_fifteen_seconds() {
        let hb = Heartbeat::new();
        let later = Instant::now() + STALLED_AFTER + Duration::from_secs(1);
        assert!(hb.silence_at(later) > STALLED_AFTER, "never ticked");
        hb.beat();
        assert!(hb.silence_at(later) > STALLED_AFTER - Duration::from_secs(1));
        assert!(hb.silence_at(Instant::now()) < Duration::from_secs(1));
    }
}
