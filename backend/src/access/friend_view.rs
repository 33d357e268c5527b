//! A friend's derived view: everything the lists, the detail and the summary show about them,
//! computed in one pass over their windows. It only changes when an input changes (grants, what
//! Plex has, the apply state, the libraries and anchor) or at the friend's next window edge, so
//! the read model computes it once per such change and serves it until then.

use plexward_shared::{ApplyState, FriendStatus, expires_within};

use crate::access::friend::{Catalog, Edge, Friend, edges_after, expires_at};
use crate::access::planner::{ActualShare, Plan};
use crate::access::window::{Grant, desired_at};

/// Occurrences of a weekly grant a friend's detail lists.
const NEXT_OCCURRENCES: usize = 4;

/// What the friend looks like at `computed_at`, valid until [`FriendView::valid_until`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendView {
    pub friend: Friend,
    pub computed_at: i64,
    /// Library ids the grants give now (before the anchor), in PMS key order.
    pub granted_library_ids: Vec<i64>,
    /// Library ids Plex shares now (those still on the server), in PMS key order.
    pub actual_library_ids: Vec<i64>,
    pub actual_share: Option<ActualShare>,
    /// Every window edge after `computed_at`, soonest first; the first is the next change.
    pub upcoming: Vec<Edge>,
    /// The soonest end among the grants active now.
    pub expires_at: Option<i64>,
    /// Per grant (parallel to `friend.grants`): whether its window contains `computed_at`.
    pub grants_active: Vec<bool>,
    /// Per grant (parallel to `friend.grants`): a weekly grant's next occurrences (`[start,
    /// end)`, the current one first), empty for the others.
    pub grants_occurrences: Vec<Vec<(i64, i64)>>,
    pub active: bool,
    pub scheduled: bool,
    pub expired: bool,
    pub drift: bool,
    pub plan: Plan,
    pub apply_state: ApplyState,
}

impl FriendView {
    pub fn compute(friend: Friend, catalog: &Catalog, now: i64) -> Self {
        let windows = friend.windows(catalog);
        let plain: Vec<Grant> = windows.iter().map(|(_, g)| *g).collect();
        let desired = desired_at(&plain, now);
        let plan = friend.plan_for(&desired, catalog, now);
        let actual_share = friend.actual_share();
        let actual_library_ids = catalog.ids_of(&friend.actual_set());
        let grants_active = friend
            .grants
            .iter()
            .map(|&(library_id, ..)| {
                windows
                    .iter()
                    .any(|(id, g)| *id == library_id && g.is_active(now))
            })
            .collect();
        let grants_occurrences = friend
            .grants
            .iter()
            .map(|&(library_id, ..)| {
                windows
                    .iter()
                    .find(|(id, _)| *id == library_id)
                    .and_then(|(_, g)| g.repeat)
                    .map(|r| r.next_occurrences(now, NEXT_OCCURRENCES))
                    .unwrap_or_default()
            })
            .collect();
        let active = plain.iter().any(|g| g.is_active(now));
        // A weekly grant that is off now is on again later: scheduled, not expired.
        let scheduled = plain.iter().any(|g| {
            g.starts_at.is_some_and(|s| s > now)
                || (g.repeat.is_some() && !g.is_active(now) && g.next_edge_after(now).is_some())
        });
        Self {
            granted_library_ids: catalog.ids_of(&desired),
            actual_library_ids,
            actual_share,
            upcoming: edges_after(&windows, now),
            expires_at: expires_at(&windows, now),
            grants_active,
            grants_occurrences,
            active,
            scheduled,
            expired: !windows.is_empty() && !active && !scheduled,
            drift: friend.drift(),
            apply_state: friend.apply_state(&plan),
            plan,
            computed_at: now,
            friend,
        }
    }

    pub fn id(&self) -> i64 {
        self.friend.user.id
    }

    pub fn departed(&self) -> bool {
        self.friend.departed()
    }

    pub fn next_change(&self) -> Option<Edge> {
        self.upcoming.first().copied()
    }

