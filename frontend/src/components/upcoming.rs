//! The dashboard's timeline: who gains or loses which library over the next 30 or 90 days, one
//! row per friend with upcoming window edges (from the summary), today marked.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use plexward_shared::UpcomingFriend;

use crate::components::friend_lists::Summary;
use crate::components::timeline::{Timeline, TimelineItem, TimelineRow};
use crate::format::now;
use crate::time_zone::Zone;

/// The periods the card offers, in days.
pub const PERIODS: [u32; 2] = [30, 90];

/// Rows for the summary's coming-up friends: one per friend, each edge a gain (window start) or
/// a loss (window end). Pure.
pub fn upcoming_rows(
    friends: &[UpcomingFriend],
    when: &dyn Fn(&DateTime<Utc>) -> String,
) -> Vec<TimelineRow> {
    friends
        .iter()
        .filter(|friend| !friend.edges.is_empty())
        .map(|friend| TimelineRow {
            label: friend.name.clone(),
            items: friend
                .edges
                .iter()
                .map(|edge| {
                    let verb = if edge.starts { "gains" } else { "loses" };
                    TimelineItem::Edge {
                        at: edge.at,
                        gain: edge.starts,
                        detail: format!(
                            "{} {verb} {} at {}",
                            friend.name,
                            edge.library,
                            when(&edge.at)
                        ),
                    }
                })
                .collect(),
        })
        .collect()
}

/// "Coming up": who gains or loses which library over the next `days` (from the summary, which
/// the dashboard asks again when the period changes).
#[component]
pub fn UpcomingCard(summary: Summary, days: RwSignal<u32>) -> impl IntoView {
    view! {
        <section class="card glass" aria-labelledby="upcoming-title">
            <div class="card-head">
                <h2 id="upcoming-title">"Coming up"</h2>
                <div class="toggle" role="group" aria-label="Period">
                    {PERIODS
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
                    match summary.await {
                        Ok(s) => {
                            let zone = Zone::new(&s.time_zone);
                            let now = now();
                            let n = s.upcoming.days;
                            let rows = upcoming_rows(&s.upcoming.friends, &|at| {
                                format!("{} ({})", zone.format(at), zone.name())
                            });
                            let changes: usize = rows.iter().map(|r| r.items.len()).sum();
                            let summary = format!(
                                "{changes} access {} for {} {} in the next {n} days; today marked.",
                                if changes == 1 { "change" } else { "changes" },
                                rows.len(),
                                if rows.len() == 1 { "friend" } else { "friends" },
                            );
                            let more = (s.upcoming.total > rows.len() as u64).then(|| {
                                format!(
                                    "The {} soonest of {} friends with changes are shown.",
                                    rows.len(),
                                    s.upcoming.total
                                )
                            });
                            let from = now - Duration::days(i64::from(n)) / 20;
                            let to = now + Duration::days(i64::from(n));
                            view! {
                                {rows.is_empty().then(|| view! {
                                    <p class="muted">{format!("Nobody gains or loses a library in the next {n} days.")}</p>
                                })}
                                <Timeline rows from to now summary zone testid="upcoming-timeline" />
                                {more.map(|text| view! { <p class="muted">{text}</p> })}
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
    use chrono::{Duration, TimeZone, Utc};
    use plexward_shared::{UpcomingEdge, UpcomingFriend};

    use super::{TimelineItem, upcoming_rows};

    #[test]
    fn each_friend_with_edges_makes_a_row_of_gains_and_losses() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let edge = |days, library: &str, starts| UpcomingEdge {
            at: now + Duration::days(days),
            library_id: 1,
            library: library.into(),
            starts,
        };
        let friends = vec![
            UpcomingFriend {
                id: 1,
                name: "alice".into(),
                edges: vec![edge(1, "TV", true), edge(3, "Movies", false)],
            },
            UpcomingFriend {
                id: 2,
                name: "bob".into(),
                edges: vec![],
            },
        ];
        let rows = upcoming_rows(&friends, &|_| "then".into());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].label, "alice");
        let details: Vec<(String, bool)> = rows[0]
            .items
            .iter()
            .map(|i| match i {
                TimelineItem::Edge { detail, gain, .. } => (detail.clone(), *gain),
                TimelineItem::Window { detail, .. } => (detail.clone(), false),
            })
            .collect();
        assert_eq!(
            details,
            [
                ("alice gains TV at then".to_owned(), true),
                ("alice loses Movies at then".to_owned(), false)
            ]
        );
    }
}
