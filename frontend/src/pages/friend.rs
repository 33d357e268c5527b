//! One friend (`/friends/:id`): who they are and where applying stands, their libraries with
//! time windows (editable by moderators and admins), a timeline of the windows, and the history.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use plexward_shared::{
    ApplyState, ChangeResponse, LibraryResponse, Permission, PlexUserDetailResponse,
};

use crate::api;
use crate::components::avatar::Avatar;
use crate::components::end_policy_editor::EndPolicyEditor;
use crate::components::friend_badges::FriendBadges;
use crate::components::grant_editor::GrantEditor;
use crate::components::history::History;
use crate::components::sharing_editor::SharingEditor;
use crate::components::timeline::{Timeline, TimelineItem, TimelineRow};
use crate::format::{apply_words, now, plan_words};
use crate::jobs::sleep;
use crate::pages::friends::display_name;
use crate::session::use_session;
use crate::time_zone::{Zone, server_zone};

/// How long a "waiting to be applied" answer is followed before the page stops asking.
const FOLLOW_POLLS: u32 = 30;

#[component]
pub fn Friend() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    view! {
        {move || match id() {
            Some(id) => view! { <FriendPage id /> }.into_any(),
            None => view! {
                <section class="card glass">
                    <h1>"No such friend"</h1>
                    <A href=api::href("/friends")>"Back to the friends"</A>
                </section>
            }
                .into_any(),
        }}
    }
}

/// The last change made on this page, to report.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    plan: String,
    response: ChangeResponse,
}

