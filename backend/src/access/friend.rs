//! One friend as Plexward reasons about them: their grants, what Plex has, and the rules that
//! decide what they should have, the plan that would make Plex match, and their status. Pure:
//! everything comes from rows loaded by the caller (`friend_load`) and an explicit `now`, so list,
//! detail, applier and scheduler agree. What the API shows is mapped in `friend_dto`; what the
//! read model caches is computed once per change in `friend_view`.

use std::collections::{BTreeMap, BTreeSet};

use plexward_shared::{ApplyState, EndPolicy, EndPolicyView};

use crate::access::planner::{ActualShare, EndRule, Plan, plan_ending};
use crate::access::window::{Grant, desired_at};
use crate::db::apply_states::ApplyRow;
use crate::db::libraries::Library;
use crate::db::plex_users::{GrantRow, PlexUser};
use crate::plex::{PmsKey, ShareId};

pub use crate::access::friend_dto::describe_plan;

/// The server's libraries and the anchor, loaded once per request or apply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Present (not removed) libraries: id → PMS key, and back.
    key_by_id: BTreeMap<i64, PmsKey>,
    id_by_key: BTreeMap<PmsKey, i64>,
    /// Every library's title (removed ones too: old grants still name them).
    title_by_id: BTreeMap<i64, String>,
    /// The anchor library's id, when set *and* still on the server.
    anchor: Option<i64>,
    /// The server's time zone (*Settings → Plex*): where a date given without a time is read.
    time_zone: chrono_tz::Tz,
    /// What happens when access ends, for friends without their own choice.
    end_policy: EndPolicy,
}

impl Catalog {
    pub fn new(libraries: &[Library], anchor: Option<i64>) -> Self {
        let present = libraries.iter().filter(|l| l.removed_at.is_none());
        let key_by_id: BTreeMap<i64, PmsKey> =
            present.map(|l| (l.id, PmsKey(l.pms_key as u64))).collect();
        let id_by_key = key_by_id.iter().map(|(id, key)| (*key, *id)).collect();
        let title_by_id = libraries.iter().map(|l| (l.id, l.title.clone())).collect();
        let anchor = anchor.filter(|a| key_by_id.contains_key(a));
        Self {
            key_by_id,
            id_by_key,
            title_by_id,
            anchor,
            time_zone: chrono_tz::Tz::UTC,
            end_policy: EndPolicy::KeepFriend,
        }
    }

    /// The catalog with this default end policy (`keep_friend` unless set).
    pub fn with_end_policy(self, end_policy: EndPolicy) -> Self {
        Self { end_policy, ..self }
    }

    pub fn end_policy(&self) -> EndPolicy {
        self.end_policy
    }

    /// The catalog with the server's time zone (UTC unless set).
    pub fn in_time_zone(self, time_zone: chrono_tz::Tz) -> Self {
        Self { time_zone, ..self }
    }

    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }

    pub fn anchor_id(&self) -> Option<i64> {
        self.anchor
    }

    pub fn anchor_key(&self) -> Option<PmsKey> {
        self.anchor.and_then(|id| self.key_by_id.get(&id).copied())
    }

    /// Whether `id` is a library present on the server.
    /// The present (not removed) libraries' ids.
    pub fn library_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.key_by_id.keys().copied()
    }

    pub fn has_library(&self, id: i64) -> bool {
        self.key_by_id.contains_key(&id)
    }

    /// How many libraries are present on the server.
    pub fn present(&self) -> usize {
        self.key_by_id.len()
    }

    pub fn key_of(&self, id: i64) -> Option<PmsKey> {
        self.key_by_id.get(&id).copied()
    }

    /// The title of library `id` (`#id` when unknown).
    pub fn title_of(&self, id: i64) -> String {
        self.title_by_id
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }

    /// The title of the library with PMS key `key` (`key #n` when unknown).
    pub fn title_of_key(&self, key: i64) -> String {
        let key = PmsKey(key as u64);
        match self.id_by_key.get(&key) {
            Some(id) => self.title_of(*id),
            None => format!("key #{}", key.0),
        }
    }

    /// The present library titled `title` (case aside), or why there is none.
    pub fn id_titled(&self, title: &str) -> Result<i64, String> {
        let found: Vec<i64> = self
            .title_by_id
            .iter()
            .filter(|(id, t)| self.key_by_id.contains_key(id) && t.eq_ignore_ascii_case(title))
            .map(|(id, _)| *id)
            .collect();
        match found.as_slice() {
            [id] => Ok(*id),
            [] => Err(format!("no library titled `{title}` on the server")),
            _ => Err(format!(
                "several libraries are titled `{title}`: give its library_id"
            )),
        }
    }

    /// Library ids of `keys`, skipping keys no longer on the server.
    pub fn ids_of<'a>(&self, keys: impl IntoIterator<Item = &'a PmsKey>) -> Vec<i64> {
        keys.into_iter()
            .filter_map(|k| self.id_by_key.get(k).copied())
            .collect()
    }
}

