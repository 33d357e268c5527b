//! `GET /api/v1/summary` from the read model: what the dashboard shows (counts by status,
//! expiring soon, needs attention, the coming-up window edges), in one small answer.

use plexward_shared::{
    FriendStatus, PlexUserResponse, SUMMARY_LIST_MAX, StatusCounts, SummaryResponse, Upcoming,
    UpcomingEdge, UpcomingFriend, display_name,
};

use crate::access::friend_dto::list_item;
use crate::access::friend_limit;
use crate::access::friend_view::FriendView;
use crate::access::read_model::Snapshot;
use crate::db::time::from_ms;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The summary at `now`: "expiring" = ending within `expiring_days`; edges within the next
/// `upcoming_days`; places used against `friend_limit` (0 = not checked).
pub fn summary(
    snapshot: &Snapshot,
    now: i64,
    expiring_days: u32,
    upcoming_days: u32,
    friend_limit: u32,
) -> SummaryResponse {
    let mut counts = StatusCounts::default();
    let mut expiring: Vec<&FriendView> = Vec::new();
    let mut attention: Vec<&FriendView> = Vec::new();
    let mut friends = 0_u64;
    let mut shared_with = 0_u64;
    let mut active_grants = 0_u64;
    let until = now.saturating_add(i64::from(upcoming_days) * DAY_MS);
    let mut upcoming: Vec<(i64, &FriendView)> = Vec::new();
    for view in snapshot.views() {
        for (status, n) in [
            (FriendStatus::Active, &mut counts.active),
            (FriendStatus::Expiring, &mut counts.expiring),
            (FriendStatus::Expired, &mut counts.expired),
            (FriendStatus::Scheduled, &mut counts.scheduled),
            (FriendStatus::Pending, &mut counts.pending),
            (FriendStatus::Failed, &mut counts.failed),
            (FriendStatus::Drift, &mut counts.drift),
            (FriendStatus::Departed, &mut counts.departed),
        ] {
            if view.has_status(status, expiring_days, now) {
                *n += 1;
            }
        }
        if view.departed() {
            continue;
        }
        friends += 1;
        shared_with += u64::from(friend_limit::takes_a_place(&view.friend.user));
        active_grants += view.granted_library_ids.len() as u64;
        if view.expiring(now, expiring_days) {
            expiring.push(view);
        }
        if view.needs_attention() {
            attention.push(view);
        }
        if let Some(first) = view.upcoming.iter().find(|e| e.at > now && e.at <= until) {
            upcoming.push((first.at, view));
        }
    }
    // Stable: name order breaks ties.
    expiring.sort_by_key(|v| v.expires_at);
    upcoming.sort_by_key(|(at, _)| *at);
    let attention_total = attention.len() as u64;
    let upcoming_total = upcoming.len() as u64;
    let items = |views: Vec<&FriendView>| -> Vec<PlexUserResponse> {
        views
            .into_iter()
            .take(SUMMARY_LIST_MAX)
            .map(list_item)
            .collect()
    };
    SummaryResponse {
        time_zone: snapshot.time_zone.clone(),
        friends,
        libraries: snapshot.catalog.present() as u64,
        active_grants,
        counts,
        expiring_days,
        expiring: items(expiring),
        attention: items(attention),
        attention_total,
        // Filled by the handler, which knows the live connection.
        plex_connected: false,
        upcoming: Upcoming {
            days: upcoming_days,
            friends: upcoming
                .into_iter()
                .take(SUMMARY_LIST_MAX)
                .map(|(_, view)| upcoming_friend(snapshot, view, now, until))
                .collect(),
            total: upcoming_total,
        },
        friend_limit: friend_limit::status(shared_with, friend_limit),
        // Filled by the handler (the deliveries are not part of the friend snapshot).
        deliveries_failing: 0,
        open_requests: 0,
    }
}

fn upcoming_friend(snapshot: &Snapshot, view: &FriendView, now: i64, until: i64) -> UpcomingFriend {
    let u = &view.friend.user;
    UpcomingFriend {
        id: u.id,
        name: display_name(&u.title, u.username.as_deref(), u.email.as_deref()).to_owned(),
        edges: view
            .upcoming
            .iter()
            .filter(|e| e.at > now && e.at <= until)
            .map(|e| UpcomingEdge {
                at: from_ms(e.at),
                library_id: e.library_id,
                library: snapshot.catalog.title_of(e.library_id),
                starts: e.starts,
            })
            .collect(),
    }
}
