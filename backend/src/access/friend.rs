//! One friend as Plexward reasons about them: their grants, what Plex has, the plan that would make
//! Plex match, their status, and the API view of all that. Pure: everything comes from rows loaded
//! by the caller and an explicit `now`, so list, detail, applier and scheduler agree.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::{
    ApplyState, ApplyStatus, FriendStatus, GrantResponse, NextChange, PlanAction, PlanResponse,
    PlexUserDetailResponse, PlexUserResponse,
};

use crate::access::planner::{ActualShare, Plan, plan};
use crate::access::window::{Grant, desired_at, next_change_after};
use crate::db;
use crate::db::apply_states::ApplyRow;
use crate::db::libraries::Library;
use crate::db::plex_users::{GrantRow, PlexUser};
use crate::db::time::from_ms;
use crate::plex::{PmsKey, ShareId};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The server's libraries and the anchor, loaded once per request or apply.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Present (not removed) libraries: id → PMS key, and back.
    key_by_id: BTreeMap<i64, PmsKey>,
    id_by_key: BTreeMap<PmsKey, i64>,
    /// The anchor library's id, when set *and* still on the server.
    anchor: Option<i64>,
}

impl Catalog {
    pub fn load(conn: &mut SqliteConnection) -> QueryResult<Self> {
        let libraries = db::libraries::list(conn)?;
        let prefs = crate::settings::plex::load(conn)?;
        Ok(Self::new(&libraries, prefs.anchor_library_id))
    }

    pub fn new(libraries: &[Library], anchor: Option<i64>) -> Self {
        let present = libraries.iter().filter(|l| l.removed_at.is_none());
        let key_by_id: BTreeMap<i64, PmsKey> =
            present.map(|l| (l.id, PmsKey(l.pms_key as u64))).collect();
        let id_by_key = key_by_id.iter().map(|(id, key)| (*key, *id)).collect();
        let anchor = anchor.filter(|a| key_by_id.contains_key(a));
        Self {
            key_by_id,
            id_by_key,
            anchor,
        }
    }

    pub fn anchor_id(&self) -> Option<i64> {
        self.anchor
    }

    pub fn anchor_key(&self) -> Option<PmsKey> {
        self.anchor.and_then(|id| self.key_by_id.get(&id).copied())
    }

    /// Whether `id` is a library present on the server.
    pub fn has_library(&self, id: i64) -> bool {
        self.key_by_id.contains_key(&id)
    }

    pub fn key_of(&self, id: i64) -> Option<PmsKey> {
        self.key_by_id.get(&id).copied()
    }

    /// Library ids of `keys`, skipping keys no longer on the server.
    pub fn ids_of<'a>(&self, keys: impl IntoIterator<Item = &'a PmsKey>) -> Vec<i64> {
        keys.into_iter()
            .filter_map(|k| self.id_by_key.get(k).copied())
            .collect()
    }
}

/// A friend with their grants.
#[derive(Debug, Clone)]
pub struct Friend {
    pub user: PlexUser,
    pub grants: Vec<GrantRow>,
    /// `None`: Plexward never applied anything for them.
    pub apply: Option<ApplyRow>,
}

