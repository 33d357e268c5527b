//! The dashboard's short lists of friends: access expiring within a week, and friends that need
//! attention (applying failed, or Plex drifted from the plan).

use leptos::prelude::*;
use leptos_router::components::A;
use plexward_shared::{FriendQuery, FriendSort, FriendStatus, PlexUserResponse};

use crate::api::{self, ApiError};
use crate::components::friend_badges::FriendBadges;
use crate::format::{duration_words, now};
use crate::pages::friends::display_name;
use crate::time_zone::{Zone, server_zone};

async fn expiring() -> Result<(Vec<PlexUserResponse>, Zone), ApiError> {
    let query = FriendQuery {
        status: Some(FriendStatus::Expiring),
        within_days: Some(7),
        sort: Some(FriendSort::Expiry),
        ..FriendQuery::default()
    };
    let (friends, (zone, _)) = futures::join!(api::find_plex_users(&query), server_zone());
    Ok((friends?.items, zone))
}

async fn needing_attention() -> Result<(Vec<PlexUserResponse>, Zone), ApiError> {
    let query = |status| FriendQuery {
        status: Some(status),
        ..FriendQuery::default()
    };
    let (failed_query, drift_query) = (query(FriendStatus::Failed), query(FriendStatus::Drift));
    let (failed, drift, (zone, _)) = futures::join!(
        api::find_plex_users(&failed_query),
        api::find_plex_users(&drift_query),
        server_zone()
    );
    let mut friends = failed?.items;
    for friend in drift?.items {
        if !friends.iter().any(|f| f.id == friend.id) {
            friends.push(friend);
        }
    }
    Ok((friends, zone))
}

/// "Expiring in the next 7 days": soonest first.
#[component]
pub fn ExpiringCard(version: RwSignal<u32>) -> impl IntoView {
    let data = LocalResource::new(move || {
        version.track();
        expiring()
    });
    view! {
        <section class="card glass" aria-labelledby="expiring-title">
            <div class="card-head"><h2 id="expiring-title">"Expiring in the next 7 days"</h2></div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((friends, _)) if friends.is_empty() => {
                            view! { <p class="muted">"Nobody's access ends this week."</p> }.into_any()
                        }
                        Ok((friends, zone)) => {
                            let now = now();
                            view! {
                                <ul class="friend-list" data-testid="expiring">
                                    {friends
                                        .into_iter()
                                        .map(|f| {
                                            let when = f.expires_at.map(|at| {
                                                (
                                                    format!("ends in {}", duration_words((at - now).num_seconds())),
                                                    format!("{} ({})", zone.format(&at), zone.name()),
                                                )
                                            });
                                            let (text, exact) = when.unwrap_or_default();
                                            view! {
                                                <li>
                                                    <A href=format!("/friends/{}", f.id)>{display_name(&f)}</A>
                                                    " "
                                                    <span class="muted" title=exact>{text}</span>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
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

/// "Needs attention": failed applies and drift.
#[component]
pub fn AttentionCard(version: RwSignal<u32>) -> impl IntoView {
    let data = LocalResource::new(move || {
        version.track();
        needing_attention()
    });
    view! {
        <section class="card glass" aria-labelledby="attention-title">
            <div class="card-head"><h2 id="attention-title">"Needs attention"</h2></div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((friends, _)) if friends.is_empty() => {
                            view! { <p class="muted">"Nothing: Plex matches the plan."</p> }.into_any()
                        }
                        Ok((friends, zone)) => {
                            let now = now();
                            view! {
                                <ul class="friend-list" data-testid="attention">
                                    {friends
                                        .into_iter()
                                        .map(|f| {
                                            let error = f.apply.error.clone();
                                            let href = format!("/friends/{}", f.id);
                                            let name = display_name(&f);
                                            view! {
                                                <li>
                                                    <A href=href>{name}</A>
                                                    " "
                                                    <span class="badges"><FriendBadges friend=f zone=zone.clone() now /></span>
                                                    {error.map(|e| view! { <span class="muted">" "{e}</span> })}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
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
