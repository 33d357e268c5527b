//! The friend page's "Activity" card: when they last watched and what, what they were playing at
//! the last sync, their plays in the last 30 and 90 days, and the same per library — as Plexward
//! read the server's watch history at its syncs (`GET /api/v1/plex-users/{id}/activity`).

use leptos::prelude::*;
use plexward_shared::FriendActivity;

use crate::activity_text::{last_watched_short, last_watched_words, plays_words};
use crate::api::ApiError;
use crate::format::now;
use crate::time_zone::Zone;

/// `activity` is read once by the page (a reload of the rest of the page does not ask again).
#[component]
pub fn FriendActivityCard(
    activity: LocalResource<Result<FriendActivity, ApiError>>,
    zone: Zone,
) -> impl IntoView {
    let zone = StoredValue::new(zone);
    view! {
        <section class="card glass" aria-labelledby="activity-title" data-testid="friend-activity">
            <div class="card-head"><h2 id="activity-title">"Activity"</h2></div>
            {move || match activity.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                Some(Ok(a)) => zone.with_value(|zone| view! { <ActivityBody activity=a zone=zone.clone() /> }).into_any(),
            }}
        </section>
    }
}

#[component]
fn ActivityBody(activity: FriendActivity, zone: Zone) -> impl IntoView {
    let now = now();
    let unread = activity.read_at.is_none().then(|| {
        view! {
            <p class="hint" data-testid="activity-unread">
                "Plexward has not read the watch history yet; it does at each sync."
            </p>
        }
    });
    let read_note = activity.read_at.map(|at| {
        view! {
            <p class="hint">{format!("Watch history read {} ({}).", zone.format(&at), zone.name())}</p>
        }
    });
    let seen = activity.last_watched_at.is_some() || activity.watching_now.is_some();
    if !seen {
        return view! {
            {unread}
            <p class="muted" data-testid="activity-empty">"Not seen watching yet."</p>
            {read_note}
        }
        .into_any();
    }
    let last_title = activity
        .last_watched_at
        .map(|at| format!("{} ({})", zone.format(&at), zone.name()));
    let mut last = last_watched_words(activity.last_watched_at.as_ref(), now);
    if let Some(what) = &activity.last_title {
        last.push_str(&format!(": {what}"));
    }
    let libraries = (!activity.libraries.is_empty()).then(|| {
        let rows = activity
            .libraries
            .iter()
            .map(|l| {
                let exact = l
                    .last_watched_at
                    .map(|at| format!("{} ({})", zone.format(&at), zone.name()));
                view! {
                    <tr>
                        <th scope="row">{l.title.clone()}</th>
                        <td>{l.plays_30_days}</td>
                        <td>{l.plays_90_days}</td>
                        <td title=exact>{last_watched_short(l.last_watched_at.as_ref(), now)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="data" data-testid="activity-libraries">
                    <thead>
                        <tr>
                            <th scope="col">"Library"</th>
                            <th scope="col">"Plays, 30 days"</th>
                            <th scope="col">"Plays, 90 days"</th>
                            <th scope="col">"Last watched"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    view! {
        {unread}
        <p data-testid="activity-last" title=last_title><strong>{last}</strong></p>
        {activity.watching_now.map(|what| view! {
            <p data-testid="activity-now"><span class="pill ok">"Watching now"</span>" "{what}</p>
        })}
        <p data-testid="activity-plays">
            {format!(
                "{} · {}",
                plays_words(activity.plays_30_days, 30),
                plays_words(activity.plays_90_days, 90)
            )}
        </p>
        {libraries}
        {read_note}
    }
    .into_any()
}