/// A window edge: library `library_id` is gained (`starts`) or lost at `at` (Unix ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub at: i64,
    pub library_id: i64,
    pub starts: bool,
}

/// A friend with their grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Friend {
    pub user: PlexUser,
    pub grants: Vec<GrantRow>,
    /// `None`: Plexward never applied anything for them.
    pub apply: Option<ApplyRow>,
}

impl Friend {
    pub fn departed(&self) -> bool {
        self.user.departed_at.is_some()
    }

    /// The grants as windows over libraries present on the server (a removed library cannot be
    /// shared, so its grant is kept but ignored).
    pub fn windows(&self, catalog: &Catalog) -> Vec<(i64, Grant)> {
        self.grants
            .iter()
            .filter_map(|&(library_id, _, starts_at, ends_at, repeat)| {
                catalog.key_of(library_id).map(|library| {
                    (
                        library_id,
                        Grant {
                            library,
                            starts_at,
                            ends_at,
                            repeat: repeat.and_then(|r| {
                                crate::access::repeat_edges::weekly(&r, catalog.time_zone())
                            }),
                        },
                    )
                })
            })
            .collect()
    }

    /// What Plex has, as last seen (by a sync or our own apply).
    pub fn actual_share(&self) -> Option<ActualShare> {
        let share_id = self.user.share_id?;
        Some(ActualShare {
            share_id: ShareId(share_id as u64),
            libraries: self.actual_set(),
            pending: self.user.share_pending,
            sharing: self.user.actual_sharing.clone(),
        })
    }

    /// The PMS keys Plex shares with them, as last seen.
    pub fn actual_set(&self) -> BTreeSet<PmsKey> {
        self.user.actual.iter().map(|k| PmsKey(*k as u64)).collect()
    }

    /// PMS keys the grants give at `now` (before the anchor).
    pub fn desired_keys(&self, catalog: &Catalog, now: i64) -> BTreeSet<PmsKey> {
        let windows: Vec<Grant> = self.windows(catalog).into_iter().map(|(_, g)| g).collect();
        desired_at(&windows, now)
    }

    /// The operation that would make Plex match at `now`. Departed friends get nothing.
    pub fn plan(&self, catalog: &Catalog, now: i64) -> Plan {
        self.plan_for(&self.desired_keys(catalog, now), catalog, now)
    }

    /// The operation that would make Plex match `desired` at `now`. Departed friends get
    /// nothing.
    pub fn plan_for(&self, desired: &BTreeSet<PmsKey>, catalog: &Catalog, now: i64) -> Plan {
        if self.departed() {
            return Plan::Nothing;
        }
        // The end rule only matters once nothing is desired (its edges cost a little).
        let end = if desired.is_empty() {
            self.end_rule(catalog, now)
        } else {
            EndRule::default()
        };
        plan_ending(
            desired,
            self.user.sharing.as_ref(),
            self.actual_share().as_ref(),
            catalog.anchor_key(),
            end,
        )
    }

    /// The end policy in effect: theirs, else the catalog's default. Home users are never
    /// removed from the owner's friends (they are in the Home): at most their share ends.
    pub fn end_policy(&self, catalog: &Catalog) -> EndPolicy {
        match self.user.end_policy.unwrap_or(catalog.end_policy()) {
            EndPolicy::RemoveFriend if self.user.home => EndPolicy::RemoveShare,
            policy => policy,
        }
    }

    /// The end policy as the API shows it.
    pub fn end_policy_view(&self, catalog: &Catalog) -> EndPolicyView {
        let effective = self.end_policy(catalog);
        let anchor = catalog.anchor_id().map(|id| catalog.title_of(id));
        EndPolicyView {
            chosen: self.user.end_policy,
            effective,
            words: effective.words(&self.user.title, anchor.as_deref()),
        }
    }

