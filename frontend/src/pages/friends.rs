//! Friends: everyone the Plex server shares with (and its Home users) with the libraries their
//! grants give now, the next change, and their status. Search, status filter, sort and paging run
//! on the server (a page of [`PAGE_SIZE`]); the search waits for a pause in typing. The "Inactive
//! for" filter lives in the address (`/friends?inactive_days=60`), like a linked search. Each
//! friend shows when they last watched. Moderators and admins select friends for a bulk change,
//! and find the inactivity policy's report behind "Inactive friends".

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use plexward_shared::{
    EXPIRING_SOON_DAYS, FriendQuery, FriendSort, FriendStatus, Permission, PlexUserResponse,
};

use leptos::task::spawn_local;

use crate::activity_text::{inactive_days_of, last_watched_short};
use crate::api;
use crate::components::avatar::Avatar;
use crate::components::bulk_dialog::BulkDialog;
use crate::components::friend_badges::FriendBadges;
use crate::components::grants_import::GrantsImport;
use crate::components::invite_dialog::InviteDialog;
use crate::components::pager::Pager;
use crate::format::{change_words, now};
use crate::session::use_session;
use crate::time_zone::{Zone, server_zone};

/// A next change closer than this (seconds) highlights the row.
const SOON_SECONDS: i64 = 3_600;

/// Friends per page.
pub const PAGE_SIZE: u32 = 50;

/// The search is sent once typing pauses this long.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);

/// The "Inactive for" filter's choices (days; empty: any).
const INACTIVE_FOR: [(&str, &str); 5] = [
    ("", "Inactive for: any"),
    ("30", "Inactive for: 30+ days"),
    ("60", "Inactive for: 60+ days"),
    ("90", "Inactive for: 90+ days"),
    ("180", "Inactive for: 180+ days"),
];

const STATUSES: [(&str, &str); 9] = [
    ("", "All"),
    ("active", "Active"),
    // The label names the shared `EXPIRING_SOON_DAYS` (see `status_label`).
    ("expiring", "Expiring"),
    ("expired", "Expired"),
    ("scheduled", "Scheduled"),
    ("pending", "Pending invite"),
    ("failed", "Failed"),
    ("drift", "Drift"),
    ("departed", "Departed"),
];

/// `Expiring (7 days)`: the filter's default period is the shared one.
fn status_label(value: &str, label: &str) -> String {
    if value == "expiring" {
        format!("{label} ({EXPIRING_SOON_DAYS} days)")
    } else {
        label.to_owned()
    }
}

fn status_of(value: &str) -> Option<FriendStatus> {
    Some(match value {
        "active" => FriendStatus::Active,
        "expiring" => FriendStatus::Expiring,
        "expired" => FriendStatus::Expired,
        "scheduled" => FriendStatus::Scheduled,
        "pending" => FriendStatus::Pending,
        "failed" => FriendStatus::Failed,
        "drift" => FriendStatus::Drift,
        "departed" => FriendStatus::Departed,
        _ => return None,
    })
}

fn sort_of(value: &str) -> FriendSort {
    match value {
        "next_change" => FriendSort::NextChange,
        "expiry" => FriendSort::Expiry,
        "last_watched" => FriendSort::LastWatched,
        _ => FriendSort::Name,
    }
}

