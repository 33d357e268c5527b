//! The dashboard's timeline: who gains or loses which library over the next 30 or 90 days, one
//! row per friend with upcoming window edges, today marked.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use futures::future::join_all;
use leptos::prelude::*;
use plexward_shared::{FriendQuery, FriendSort, PlexUserDetailResponse};

use crate::api::{self, ApiError};
use crate::components::timeline::{Timeline, TimelineItem, TimelineRow};
use crate::format::now;
use crate::pages::friends::display_name;
use crate::time_zone::{Zone, server_zone};

/// At most this many friends get a row (the soonest changes first).
const MAX_ROWS: usize = 25;

/// Rows for `friends` over (`now`, `until`]: one per friend with at least one edge, each edge a
/// gain (window start) or loss (window end). Pure.
pub fn upcoming_rows(
    friends: &[PlexUserDetailResponse],
    titles: &BTreeMap<i64, String>,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    when: &dyn Fn(&DateTime<Utc>) -> String,
) -> Vec<TimelineRow> {
    friends
        .iter()
        .filter_map(|friend| {
            let name = display_name(&friend.user);
            let mut items: Vec<(DateTime<Utc>, TimelineItem)> = Vec::new();
            for grant in &friend.grants {
                let library = titles
                    .get(&grant.library_id)
                    .cloned()
                    .unwrap_or_else(|| format!("#{}", grant.library_id));
                for (at, gain) in [(grant.starts_at, true), (grant.ends_at, false)] {
                    let Some(at) = at.filter(|at| *at > now && *at <= until) else {
                        continue;
                    };
                    let verb = if gain { "gains" } else { "loses" };
                    items.push((
                        at,
                        TimelineItem::Edge {
                            at,
                            gain,
                            detail: format!("{name} {verb} {library} at {}", when(&at)),
                        },
                    ));
                }
            }
            items.sort_by_key(|(at, _)| *at);
            (!items.is_empty()).then(|| TimelineRow {
                label: name,
                items: items.into_iter().map(|(_, item)| item).collect(),
            })
        })
        .collect()
}

/// Friends whose next change falls within `days`, with their grants.
async fn load(days: i64) -> Result<(Vec<TimelineRow>, Zone, DateTime<Utc>), ApiError> {
    let query = FriendQuery {
        sort: Some(FriendSort::NextChange),
        ..FriendQuery::default()
    };
    let (friends, libraries, (zone, _)) = futures::join!(
        api::find_plex_users(&query),
        api::libraries(),
        server_zone()
    );
    let now = now();
    let until = now + Duration::days(days);
    let ids: Vec<i64> = friends?
        .items
        .into_iter()
        .filter(|f| !f.departed && f.next_change.as_ref().is_some_and(|c| c.at <= until))
        .take(MAX_ROWS)
        .map(|f| f.id)
        .collect();
    let details: Vec<PlexUserDetailResponse> = join_all(ids.into_iter().map(api::plex_user))
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let titles: BTreeMap<i64, String> = libraries?
        .items
        .into_iter()
        .map(|l| (l.id, l.title))
        .collect();
    let rows = upcoming_rows(&details, &titles, now, until, &|at| {
        format!("{} ({})", zone.format(at), zone.name())
    });
    Ok((rows, zone, now))
}

#[component]
pub fn UpcomingCard(version: RwSignal<u32>) -> impl IntoView {
    let days = RwSignal::new(30_i64);
    let data = LocalResource::new(move || {
        version.track();
        load(days.get())
    });
    view! {
        <section class="card glass" aria-labelledby="upcoming-title">
            <div class="card-head">
                <h2 id="upcoming-title">"Coming up"</h2>
                <div class="toggle" role="group" aria-label="Period">
                    {[30_i64, 90]
                        .into_iter()
                        .map(|n| view! {
                            <button
                                type="button"
                                class="btn ghost small"
                                aria-pressed=move || (days.get() == n).to_string()
                                on:click=move |_| days.set(n)
                            >
                                {format!("{n} days")}
                            </button>
                        })
                        .collect_view()}
                </div>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((rows, zone, now)) => {
                            let n = days.get_untracked();
                            let changes: usize = rows.iter().map(|r| r.items.len()).sum();
                            let summary = format!(
                                "{changes} access {} for {} {} in the next {n} days; today marked.",
                                if changes == 1 { "change" } else { "changes" },
                                rows.len(),
                                if rows.len() == 1 { "friend" } else { "friends" },
                            );
                            let from = now - Duration::days(n) / 20;
                            let to = now + Duration::days(n);
                            view! {
                                {rows.is_empty().then(|| view! {
                                    <p class="muted">{format!("Nobody gains or loses a library in the next {n} days.")}</p>
                                })}
                                <Timeline rows from to now summary zone testid="upcoming-timeline" />
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{Duration, TimeZone, Utc};
    use plexward_shared::{
        ApplyState, ApplyStatus, GrantResponse, PlanAction, PlanResponse, PlexUserDetailResponse,
        PlexUserResponse,
    };

    use super::{TimelineItem, upcoming_rows};

    fn friend(name: &str, grants: Vec<GrantResponse>) -> PlexUserDetailResponse {
        PlexUserDetailResponse {
            user: PlexUserResponse {
                id: 1,
                plex_user_id: 1,
                title: name.into(),
                username: None,
                email: None,
                home: false,
                shared: true,
                pending: false,
                actual_library_ids: vec![],
                departed: false,
                thumb: None,
                granted_library_ids: vec![],
                next_change: None,
                expires_at: None,
                drift: false,
                apply: ApplyStatus {
                    state: ApplyState::Applied,
                    error: None,
                    attempts: 0,
                    next_retry_at: None,
                    applied_at: None,
                },
            },
            grants,
            next_change_at: None,
            plan: PlanResponse {
                action: PlanAction::Nothing,
                library_ids: vec![],
                added_library_ids: vec![],
                removed_library_ids: vec![],
            },
        }
    }

    #[test]
    fn only_edges_inside_the_period_make_rows() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let until = now + Duration::days(30);
        let grant = |library_id, starts_at, ends_at| GrantResponse {
            library_id,
            starts_at,
            ends_at,
            active: false,
            anchor: false,
        };
        let friends = vec![
            friend(
                "alice",
                vec![
                    grant(1, None, Some(now + Duration::days(3))),
                    grant(
                        2,
                        Some(now + Duration::days(1)),
                        Some(now + Duration::days(60)),
                    ),
                ],
            ),
            friend("bob", vec![grant(1, Some(now - Duration::days(1)), None)]),
        ];
        let titles = BTreeMap::from([(1, "Movies".to_owned()), (2, "TV".to_owned())]);
        let rows = upcoming_rows(&friends, &titles, now, until, &|_| "then".into());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].label, "alice");
        let details: Vec<String> = rows[0]
            .items
            .iter()
            .map(|i| match i {
                TimelineItem::Edge { detail, .. } | TimelineItem::Window { detail, .. } => {
                    detail.clone()
                }
            })
            .collect();
        assert_eq!(
            details,
            ["alice gains TV at then", "alice loses Movies at then"]
        );
    }
}
