//! `signin.failures`: a burst of failed sign-ins (wrong passwords and throttled attempts, any
//! account, any address) — [`BURST`] within [`WINDOW_MS`] — told once, then not again for a
//! window, so an attack is one message, not one per guess.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Failed sign-ins within the window that make a burst.
pub const BURST: usize = 10;
/// The window, in milliseconds (10 minutes).
pub const WINDOW_MS: i64 = 600_000;

#[derive(Debug, Default)]
pub struct FailureBurst {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    recent: VecDeque<i64>,
    told_at: Option<i64>,
}

impl FailureBurst {
    /// Records a failed sign-in at `now`; `Some(count)` when this one makes a burst to tell.
    pub fn record(&self, now: i64) -> Option<usize> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.recent.push_back(now);
        while s.recent.front().is_some_and(|t| *t <= now - WINDOW_MS) {
            s.recent.pop_front();
        }
        let quiet = s.told_at.is_none_or(|t| now - t >= WINDOW_MS);
        if s.recent.len() >= BURST && quiet {
            s.told_at = Some(now);
            return Some(s.recent.len());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_told_once_per_window() {
        let b = FailureBurst::default();
        for i in 0..(BURST as i64 - 1) {
            assert_eq!(b.record(i * 1_000), None);
        }
        assert_eq!(b.record(20_000), Some(BURST));
        for i in 0..50 {
            assert_eq!(b.record(21_000 + i), None, "told already");
        }
        // A window later, still under attack: told again.
        assert!(b.record(20_000 + WINDOW_MS).is_some());
    }

    #[test]
    fn failures_spread_over_time_are_no_burst() {
        let b = FailureBurst::default();
        for i in 0..100 {
            assert_eq!(b.record(i * WINDOW_MS / 5), None);
        }
    }
}
