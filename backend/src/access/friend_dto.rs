//! Friends and libraries in API terms: the one place [`FriendView`]s, plans and library rows
//! become wire DTOs (`PlexUserResponse`, `PlexUserDetailResponse`, `PlanResponse`,
//! `LibraryResponse`).

use std::collections::BTreeSet;

use plexward_shared::{
    ApplyStatus, GrantResponse, LibraryResponse, NextChange, Occurrence, PlanAction, PlanResponse,
    PlexUserDetailResponse, PlexUserResponse,
};

use crate::access::friend::{Catalog, Edge, Friend};
use crate::access::friend_view::FriendView;
use crate::access::planner::{ActualShare, Plan};
use crate::access::sharing;
use crate::db::libraries::Library;
use crate::db::time::from_ms;
use crate::plex::PmsKey;

/// A friend as lists show them.
pub fn list_item(view: &FriendView) -> PlexUserResponse {
    let u = &view.friend.user;
    PlexUserResponse {
        id: u.id,
        plex_account_id: u.plex_user_id,
        plex_user_id: u.plex_user_id,
        title: u.title.clone(),
        username: u.username.clone(),
        email: u.email.clone(),
        home: u.home,
        shared: u.share_id.is_some(),
        pending: u.share_pending,
        actual_library_ids: view.actual_library_ids.clone(),
        departed: view.departed(),
        thumb: u.thumb.clone(),
        granted_library_ids: view.granted_library_ids.clone(),
        next_change: view.next_change().map(next_change),
        expires_at: view.expires_at.map(from_ms),
        drift: view.drift,
        apply: apply_status(view),
        sharing_badges: effective_sharing(view)
            .map(|s| sharing::to_api(s).badges())
            .unwrap_or_default(),
        removed_from_plex_at: u.removed_at.map(from_ms),
        last_watched_at: u.last_watched_at.map(from_ms),
    }
}

/// The settings a friend has or will have: the managed ones, else Plex's.
fn effective_sharing(view: &FriendView) -> Option<&crate::plex::SharingSettings> {
    let u = &view.friend.user;
    u.sharing.as_ref().or(u.actual_sharing.as_ref())
}

/// One friend with their grants and plan.
pub fn detail(view: &FriendView, catalog: &Catalog) -> PlexUserDetailResponse {
    PlexUserDetailResponse {
        user: list_item(view),
        grants: view
            .friend
            .grants
            .iter()
            .zip(view.grants_active.iter().zip(&view.grants_occurrences))
            .map(
                |(&(library_id, _, starts_at, ends_at, repeat), (&active, occurrences))| {
                    GrantResponse {
                        library_id,
                        starts_at: starts_at.map(from_ms),
                        ends_at: ends_at.map(from_ms),
                        active,
                        anchor: catalog.anchor_id() == Some(library_id),
                        repeat: repeat.as_ref().map(crate::access::grants::repeat_to_api),
                        next_occurrences: occurrences
                            .iter()
                            .map(|&(start, end)| Occurrence {
                                starts_at: from_ms(start),
                                ends_at: from_ms(end),
                            })
                            .collect(),
                    }
                },
            )
            .collect(),
        next_change_at: view.valid_until().map(from_ms),
        plan: describe_plan(&view.plan, view.actual_share.as_ref(), catalog),
        sharing: effective_sharing(view).map(sharing::to_api),
        sharing_managed: view.friend.user.sharing.is_some(),
        sharing_drift: view.friend.sharing_drift(),
        end_policy: view.friend.end_policy_view(catalog),
        access_plan: view
            .friend
            .user
            .given_plan
            .as_ref()
            .map(|p| plexward_shared::GivenPlan {
                plan_id: p.plan_id,
                name: p.name.clone(),
                version: p.version,
                given_at: from_ms(p.given_at),
            }),
        version: view.friend.user.version,
    }
}

pub fn next_change(edge: Edge) -> NextChange {
    NextChange {
        at: from_ms(edge.at),
        library_id: edge.library_id,
        starts: edge.starts,
    }
}

/// The stored apply state, with the state as [`Friend::apply_state`] decides it.
pub fn apply_status(view: &FriendView) -> ApplyStatus {
    let stored = view.friend.apply.as_ref();
    ApplyStatus {
        state: view.apply_state,
        error: stored.and_then(|a| a.error.clone()),
        attempts: stored.map_or(0, |a| a.attempts.max(0) as u32),
        next_retry_at: stored.and_then(|a| a.next_retry_at).map(from_ms),
        applied_at: stored.and_then(|a| a.applied_at).map(from_ms),
    }
}

/// A plan in API terms (library ids, gains and losses against what Plex has).
pub fn describe_plan(plan: &Plan, actual: Option<&ActualShare>, catalog: &Catalog) -> PlanResponse {
    let before: BTreeSet<PmsKey> = actual.map(|a| a.libraries.clone()).unwrap_or_default();
    let (action, after, sends): (PlanAction, BTreeSet<PmsKey>, _) = match plan {
        Plan::Nothing => (PlanAction::Nothing, before.clone(), None),
        Plan::Create { libraries, sharing } => (
            PlanAction::Invite,
            libraries.as_set().clone(),
            sharing.as_ref(),
        ),
        Plan::Update {
            libraries, sharing, ..
        } => (
            PlanAction::Update,
            libraries.as_set().clone(),
            sharing.as_ref(),
        ),
        Plan::Delete { .. } => (PlanAction::Revoke, BTreeSet::new(), None),
        Plan::RemoveFriend => (PlanAction::RemoveFriend, BTreeSet::new(), None),
    };
    PlanResponse {
        action,
        library_ids: catalog.ids_of(&after),
        added_library_ids: catalog.ids_of(after.difference(&before)),
        removed_library_ids: catalog.ids_of(before.difference(&after)),
        sharing: sends.map(sharing::to_api),
    }
}

/// A library with how many friends have it now and whether it is the anchor.
pub fn library(row: &Library, friends: u64, catalog: &Catalog) -> LibraryResponse {
    LibraryResponse {
        id: row.id,
        key: row.pms_key,
        title: row.title.clone(),
        kind: row.kind.clone(),
        removed: row.removed_at.is_some(),
        friends,
        anchor: catalog.anchor_id() == Some(row.id),
    }
}

/// The same mappings for a friend loaded on its own (saving grants, dry runs): computed through
/// a [`FriendView`] so they cannot disagree with the lists.
impl Friend {
    pub fn view(&self, catalog: &Catalog, now: i64) -> FriendView {
        FriendView::compute(self.clone(), catalog, now)
    }

    pub fn response(&self, catalog: &Catalog, now: i64) -> PlexUserResponse {
        list_item(&self.view(catalog, now))
    }

    pub fn detail(&self, catalog: &Catalog, now: i64) -> PlexUserDetailResponse {
        detail(&self.view(catalog, now), catalog)
    }

    pub fn apply_status(&self, catalog: &Catalog, now: i64) -> ApplyStatus {
        apply_status(&self.view(catalog, now))
    }

    pub fn plan_response(&self, catalog: &Catalog, now: i64) -> PlanResponse {
        describe_plan(
            &self.plan(catalog, now),
            self.actual_share().as_ref(),
            catalog,
        )
    }
}
