//! Time windows of grants. A grant is active at `t` when `starts_at <= t < ends_at` (start
//! inclusive, end exclusive; a missing bound is open). Times are Unix milliseconds, UTC.

use std::collections::BTreeSet;

use crate::access::recurrence::Weekly;
use crate::plex::PmsKey;

/// One library granted to one friend, possibly for a window of time, or every week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub library: PmsKey,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    /// A weekly rule: the grant is on during its occurrences (and only within `starts_at`..
    /// `ends_at`, which a weekly grant saved through the API leaves open).
    pub repeat: Option<Weekly>,
}

impl Grant {
    pub fn is_active(&self, t: i64) -> bool {
        self.starts_at.is_none_or(|s| s <= t)
            && self.ends_at.is_none_or(|e| t < e)
            && self.repeat.is_none_or(|r| r.is_on(t))
    }

    /// The first instant after `t` at which [`is_active`](Self::is_active) may change.
    pub fn next_edge_after(&self, t: i64) -> Option<i64> {
        let bounds = [self.starts_at, self.ends_at]
            .into_iter()
            .flatten()
            .filter(|&edge| edge > t);
        let weekly = self.repeat.and_then(|r| r.next_edge_after(t));
        bounds.chain(weekly).min()
    }
}

/// The libraries a friend should have at `t`.
pub fn desired_at(grants: &[Grant], t: i64) -> BTreeSet<PmsKey> {
    grants
        .iter()
        .filter(|g| g.is_active(t))
        .map(|g| g.library)
        .collect()
}

/// The first window edge strictly after `t`: when the desired set may next change.
pub fn next_change_after(grants: &[Grant], t: i64) -> Option<i64> {
    grants.iter().filter_map(|g| g.next_edge_after(t)).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grant(key: u64, starts_at: Option<i64>, ends_at: Option<i64>) -> Grant {
        Grant {
            library: PmsKey(key),
            starts_at,
            ends_at,
            repeat: None,
        }
    }

    #[test]
    fn start_is_inclusive_end_is_exclusive() {
        let g = grant(1, Some(100), Some(200));
        assert!(!g.is_active(99));
        assert!(g.is_active(100));
        assert!(g.is_active(199));
        assert!(!g.is_active(200));
    }

    #[test]
    fn open_bounds_mean_from_always_and_forever() {
        assert!(grant(1, None, None).is_active(i64::MIN));
        assert!(grant(1, None, Some(10)).is_active(-5));
        assert!(grant(1, Some(10), None).is_active(i64::MAX));
    }

    #[test]
    fn next_change_is_the_nearest_future_edge() {
        let grants = [grant(1, Some(100), Some(300)), grant(2, None, Some(200))];
        assert_eq!(next_change_after(&grants, 0), Some(100));
        assert_eq!(next_change_after(&grants, 100), Some(200));
        assert_eq!(next_change_after(&grants, 250), Some(300));
        assert_eq!(next_change_after(&grants, 300), None);
    }

    proptest! {
        /// Between two consecutive edges the desired set does not change.
        #[test]
        fn desired_set_only_changes_at_edges(
            windows in proptest::collection::vec((1u64..6, proptest::option::of(0i64..1000), proptest::option::of(0i64..1000)), 0..8),
            t in 0i64..1000,
        ) {
            let grants: Vec<Grant> = windows.into_iter().map(|(k, s, e)| grant(k, s, e)).collect();
            let now = desired_at(&grants, t);
            let until = next_change_after(&grants, t).unwrap_or(1000);
            for u in t..until.min(t + 50) {
                prop_assert_eq!(&desired_at(&grants, u), &now);
            }
        }
    }
}