    /// Until when (exclusive, Unix ms) this view stays true: the next window edge. `None`:
    /// until an input changes.
    pub fn valid_until(&self) -> Option<i64> {
        self.next_change().map(|e| e.at)
    }

    /// Access ending within `within_days` of `now` (not departed).
    pub fn expiring(&self, now: i64, within_days: u32) -> bool {
        !self.departed()
            && self
                .expires_at
                .is_some_and(|end| expires_within(end, now, within_days))
    }

    pub fn has_status(&self, status: FriendStatus, within_days: u32, now: i64) -> bool {
        let departed = self.departed();
        match status {
            FriendStatus::Departed => departed,
            _ if departed => false,
            // An invite not accepted yet gives no access: `pending`, never `active`.
            FriendStatus::Active => self.active && !self.friend.user.share_pending,
            FriendStatus::Expiring => self.expiring(now, within_days),
            FriendStatus::Expired => self.expired,
            FriendStatus::Scheduled => self.scheduled,
            FriendStatus::Pending => self.friend.user.share_pending,
            FriendStatus::Failed => self.friend.failed(),
            FriendStatus::Drift => self.drift,
        }
    }

    /// Needs an operator's look: the apply failed, or Plex drifted from what was applied.
    pub fn needs_attention(&self) -> bool {
        !self.departed() && (self.friend.failed() || self.drift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::apply_states::ApplyRow;
    use crate::db::libraries::Library;
    use crate::db::plex_users::PlexUser;

    const H: i64 = 3_600_000;
    const DAY: i64 = 24 * H;
    const NOW: i64 = 1_000 * DAY;

    fn library(id: i64, key: i64, title: &str, removed: bool) -> Library {
        Library {
            id,
            pms_key: key,
            plextv_id: None,
            title: title.into(),
            kind: "movie".into(),
            removed_at: removed.then_some(1),
            created_at: 0,
            updated_at: 0,
        }
    }

    /// Movies (id 1, key 10), TV (id 2, key 20), Old (id 3, key 30, removed).
    fn catalog(anchor: Option<i64>) -> Catalog {
        Catalog::new(
            &[
                library(1, 10, "Movies", false),
                library(2, 20, "TV", false),
                library(3, 30, "Old", true),
            ],
            anchor,
        )
    }

    fn friend(grants: &[(i64, Option<i64>, Option<i64>)], actual: &[i64]) -> Friend {
        Friend {
            user: PlexUser {
                id: 7,
                plex_user_id: 70,
                title: "alice".into(),
                username: Some("alice".into()),
                email: None,
                thumb: None,
                home: false,
                share_id: (!actual.is_empty()).then_some(700),
                share_pending: false,
                actual: actual.to_vec(),
                departed_at: None,
                first_seen_at: 0,
                last_synced_at: 0,
                actual_sharing: None,
                sharing: None,
                version: 1,
                end_policy: None,
                removed_at: None,
                given_plan: None,
                last_watched_at: None,
            },
            grants: grants
                .iter()
                .map(|&(library, s, e)| (library, library * 10, s, e, None))
                .collect(),
            apply: None,
        }
    }

    fn applied(keys: &[i64], state: &str) -> ApplyRow {
        ApplyRow {
            plex_user_id: 7,
            state: state.into(),
            error: (state == "failed").then(|| "boom".into()),
            attempts: i64::from(state == "failed"),
            next_retry_at: None,
            applied_at: Some(1),
            applied_libraries: Some(serde_json::to_string(keys).expect("json")),
            applied_sharing: None,
            updated_at: 1,
        }
    }

    #[test]
    fn an_active_window_gives_its_library_and_ends_next() {
        let f = friend(
            &[(1, None, Some(NOW + 2 * DAY)), (2, Some(NOW + H), None)],
            &[10],
        );
        let v = FriendView::compute(f, &catalog(None), NOW);
        assert_eq!(v.granted_library_ids, [1]);
        assert_eq!(v.actual_library_ids, [1]);
        assert_eq!(v.expires_at, Some(NOW + 2 * DAY));
        assert_eq!(
            v.upcoming,
            [
                Edge {
                    at: NOW + H,
                    library_id: 2,
                    starts: true
                },
                Edge {
                    at: NOW + 2 * DAY,
                    library_id: 1,
                    starts: false
                },
            ]
        );
        assert_eq!(v.valid_until(), Some(NOW + H));
        assert_eq!(v.grants_active, [true, false]);
        assert!(v.active && v.scheduled && !v.expired);
        assert_eq!(v.plan, Plan::Nothing);
        assert_eq!(v.apply_state, ApplyState::Applied);
        assert!(v.expiring(NOW, 7) && !v.expiring(NOW, 1));
        assert!(v.has_status(FriendStatus::Expiring, 7, NOW));
    }

    #[test]
    fn the_view_at_an_edge_differs_from_the_view_just_before() {
        let f = friend(&[(1, Some(NOW + H), None)], &[]);
        let before = FriendView::compute(f.clone(), &catalog(None), NOW + H - 1);
        let at = FriendView::compute(f, &catalog(None), NOW + H);
        assert!(before.granted_library_ids.is_empty() && before.scheduled);
        assert_eq!(before.valid_until(), Some(NOW + H));
        assert_eq!(at.granted_library_ids, [1]);
        assert!(at.active && !at.scheduled);
        assert_eq!(
            at.valid_until(),
            None,
            "no edge left: valid until an input changes"
        );
        assert!(matches!(at.plan, Plan::Create { .. }), "{:?}", at.plan);
        assert_eq!(
            at.apply_state,
            ApplyState::Queued,
            "never applied, Plex differs"
        );
    }

    #[test]
    fn removed_libraries_are_ignored_and_past_windows_are_expired() {
        let f = friend(&[(1, None, Some(NOW - H)), (3, None, None)], &[]);
        let v = FriendView::compute(f, &catalog(None), NOW);
        assert!(v.granted_library_ids.is_empty());
        assert!(v.expired && !v.active && !v.scheduled);
        assert!(v.upcoming.is_empty());
        assert_eq!(v.grants_active, [false, false]);
        assert!(v.has_status(FriendStatus::Expired, 7, NOW));
    }

    #[test]
    fn drift_failure_and_departure_come_from_the_stored_rows() {
        let mut f = friend(&[(1, None, None)], &[10, 20]);
        f.apply = Some(applied(&[10], "applied"));
        let v = FriendView::compute(f.clone(), &catalog(None), NOW);
        assert!(v.drift && v.needs_attention());
        assert!(matches!(v.plan, Plan::Update { .. }));
        f.apply = Some(applied(&[10, 20], "failed"));
        let v = FriendView::compute(f.clone(), &catalog(None), NOW);
        assert!(!v.drift);
        assert_eq!(v.apply_state, ApplyState::Failed);
        assert!(v.has_status(FriendStatus::Failed, 7, NOW) && v.needs_attention());
        f.user.departed_at = Some(NOW - DAY);
        let v = FriendView::compute(f, &catalog(None), NOW);
        assert_eq!(v.apply_state, ApplyState::Departed);
        assert_eq!(v.plan, Plan::Nothing);
        assert!(v.has_status(FriendStatus::Departed, 7, NOW));
        assert!(!v.has_status(FriendStatus::Active, 7, NOW) && !v.needs_attention());
    }

    #[test]
    fn the_anchor_rides_along_in_the_plan_not_in_the_granted_ids() {
        let f = friend(&[(1, None, None)], &[]);
        let v = FriendView::compute(f, &catalog(Some(2)), NOW);
        assert_eq!(v.granted_library_ids, [1]);
        match &v.plan {
            Plan::Create { libraries, .. } => {
                assert_eq!(libraries.as_set().len(), 2, "Movies and the anchor");
            }
            other => panic!("{other:?}"),
        }
    }
}