impl Friend {
    pub fn load(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<Self>> {
        let Some(user) = db::plex_users::find(conn, id)? else {
            return Ok(None);
        };
        let grants = db::plex_users::grants_of(conn, id)?;
        let apply = db::apply_states::find(conn, id)?;
        Ok(Some(Self {
            user,
            grants,
            apply,
        }))
    }

    pub fn load_all(conn: &mut SqliteConnection) -> QueryResult<Vec<Self>> {
        let mut grants = db::plex_users::all_grants(conn)?;
        let mut applies: HashMap<i64, ApplyRow> = db::apply_states::all(conn)?
            .into_iter()
            .map(|a| (a.plex_user_id, a))
            .collect();
        Ok(db::plex_users::list(conn)?
            .into_iter()
            .map(|user| Self {
                grants: grants.remove(&user.id).unwrap_or_default(),
                apply: applies.remove(&user.id),
                user,
            })
            .collect())
    }

    /// The grants as windows over libraries present on the server (a removed library cannot be
    /// shared, so its grant is kept but ignored).
    pub fn windows(&self, catalog: &Catalog) -> Vec<(i64, Grant)> {
        self.grants
            .iter()
            .filter_map(|&(library_id, _, starts_at, ends_at)| {
                catalog.key_of(library_id).map(|library| {
                    (
                        library_id,
                        Grant {
                            library,
                            starts_at,
                            ends_at,
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
            libraries: self
                .user
                .actual_keys()
                .into_iter()
                .map(|k| PmsKey(k as u64))
                .collect(),
            pending: self.user.share_pending,
        })
    }

    /// PMS keys the grants give at `now` (before the anchor).
    pub fn desired_keys(&self, catalog: &Catalog, now: i64) -> BTreeSet<PmsKey> {
        let windows: Vec<Grant> = self.windows(catalog).into_iter().map(|(_, g)| g).collect();
        desired_at(&windows, now)
    }

    /// The operation that would make Plex match at `now`. Departed friends get nothing.
    pub fn plan(&self, catalog: &Catalog, now: i64) -> Plan {
        if self.user.departed_at.is_some() {
            return Plan::Nothing;
        }
        plan(
            &self.desired_keys(catalog, now),
            self.actual_share().as_ref(),
            catalog.anchor_key(),
        )
    }

    pub fn plan_response(&self, catalog: &Catalog, now: i64) -> PlanResponse {
        describe_plan(
            &self.plan(catalog, now),
            self.actual_share().as_ref(),
            catalog,
        )
    }

    pub fn next_change(&self, catalog: &Catalog, now: i64) -> Option<NextChange> {
        let windows = self.windows(catalog);
        let plain: Vec<Grant> = windows.iter().map(|(_, g)| *g).collect();
        let at = next_change_after(&plain, now)?;
        windows.iter().find_map(|(library_id, g)| {
            let starts = g.starts_at == Some(at);
            (starts || g.ends_at == Some(at)).then(|| NextChange {
                at: from_ms(at),
                library_id: *library_id,
                starts,
            })
        })
    }

    /// The soonest end among grants active at `now`.
    pub fn expires_at(&self, catalog: &Catalog, now: i64) -> Option<i64> {
        self.windows(catalog)
            .iter()
            .filter(|(_, g)| g.is_active(now))
            .filter_map(|(_, g)| g.ends_at)
            .min()
    }

    pub fn drift(&self) -> bool {
        if self.user.departed_at.is_some() {
            return false;
        }
        match self.apply.as_ref().and_then(ApplyRow::applied_keys) {
            None => false,
            Some(applied) => {
                let applied: BTreeSet<i64> = applied.into_iter().collect();
                let actual: BTreeSet<i64> = self.user.actual_keys().into_iter().collect();
                applied != actual
            }
        }
    }

    /// The stored apply state; a friend never applied is "applied" when Plex already matches
    /// their grants and "queued" otherwise.
    pub fn apply_status(&self, catalog: &Catalog, now: i64) -> ApplyStatus {
        let stored = self.apply.as_ref();
        let state = if self.user.departed_at.is_some() {
            ApplyState::Departed
        } else {
            match stored.map(|a| a.state.as_str()) {
                Some("failed") => ApplyState::Failed,
                Some("queued") => ApplyState::Queued,
                _ if self.plan(catalog, now) != Plan::Nothing => ApplyState::Queued,
                _ if self.user.share_pending => ApplyState::PendingInvite,
                _ => ApplyState::Applied,
            }
        };
        ApplyStatus {
            state,
            error: stored.and_then(|a| a.error.clone()),
            attempts: stored.map_or(0, |a| a.attempts.max(0) as u32),
            next_retry_at: stored.and_then(|a| a.next_retry_at).map(from_ms),
            applied_at: stored.and_then(|a| a.applied_at).map(from_ms),
        }
    }

    /// A change was saved and its apply has not finished (it may have reached Plex before a
    /// crash cut it off).
    pub fn queued(&self) -> bool {
        self.user.departed_at.is_none() && self.apply.as_ref().is_some_and(|a| a.state == "queued")
    }

    pub fn failed(&self) -> bool {
        self.user.departed_at.is_none() && self.apply.as_ref().is_some_and(|a| a.state == "failed")
    }

    pub fn has_status(
        &self,
        status: FriendStatus,
        within_days: u32,
        catalog: &Catalog,
        now: i64,
    ) -> bool {
        let departed = self.user.departed_at.is_some();
        let windows = self.windows(catalog);
        let active = windows.iter().any(|(_, g)| g.is_active(now));
        let later = windows
            .iter()
            .any(|(_, g)| g.starts_at.is_some_and(|s| s > now));
        match status {
            FriendStatus::Departed => departed,
            _ if departed => false,
            FriendStatus::Active => active,
            FriendStatus::Expiring => self
                .expires_at(catalog, now)
                .is_some_and(|end| end <= now + i64::from(within_days) * DAY_MS),
            FriendStatus::Expired => !windows.is_empty() && !active && !later,
            FriendStatus::Scheduled => later,
            FriendStatus::Pending => self.user.share_pending,
            FriendStatus::Failed => self.failed(),
            FriendStatus::Drift => self.drift(),
        }
    }

    pub fn response(&self, catalog: &Catalog, now: i64) -> PlexUserResponse {
        let u = &self.user;
        let actual: BTreeSet<PmsKey> = u
            .actual_keys()
            .into_iter()
            .map(|k| PmsKey(k as u64))
            .collect();
        PlexUserResponse {
            id: u.id,
            plex_user_id: u.plex_user_id,
            title: u.title.clone(),
            username: u.username.clone(),
            email: u.email.clone(),
            home: u.home,
            shared: u.share_id.is_some(),
            pending: u.share_pending,
            actual_library_ids: catalog.ids_of(&actual),
            departed: u.departed_at.is_some(),
            thumb: u.thumb.clone(),
            granted_library_ids: catalog.ids_of(&self.desired_keys(catalog, now)),
            next_change: self.next_change(catalog, now),
            expires_at: self.expires_at(catalog, now).map(from_ms),
            drift: self.drift(),
            apply: self.apply_status(catalog, now),
        }
    }

    pub fn detail(&self, catalog: &Catalog, now: i64) -> PlexUserDetailResponse {
        let windows = self.windows(catalog);
        let plain: Vec<Grant> = windows.iter().map(|(_, g)| *g).collect();
        PlexUserDetailResponse {
            user: self.response(catalog, now),
            grants: self
                .grants
                .iter()
                .map(|&(library_id, _, starts_at, ends_at)| GrantResponse {
                    library_id,
                    starts_at: starts_at.map(from_ms),
                    ends_at: ends_at.map(from_ms),
                    active: windows
                        .iter()
                        .any(|(id, g)| *id == library_id && g.is_active(now)),
                    anchor: catalog.anchor_id() == Some(library_id),
                })
                .collect(),
            next_change_at: next_change_after(&plain, now).map(from_ms),
            plan: self.plan_response(catalog, now),
        }
    }
}

/// A plan in API terms (library ids, gains and losses against what Plex has).
pub fn describe_plan(plan: &Plan, actual: Option<&ActualShare>, catalog: &Catalog) -> PlanResponse {
    let before: BTreeSet<PmsKey> = actual.map(|a| a.libraries.clone()).unwrap_or_default();
    let (action, after): (PlanAction, BTreeSet<PmsKey>) = match plan {
        Plan::Nothing => (PlanAction::Nothing, before.clone()),
        Plan::Create { libraries } => (PlanAction::Invite, libraries.as_set().clone()),
        Plan::Update { libraries, .. } => (PlanAction::Update, libraries.as_set().clone()),
        Plan::Delete { .. } => (PlanAction::Revoke, BTreeSet::new()),
    };
    PlanResponse {
        action,
        library_ids: catalog.ids_of(&after),
        added_library_ids: catalog.ids_of(after.difference(&before)),
        removed_library_ids: catalog.ids_of(before.difference(&after)),
    }
}