#[component]
pub fn Friends() -> impl IntoView {
    let session = use_session();
    let can_edit = move || session.allows(Permission::ManageAccess);
    let navigate = use_navigate();
    // What the search box shows, and what was last sent (after a pause in typing). A link may
    // bring a search along (`/friends?q=ann@example.com`, from the invite dialog).
    let url_query = use_query_map();
    let from_url = move || url_query.with(|m| m.get("q")).unwrap_or_default();
    let first = untrack(from_url);
    let typed = RwSignal::new(first.clone());
    let query = RwSignal::new(first);
    let status = RwSignal::new(String::new());
    let sort = RwSignal::new("name".to_owned());
    let offset = RwSignal::new(0_u32);
    // The "Inactive for" filter, as the address has it (`""`: any).
    let inactive = Memo::new(move |_| {
        url_query
            .with(|m| m.get("inactive_days"))
            .and_then(|v| inactive_days_of(&v))
    });
    let friends = LocalResource::new(move || {
        let body = FriendQuery {
            inactive_days: inactive.get(),
            q: Some(query.get()),
            status: status_of(&status.get()),
            within_days: None,
            sort: Some(sort_of(&sort.get())),
            limit: Some(PAGE_SIZE.to_string()),
            offset: Some(offset.get().to_string()),
            ..FriendQuery::default()
        };
        async move { api::find_plex_users(&body).await }
    });
    // A later link to this page with another search (the page stays, the address changes).
    Effect::new(move |seen: Option<String>| {
        let q = from_url();
        if seen.is_some_and(|seen| seen != q) {
            typed.set(q.clone());
            offset.set(0);
            query.set(q.clone());
        }
        q
    });
    let pending = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
    });
    let on_search = move |ev| {
        let value = event_target_value(&ev);
        typed.set(value.clone());
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                pending.set_value(None);
                if query.try_get_untracked().is_some_and(|q| q != value) {
                    offset.set(0);
                    query.set(value);
                }
            },
            SEARCH_DEBOUNCE,
        );
        pending.set_value(handle.ok());
    };
    // A new "Inactive for" goes into the address (the rest of it kept), which reloads the list.
    let on_inactive = move |ev| {
        let value = event_target_value(&ev);
        let mut params = url_query.get_untracked();
        params.remove("inactive_days");
        if inactive_days_of(&value).is_some() {
            params.insert("inactive_days", value);
        }
        offset.set(0);
        navigate(
            &format!("/friends{}", params.to_query_string()),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..NavigateOptions::default()
            },
        );
    };
    let context = LocalResource::new(|| async {
        let (libraries, (zone, _)) = futures::join!(api::libraries(), server_zone());
        libraries.map(|l| (l.items, zone))
    });
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let bulk_open = RwSignal::new(false);
    let import_open = RwSignal::new(false);
    let invite_open = RwSignal::new(false);
    let export_error = RwSignal::new(None::<String>);
    let export = move |_| {
        spawn_local(async move {
            if let Err(e) = api::download("/api/v1/grants/export").await {
                export_error.try_set(Some(e.message));
            }
        });
    };

    view! {
        <h1 class="page-title">"Friends"</h1>
        <section class="card glass" aria-labelledby="friends-title">
            <div class="card-head wrap">
                <h2 id="friends-title">"Friends of the server"</h2>
                <Show when=can_edit>
                    <a class="btn ghost small" href=api::href("/inactive") data-testid="friends-inactive-link">
                        "Inactive friends"
                    </a>
                </Show>
                <div class="filters">
                    <input
                        type="search"
                        class="search"
                        placeholder="Search name, username or email"
                        aria-label="Search friends"
                        prop:value=move || typed.get()
                        on:input=on_search
                    />
                    <select aria-label="Status" on:change=move |ev| {
                        offset.set(0);
                        status.set(event_target_value(&ev));
                    }>
                        {STATUSES
                            .iter()
                            .map(|(value, label)| view! { <option value=*value>{status_label(value, label)}</option> })
                            .collect_view()}
                    </select>
                    <select aria-label="Sort by" on:change=move |ev| {
                        offset.set(0);
                        sort.set(event_target_value(&ev));
                    }>
                        <option value="name">"Sort: name"</option>
                        <option value="next_change">"Sort: next change"</option>
                        <option value="expiry">"Sort: expiry"</option>
                        <option value="last_watched">"Sort: last watched"</option>
                    </select>
                    <select aria-label="Inactive for" data-testid="friends-inactive" on:change=on_inactive>
                        {INACTIVE_FOR
                            .iter()
                            .map(|(value, label)| {
                                let days = inactive_days_of(value);
                                view! {
                                    <option value=*value selected=move || inactive.get() == days>{*label}</option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <Show when=can_edit>
                <div class="bulk-bar">
                    <span class="muted" data-testid="selected-count">
                        {move || format!("{} selected", selected.with(BTreeSet::len))}
                    </span>
                    <button
                        type="button"
                        class="btn"
                        disabled=move || selected.with(BTreeSet::is_empty)
                        on:click=move |_| bulk_open.set(true)
                    >
                        "Bulk change…"
                    </button>
                    <button type="button" class="btn ghost" on:click=move |_| import_open.set(true)>
                        "Import CSV…"
                    </button>
                    <button
                        type="button"
                        class="btn ghost"
                        data-testid="friends-invite"
                        on:click=move |_| invite_open.set(true)
                    >
                        "Invite…"
                    </button>
                </div>
            </Show>
            <div class="actions">
                <button type="button" class="btn ghost small" on:click=export>"Export CSV"</button>
                {move || export_error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading friends…"</p> }>
                {move || Suspend::new(async move {
                    match (friends.await, context.await) {
                        (Ok(list), Ok((libraries, zone))) => {
                            let titles: BTreeMap<i64, String> =
                                libraries.iter().map(|l| (l.id, l.title.clone())).collect();
                            let (shown, total) = (list.items.len(), list.total);
                            view! {
                                <FriendTable
                                    friends=list.items
                                    titles
                                    zone
                                    selected
                                    // Untracked: a sign-out must not re-run this (it disposes the page).
                                    selectable=untrack(can_edit)
                                />
                                <Pager offset shown total page_size=PAGE_SIZE prefix="friends" noun="friends" />
                            }
                                .into_any()
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            view! { <p class="alert error" role="alert">{e.message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
            // Outside the list: reloading the list after a change keeps the dialog's report.
            <Show when=can_edit>
                <Suspense>
                    {move || Suspend::new(async move {
                        context.await.ok().map(|(libraries, zone)| view! {
                            <GrantsImport
                                open=import_open
                                titles=libraries.iter().map(|l| (l.id, l.title.clone())).collect()
                                on_done=Callback::new(move |()| friends.refetch())
                            />
                            <BulkDialog
                                open=bulk_open
                                selected=Signal::derive(move || selected.get().into_iter().collect())
                                libraries=libraries.clone()
                                zone=zone.clone()
                                on_done=Callback::new(move |()| friends.refetch())
                            />
                            <InviteDialog
                                open=invite_open
                                libraries
                                zone
                                on_sent=Callback::new(move |_| friends.refetch())
                            />
                        })
                    })}
                </Suspense>
            </Show>
        </section>
    }
}

/// The name to show: the Plex title, else the username, else the email (the shared rule).
pub fn display_name(friend: &PlexUserResponse) -> String {
    friend.display_name().to_owned()
}

/// `Movies ends in 3 d 4 h`, with whether it is within the hour.
pub fn next_change_text(
    friend: &PlexUserResponse,
    titles: &BTreeMap<i64, String>,
    now: DateTime<Utc>,
) -> Option<(String, bool)> {
    friend.next_change.as_ref().map(|change| {
        let title = titles
            .get(&change.library_id)
            .cloned()
            .unwrap_or_else(|| format!("#{}", change.library_id));
        let left = (change.at - now).num_seconds();
        (
            change_words(&title, change.starts, left),
            left <= SOON_SECONDS,
        )
    })
}

#[component]
fn FriendTable(
    friends: Vec<PlexUserResponse>,
    titles: BTreeMap<i64, String>,
    zone: Zone,
    selected: RwSignal<BTreeSet<i64>>,
    selectable: bool,
) -> impl IntoView {
    if friends.is_empty() {
        return view! {
            <p class="muted">"No friend matches. Sync with Plex from the dashboard if the list should not be empty."</p>
        }
        .into_any();
    }
    let shown: Vec<i64> = friends.iter().map(|f| f.id).collect();
    let shown = StoredValue::new(shown);
    let all_selected =
        move || selected.with(|s| shown.with_value(|ids| ids.iter().all(|id| s.contains(id))));
    let now = now();
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="friends">
                <thead>
                    <tr>
                        {selectable.then(|| view! {
                            <th scope="col" class="select-cell">
                                <input
                                    type="checkbox"
                                    aria-label="Select all shown friends"
                                    prop:checked=all_selected
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        selected.update(|s| shown.with_value(|ids| {
                                            for id in ids {
                                                if on { s.insert(*id); } else { s.remove(id); }
                                            }
                                        }));
                                    }
                                />
                            </th>
                        })}
                        <th scope="col">"Name"</th>
                        <th scope="col">"Username / email"</th>
                        <th scope="col">"Libraries"</th>
                        <th scope="col">"Next change"</th>
                        <th scope="col">"Last watched"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {friends
                        .into_iter()
                        .map(|friend| {
                            view! {
                                <FriendRow
                                    friend
                                    titles=titles.clone()
                                    zone=zone.clone()
                                    now
                                    selected
                                    selectable
                                />
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn FriendRow(
    friend: PlexUserResponse,
    titles: BTreeMap<i64, String>,
    zone: Zone,
    now: DateTime<Utc>,
    selected: RwSignal<BTreeSet<i64>>,
    selectable: bool,
) -> impl IntoView {
    let name = display_name(&friend);
    let id = friend.id;
    let testid = format!("friend-{}", friend.plex_account_id);
    let mut library_titles: Vec<String> = friend
        .granted_library_ids
        .iter()
        .map(|id| titles.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
        .collect();
    library_titles.sort();
    let libraries = if library_titles.is_empty() {
        "—".to_owned()
    } else {
        library_titles.join(", ")
    };
    let next = next_change_text(&friend, &titles, now);
    let soon = next.as_ref().is_some_and(|(_, soon)| *soon);
    let next_title = friend
        .next_change
        .as_ref()
        .map(|c| format!("{} ({})", zone.format(&c.at), zone.name()));
    let watched = last_watched_short(friend.last_watched_at.as_ref(), now);
    let watched_title = friend
        .last_watched_at
        .as_ref()
        .map(|at| format!("{} ({})", zone.format(at), zone.name()));
    let contact = [friend.username.clone(), friend.email.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <tr data-testid=testid class:soon=soon>
            {selectable.then(|| view! {
                <td class="select-cell">
                    <input
                        type="checkbox"
                        aria-label=format!("Select {name}")
                        prop:checked=move || selected.with(|s| s.contains(&id))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| {
                                if on { s.insert(id); } else { s.remove(&id); }
                            });
                        }
                    />
                </td>
            })}
            <th scope="row">
                <span class="who">
                    <Avatar name=name.clone() thumb=friend.thumb.clone() />
                    <A href=api::href(&format!("/friends/{id}"))>{name.clone()}</A>
                </span>
            </th>
            <td>{if contact.is_empty() { "—".to_owned() } else { contact }}</td>
            <td>{libraries}</td>
            <td title=next_title>{next.map_or_else(|| "—".to_owned(), |(text, _)| text)}</td>
            <td data-testid="last-watched" title=watched_title>{watched}</td>
            <td class="badges"><FriendBadges friend zone now /></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{Duration, Utc};
    use plexward_shared::NextChange;

    use super::{PlexUserResponse, display_name, next_change_text, status_of};

    fn friend(title: &str, username: Option<&str>, email: Option<&str>) -> PlexUserResponse {
        PlexUserResponse {
            id: 1,
            plex_account_id: 1,
            plex_user_id: 1,
            title: title.into(),
            username: username.map(Into::into),
            email: email.map(Into::into),
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
            apply: plexward_shared::ApplyStatus {
                state: plexward_shared::ApplyState::Applied,
                error: None,
                attempts: 0,
                next_retry_at: None,
                applied_at: None,
            },
            sharing_badges: vec![],
            removed_from_plex_at: None,
            last_watched_at: None,
        }
    }

    #[test]
    fn names_fall_back_to_username_then_email() {
        assert_eq!(display_name(&friend("Kids", None, None)), "Kids");
        assert_eq!(display_name(&friend("", Some("bob"), Some("b@x"))), "bob");
        assert_eq!(display_name(&friend(" ", None, Some("p@x"))), "p@x");
    }

    #[test]
    fn next_changes_read_as_words_and_flag_the_next_hour() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 24, 12, 0, 0).unwrap();
        let titles = BTreeMap::from([(3, "Movies".to_owned())]);
        let mut f = friend("alice", None, None);
        assert_eq!(next_change_text(&f, &titles, now), None);
        f.next_change = Some(NextChange {
            at: now + Duration::hours(76) + Duration::seconds(30),
            library_id: 3,
            starts: false,
        });
        assert_eq!(
            next_change_text(&f, &titles, now),
            Some(("Movies ends in 3 d 4 h".into(), false))
        );
        f.next_change = Some(NextChange {
            at: now + Duration::minutes(5),
            library_id: 9,
            starts: true,
        });
        assert_eq!(
            next_change_text(&f, &titles, now),
            Some(("#9 starts in 5 m 0 s".into(), true))
        );
    }

    #[test]
    fn status_names_match_the_api() {
        assert_eq!(status_of(""), None);
        assert_eq!(
            status_of("expiring"),
            Some(plexward_shared::FriendStatus::Expiring)
        );
    }
}
