//! Friends: everyone the Plex server shares with (and its Home users), as of the last sync, with
//! the libraries Plex says they have now. A search box filters by name, username and email.

use std::collections::BTreeMap;

use leptos::prelude::*;
use plexward_shared::{LibraryResponse, PlexUserResponse};

use crate::api;

#[component]
pub fn Friends() -> impl IntoView {
    let friends = LocalResource::new(api::plex_users);
    let libraries = LocalResource::new(api::libraries);
    let query = RwSignal::new(String::new());
    view! {
        <h1 class="page-title">"Friends"</h1>
        <section class="card glass" aria-labelledby="friends-title">
            <div class="card-head">
                <h2 id="friends-title">"Friends of the server"</h2>
                <input
                    type="search"
                    class="search"
                    placeholder="Search name, username or email"
                    aria-label="Search friends"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading friends…"</p> }>
                {move || Suspend::new(async move {
                    match (friends.await, libraries.await) {
                        (Ok(friends), Ok(libraries)) => {
                            view! { <FriendTable friends=friends.items libraries=libraries.items query /> }
                                .into_any()
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            view! { <p class="alert error" role="alert">{e.message}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The name to show: the Plex title, else the username, else the email.
pub fn display_name(friend: &PlexUserResponse) -> String {
    [
        Some(friend.title.as_str()),
        friend.username.as_deref(),
        friend.email.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find(|s| !s.trim().is_empty())
    .unwrap_or("(unnamed)")
    .to_owned()
}

/// Whether `friend` matches the (already lower-cased) search text.
fn matches(friend: &PlexUserResponse, needle: &str) -> bool {
    needle.is_empty()
        || [
            Some(friend.title.as_str()),
            friend.username.as_deref(),
            friend.email.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|s| s.to_lowercase().contains(needle))
}

#[component]
fn FriendTable(
    friends: Vec<PlexUserResponse>,
    libraries: Vec<LibraryResponse>,
    query: RwSignal<String>,
) -> impl IntoView {
    if friends.is_empty() {
        return view! {
            <p class="muted">"No friends known yet. Sync with Plex from the dashboard."</p>
        }
        .into_any();
    }
    let titles: BTreeMap<i64, String> = libraries.into_iter().map(|l| (l.id, l.title)).collect();
    let friends = StoredValue::new(friends);
    let titles = StoredValue::new(titles);
    let rows = move || {
        let needle = query.get().trim().to_lowercase();
        friends.with_value(|friends| {
            friends
                .iter()
                .filter(|f| matches(f, &needle))
                .map(|f| view! { <FriendRow friend=f.clone() titles /> })
                .collect::<Vec<_>>()
        })
    };
    let none_match = move || {
        let needle = query.get().trim().to_lowercase();
        friends.with_value(|friends| !friends.iter().any(|f| matches(f, &needle)))
    };
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="friends">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Username"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Libraries"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Show when=none_match>
            <p class="muted">"No friend matches the search."</p>
        </Show>
    }
    .into_any()
}

#[component]
fn FriendRow(
    friend: PlexUserResponse,
    titles: StoredValue<BTreeMap<i64, String>>,
) -> impl IntoView {
    let name = display_name(&friend);
    let mut badges: Vec<(&'static str, &'static str)> = Vec::new();
    if friend.home {
        badges.push(("pill role", "Home"));
    }
    if friend.pending {
        badges.push(("pill warn", "Pending invite"));
    }
    if !friend.shared && !friend.departed {
        badges.push(("pill bad", "No share"));
    }
    if friend.departed {
        badges.push(("pill bad", "Departed"));
    }
    let mut library_titles: Vec<String> = titles.with_value(|titles| {
        friend
            .actual_library_ids
            .iter()
            .map(|id| titles.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
            .collect()
    });
    library_titles.sort();
    let libraries = if library_titles.is_empty() {
        "—".to_owned()
    } else {
        library_titles.join(", ")
    };
    view! {
        <tr data-testid=format!("friend-{}", friend.plex_user_id)>
            <th scope="row">{name}</th>
            <td>{friend.username.unwrap_or_else(|| "—".into())}</td>
            <td>{friend.email.unwrap_or_else(|| "—".into())}</td>
            <td class="badges">
                {badges
                    .into_iter()
                    .map(|(class, label)| view! { <span class=class>{label}</span> })
                    .collect_view()}
            </td>
            <td>{libraries}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::{PlexUserResponse, display_name, matches};

    fn friend(title: &str, username: Option<&str>, email: Option<&str>) -> PlexUserResponse {
        PlexUserResponse {
            id: 1,
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
        }
    }

    #[test]
    fn names_fall_back_to_username_then_email() {
        assert_eq!(display_name(&friend("Kids", None, None)), "Kids");
        assert_eq!(display_name(&friend("", Some("bob"), Some("b@x"))), "bob");
        assert_eq!(display_name(&friend(" ", None, Some("p@x"))), "p@x");
    }

    #[test]
    fn search_looks_at_name_username_and_email() {
        let alice = friend("Alice A.", Some("alice"), Some("alice@example.com"));
        assert!(matches(&alice, ""));
        assert!(matches(&alice, "alice a"));
        assert!(matches(&alice, "example.com"));
        assert!(!matches(&alice, "bob"));
        assert!(!matches(&friend("Kids", None, None), "alice"));
    }
}