    /// What the end policy needs to know about them at `now`.
    pub fn end_rule(&self, catalog: &Catalog, now: i64) -> EndRule {
        EndRule {
            policy: self.end_policy(catalog),
            more_to_come: self.edges_after(catalog, now).iter().any(|e| e.starts),
            had_access: !self.grants.is_empty(),
            removed: self.user.removed_at.is_some(),
        }
    }

    /// Every window edge after `now`, soonest first (a start before an end of the same
    /// instant only when it comes first in grant order).
    pub fn edges_after(&self, catalog: &Catalog, now: i64) -> Vec<Edge> {
        edges_after(&self.windows(catalog), now)
    }

    /// The next window edge after `now`: when the desired set may next change.
    pub fn next_change(&self, catalog: &Catalog, now: i64) -> Option<Edge> {
        self.edges_after(catalog, now).first().copied()
    }

    /// The soonest end among grants active at `now`.
    pub fn expires_at(&self, catalog: &Catalog, now: i64) -> Option<i64> {
        expires_at(&self.windows(catalog), now)
    }

    /// Plex shares other libraries, or has other sharing settings, than Plexward last applied
    /// (someone changed them on Plex directly).
    pub fn drift(&self) -> bool {
        self.library_drift() || self.sharing_drift()
    }

    /// Plex has other libraries than Plexward last applied (changed on Plex directly).
    pub fn library_drift(&self) -> bool {
        if self.departed() {
            return false;
        }
        match self.apply.as_ref().and_then(ApplyRow::applied_keys) {
            None => false,
            Some(applied) => {
                let applied: BTreeSet<i64> = applied.into_iter().collect();
                let actual: BTreeSet<i64> = self.user.actual.iter().copied().collect();
                applied != actual
            }
        }
    }

    /// Settings Plexward manages that Plex no longer has as applied. Only while there is a
    /// share and both sides are known; unmanaged settings are Plex's to change.
    pub fn sharing_drift(&self) -> bool {
        if self.departed() || self.user.share_id.is_none() || self.user.sharing.is_none() {
            return false;
        }
        match (
            self.apply.as_ref().and_then(ApplyRow::applied_sharing),
            &self.user.actual_sharing,
        ) {
            (Some(applied), Some(actual)) => applied != *actual,
            _ => false,
        }
    }

    /// The stored apply state; a friend never applied is "applied" when Plex already matches
    /// their grants (`plan`) and "queued" otherwise.
    pub fn apply_state(&self, plan: &Plan) -> ApplyState {
        if self.departed() {
            return ApplyState::Departed;
        }
        match self.apply.as_ref().map(|a| a.state.as_str()) {
            Some("failed") => ApplyState::Failed,
            Some("queued") => ApplyState::Queued,
            _ if *plan != Plan::Nothing => ApplyState::Queued,
            _ if self.user.share_pending => ApplyState::PendingInvite,
            _ => ApplyState::Applied,
        }
    }

    /// A change was saved and its apply has not finished (it may have reached Plex before a
    /// crash cut it off).
    pub fn queued(&self) -> bool {
        !self.departed() && self.apply.as_ref().is_some_and(|a| a.state == "queued")
    }

    pub fn failed(&self) -> bool {
        !self.departed() && self.apply.as_ref().is_some_and(|a| a.state == "failed")
    }
}

/// Weekly occurrences listed ahead as edges (a timeline shows the next few, not all of them).
const WEEKLY_AHEAD: usize = 4;

/// Every edge of `windows` after `now`, soonest first; equal instants keep grant order. A weekly
/// grant gives the edges of its next few occurrences.
pub fn edges_after(windows: &[(i64, Grant)], now: i64) -> Vec<Edge> {
    let mut edges: Vec<Edge> = windows
        .iter()
        .flat_map(|(library_id, g)| {
            let weekly = g
                .repeat
                .map(|r| r.next_occurrences(now, WEEKLY_AHEAD))
                .unwrap_or_default()
                .into_iter()
                .flat_map(|(start, end)| [(Some(start), true), (Some(end), false)]);
            let once = [(g.starts_at, true), (g.ends_at, false)];
            once.into_iter()
                .chain(weekly)
                .filter_map(move |(at, starts)| {
                    at.filter(|&at| at > now).map(|at| Edge {
                        at,
                        library_id: *library_id,
                        starts,
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    edges.sort_by_key(|e| e.at);
    edges
}

/// The soonest end among `windows` active at `now`.
pub fn expires_at(windows: &[(i64, Grant)], now: i64) -> Option<i64> {
    windows
        .iter()
        .filter(|(_, g)| g.is_active(now))
        .filter_map(|(_, g)| g.ends_at)
        .min()
}