#[component]
fn FriendPage(id: i64) -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let data = LocalResource::new(move || {
        version.track();
        async move {
            let (friend, libraries, zone, settings) = futures::join!(
                api::plex_user(id),
                api::libraries(),
                server_zone(),
                api::plex_settings()
            );
            // Only for hints (Plex Pass, the default end policy, the anchor): a role that cannot
            // read the settings sees none.
            let settings = settings.ok();
            let plex_pass = settings.as_ref().and_then(|s| s.plex_pass);
            let ending = settings.map(|s| (s.end_policy, s.anchor_library_id));
            Ok::<_, api::ApiError>((friend?, libraries?.items, zone, (plex_pass, ending)))
        }
    });
    let outcome = RwSignal::new(None::<Outcome>);
    let on_reload = Callback::new(move |()| version.update(|v| *v += 1));
    let can_edit = use_session().allows(Permission::ManageAccess);

    view! {
        <p><A href=api::href("/friends")>"← Friends"</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the friend…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((friend, libraries, (zone, zone_note), (plex_pass, ending))) => {
                        let default_end = ending.map(|(policy, _)| policy);
                        let anchor = ending
                            .and_then(|(_, anchor)| anchor)
                            .map(|a| title(&libraries, a));
                        let titles = StoredValue::new(libraries.clone());
                        let on_saved = Callback::new(move |response: ChangeResponse| {
                            let plan = titles.with_value(|libs| {
                                plan_words(&response.plan, &|id| title(libs, id))
                            });
                            let queued = response.apply.state == ApplyState::Queued;
                            outcome.set(Some(Outcome { plan, response }));
                            version.update(|v| *v += 1);
                            if queued {
                                spawn_local(follow_apply(id, outcome));
                            }
                        });
                        view! {
                            <FriendHeader friend=friend.clone() zone=zone.clone() />
                            {zone_note.map(|note| view! { <p class="alert info" role="status">{note}</p> })}
                            <OutcomeNote outcome zone=zone.clone() />
                            <GrantEditor
                                friend=friend.clone()
                                libraries=libraries.clone()
                                zone=zone.clone()
                                can_edit
                                on_saved
                                on_reload
                            />
                            <SharingEditor
                                friend=friend.clone()
                                plex_pass
                                can_edit
                                on_saved
                                on_reload
                                title=Callback::new(move |id| titles.with_value(|libs| title(libs, id)))
                                zone=zone.clone()
                            />
                            <EndPolicyEditor
                                friend=friend.clone()
                                default=default_end
                                anchor
                                can_edit
                                on_saved
                            />
                            <FriendTimeline friend libraries=libraries.clone() zone=zone.clone() />
                            <History id zone version libraries />
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn title(libraries: &[LibraryResponse], id: i64) -> String {
    libraries
        .iter()
        .find(|l| l.id == id)
        .map_or_else(|| format!("#{id}"), |l| l.title.clone())
}

/// While Plexward is still applying, asks again every second (for a while) and updates the
/// reported outcome with the friend's apply state.
async fn follow_apply(id: i64, outcome: RwSignal<Option<Outcome>>) {
    for _ in 0..FOLLOW_POLLS {
        sleep(1000).await;
        let Ok(friend) = api::plex_user(id).await else {
            return;
        };
        let state = friend.user.apply.state;
        let updated = outcome.try_update(|o| {
            if let Some(o) = o {
                o.response.apply = friend.user.apply.clone();
                o.response.friend = friend;
            }
        });
        if updated.is_none() || state != ApplyState::Queued {
            return;
        }
    }
}

#[component]
fn FriendHeader(friend: PlexUserDetailResponse, zone: Zone) -> impl IntoView {
    let name = display_name(&friend.user);
    let who = [friend.user.username.clone(), friend.user.email.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let retry = friend.user.apply.next_retry_at.map(|at| zone.format(&at));
    let apply = apply_words(&friend.user.apply, retry.as_deref());
    let apply_class = apply_class(friend.user.apply.state);
    view! {
        <section class="card glass friend-head" aria-labelledby="friend-name">
            <Avatar name=name.clone() thumb=friend.user.thumb.clone() large=true />
            <div>
                <h1 id="friend-name" class="page-title">{name}</h1>
                <p class="muted">{if who.is_empty() { "Managed Home user".to_owned() } else { who }}</p>
                <p class="badges">
                    <FriendBadges friend=friend.user.clone() zone=zone.clone() now=now() />
                </p>
                <p class=apply_class data-testid="apply-state">{apply}</p>
            </div>
        </section>
    }
}

fn apply_class(state: ApplyState) -> &'static str {
    match state {
        ApplyState::Applied => "apply ok",
        ApplyState::Failed => "apply bad",
        _ => "apply warn",
    }
}

#[component]
fn OutcomeNote(outcome: RwSignal<Option<Outcome>>, zone: Zone) -> impl IntoView {
    move || {
        outcome.get().map(|o| {
            let retry = o.response.apply.next_retry_at.map(|at| zone.format(&at));
            let apply = apply_words(&o.response.apply, retry.as_deref());
            let class = match o.response.apply.state {
                ApplyState::Failed => "alert error",
                ApplyState::Applied => "alert success",
                _ => "alert info",
            };
            view! {
                <div class=class role="status" data-testid="change-outcome">
                    <p>{format!("Saved. Sent to Plex: {}.", o.plan)}</p>
                    <p><strong>{apply}</strong></p>
                </div>
            }
        })
    }
}

/// The friend's windows, one bar per library, from a little before now (or the earliest start)
/// to a while after now (or the latest end).
#[component]
fn FriendTimeline(
    friend: PlexUserDetailResponse,
    libraries: Vec<LibraryResponse>,
    zone: Zone,
) -> impl IntoView {
    let now = now();
    if friend.grants.is_empty() {
        return view! {
            <section class="card glass" aria-labelledby="timeline-title">
                <div class="card-head"><h2 id="timeline-title">"Timeline"</h2></div>
                <p class="muted">"No library granted."</p>
            </section>
        }
        .into_any();
    }
    let (from, to) = friend_range(&friend, now);
    let when = |at: Option<&DateTime<Utc>>, open: &str| {
        at.map_or_else(|| open.to_owned(), |at| zone.format(at))
    };
    let rows: Vec<TimelineRow> = friend
        .grants
        .iter()
        .map(|g| {
            let name = title(&libraries, g.library_id);
            let detail = format!(
                "{name}: from {} until {} ({})",
                when(g.starts_at.as_ref(), "the start"),
                when(g.ends_at.as_ref(), "no end"),
                zone.name()
            );
            TimelineRow {
                label: name,
                items: vec![TimelineItem::Window {
                    from: g.starts_at,
                    to: g.ends_at,
                    detail,
                    anchor: g.anchor,
                }],
            }
        })
        .collect();
    let summary = format!(
        "Access windows of {} for {} {}, from {} to {}; today marked.",
        display_name(&friend.user),
        rows.len(),
        if rows.len() == 1 {
            "library"
        } else {
            "libraries"
        },
        zone.format_day(&from),
        zone.format_day(&to)
    );
    view! {
        <section class="card glass" aria-labelledby="timeline-title">
            <div class="card-head"><h2 id="timeline-title">"Timeline"</h2></div>
            <Timeline rows from to now summary zone testid="friend-timeline" />
        </section>
    }
    .into_any()
}

/// The time range of a friend's chart: now ± a margin, widened to the windows' edges.
fn friend_range(
    friend: &PlexUserDetailResponse,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let edges = friend
        .grants
        .iter()
        .flat_map(|g| [g.starts_at, g.ends_at])
        .flatten();
    let (mut lo, mut hi) = (now - Duration::days(3), now + Duration::days(14));
    for at in edges {
        lo = lo.min(at);
        hi = hi.max(at);
    }
    // Not more than two years back: old starts are drawn as open.
    lo = lo.max(now - Duration::days(730));
    let pad = (hi - lo) / 20;
    (lo - pad, hi + pad)
}
