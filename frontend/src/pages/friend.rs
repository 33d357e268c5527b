//! One friend (`/friends/:id`): who they are and where applying stands, their libraries with
//! time windows (editable by moderators and admins), their own reminder emails, a timeline of
//! the windows, what they watched (read once per visit), and the history.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use plexward_shared::{
    AccessPlanResponse, AccessRequestState, ApplyState, BulkAction, BulkRequest, BulkResponse,
    ChangeResponse, InviteQuery, InviteResponse, InviteState, JobState, LibraryResponse,
    Permission, PlexUserDetailResponse, RequestQuery,
};

use crate::api;
use crate::components::avatar::Avatar;
use crate::components::end_policy_editor::EndPolicyEditor;
use crate::components::friend_activity::FriendActivityCard;
use crate::components::friend_badges::FriendBadges;
use crate::components::friend_reminders::FriendReminders;
use crate::components::grant_editor::GrantEditor;
use crate::components::history::History;
use crate::components::invite_actions::{
    InviteActions, InviteButtons, InviteCancelDialog, InviteOutcome,
};
use crate::components::portal_settings::PortalShare;
use crate::components::sharing_editor::SharingEditor;
use crate::components::timeline::{Timeline, TimelineItem, TimelineRow};
use crate::format::{apply_words, now, plan_words};
use crate::jobs::{self, sleep};
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
            let invites = InviteQuery {
                state: Some(InviteState::Pending.as_str().to_owned()),
                friend_id: Some(id.to_string()),
                ..InviteQuery::default()
            };
            let (friend, libraries, zone, settings, invites) = futures::join!(
                api::plex_user(id),
                api::libraries(),
                server_zone(),
                api::plex_settings(),
                api::invites(&invites)
            );
            // A role that cannot read invites sees no banner.
            let invites = invites.map(|l| l.items).unwrap_or_default();
            // Only for hints (Plex Pass, the default end policy, the anchor): a role that cannot
            // read the settings sees none.
            let settings = settings.ok();
            let plex_pass = settings.as_ref().and_then(|s| s.plex_pass);
            let ending = settings.map(|s| (s.end_policy, s.anchor_library_id));
            Ok::<_, api::ApiError>((
                friend?,
                libraries?.items,
                zone,
                (plex_pass, ending),
                invites,
            ))
        }
    });
    // Once per visit: a change on this page does not change what they watched.
    let activity = LocalResource::new(move || api::friend_activity(id));
    let outcome = RwSignal::new(None::<Outcome>);
    let on_reload = Callback::new(move |()| version.update(|v| *v += 1));
    let can_edit = use_session().allows(Permission::ManageAccess);
    // Outside the reloaded part, so what happened survives the reload it causes.
    let invite_actions = InviteActions::new(on_reload);
    let plan_outcome = RwSignal::new(None::<String>);

    view! {
        <p><A href=api::href("/friends")>"← Friends"</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the friend…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((friend, libraries, (zone, zone_note), (plex_pass, ending), invites)) => {
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
                            <PendingInvites invites zone=zone.clone() actions=invite_actions can_edit />
                            {can_edit.then(|| view! { <OpenRequests id /> })}
                            <OutcomeNote outcome zone=zone.clone() />
                            <AccessPlan
                                friend=friend.clone()
                                libraries=libraries.clone()
                                zone=zone.clone()
                                can_edit
                                outcome=plan_outcome
                                on_reload
                            />
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
                            <FriendReminders
                                id
                                email=friend.user.email.clone()
                                server_zone=zone.name().to_owned()
                                can_edit
                            />
                            <FriendActivityCard activity zone=zone.clone() />
                            <FriendTimeline friend libraries=libraries.clone() zone=zone.clone() />
                            <History id zone version libraries />
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Transition>
        <InviteCancelDialog actions=invite_actions />
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
                <PortalShare />
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

/// The pending invite that made this friend (they have not accepted yet): when it was sent, when
/// it expires, Resend and Cancel.
#[component]
fn PendingInvites(
    invites: Vec<InviteResponse>,
    zone: Zone,
    actions: InviteActions,
    can_edit: bool,
) -> impl IntoView {
    let banners = invites
        .into_iter()
        .filter(|i| i.state == InviteState::Pending)
        .map(|invite| {
            let text = format!(
                "Invite pending: sent to {} on {}; Plexward withdraws it on {} if it is not accepted. It gives: {}",
                invite.identifier,
                zone.format(&invite.sent_at),
                zone.format(&invite.expires_at),
                invite.summary
            );
            view! {
                <div class="alert info" role="status" data-testid="friend-invite-pending">
                    <p class="plan-given">{text}</p>
                    {can_edit.then(|| view! {
                        <div class="actions"><InviteButtons invite actions /></div>
                    })}
                </div>
            }
        })
        .collect_view();
    view! {
        <InviteOutcome actions />
        {banners}
    }
}

/// "2 open requests" from the friend portal, linking to them on the Requests page (nothing when
/// there are none). Only for roles that may answer them.
#[component]
fn OpenRequests(id: i64) -> impl IntoView {
    let open = LocalResource::new(move || async move {
        let q = RequestQuery {
            state: Some(AccessRequestState::Open.as_str().to_owned()),
            friend_id: Some(id.to_string()),
            limit: Some("1".to_owned()),
            ..RequestQuery::default()
        };
        api::requests(&q).await.map(|l| l.total).unwrap_or(0)
    });
    move || {
        open.get().filter(|n| *n > 0).map(|n| {
            view! {
                <p class="alert info" role="status" data-testid="friend-open-requests">
                    <a href=api::href(&format!("/requests?friend_id={id}&state=open"))>
                        {format!("{n} open {} from the portal", if n == 1 { "request" } else { "requests" })}
                    </a>
                    " — waiting for an answer."
                </p>
            }
        })
    }
}

/// Where giving a plan stands.
#[derive(Debug, Clone, PartialEq)]
enum GiveStage {
    Choosing,
    Busy(&'static str),
    /// The dry run, for this plan.
    Preview(Box<(AccessPlanResponse, BulkResponse)>),
    Failed(String),
}

/// The access plan the friend was given last, and (for moderators and admins) "Give a plan":
/// choose one, preview what Plex would be told, confirm. Its windows count from now.
#[component]
fn AccessPlan(
    friend: PlexUserDetailResponse,
    libraries: Vec<LibraryResponse>,
    zone: Zone,
    can_edit: bool,
    /// What the last "give" did (kept by the page across the reload it causes).
    outcome: RwSignal<Option<String>>,
    on_reload: Callback<()>,
) -> impl IntoView {
    let id = friend.user.id;
    let given = friend.access_plan.as_ref().map_or_else(
        || "No access plan given yet.".to_owned(),
        |p| {
            format!(
                "Given plan {} v{} on {}.",
                p.name,
                p.version,
                zone.format(&p.given_at)
            )
        },
    );
    let plans = LocalResource::new(move || async move {
        if can_edit {
            api::plans().await.map(|l| l.items)
        } else {
            Ok(Vec::new())
        }
    });
    let chosen = RwSignal::new(None::<i64>);
    let stage = RwSignal::new(GiveStage::Choosing);
    let titles = StoredValue::new(libraries);
    let title_of = move |id: i64| titles.with_value(|libs| title(libs, id));

    let preview = move |_| {
        outcome.set(None);
        let Some(plan_id) = chosen.get_untracked() else {
            stage.set(GiveStage::Failed("Choose a plan first.".into()));
            return;
        };
        let plan = plans
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|p| p.id == plan_id));
        let Some(plan) = plan else {
            stage.set(GiveStage::Failed("That plan no longer exists.".into()));
            return;
        };
        let body = BulkRequest {
            friend_ids: Some(vec![id]),
            plex_user_ids: None,
            action: BulkAction::ApplyPlan {
                plan_id,
                version: Some(plan.version),
            },
            dry_run: Some(true),
            versions: None,
        };
        stage.set(GiveStage::Busy("Working out what Plex would be told…"));
        spawn_local(async move {
            match api::bulk(&body).await {
                Ok(answer) => {
                    stage.try_set(GiveStage::Preview(Box::new((plan, answer))));
                }
                Err(e) => {
                    if e.code == "plan_changed" {
                        plans.refetch();
                    }
                    stage.try_set(GiveStage::Failed(give_error(&e)));
                }
            }
        });
    };

    let confirm = move |_| {
        let GiveStage::Preview(preview) = stage.get_untracked() else {
            return;
        };
        let (plan, answer) = *preview;
        let body = BulkRequest {
            friend_ids: Some(vec![id]),
            plex_user_ids: None,
            action: BulkAction::ApplyPlan {
                plan_id: plan.id,
                version: Some(plan.version),
            },
            dry_run: Some(false),
            versions: Some(
                answer
                    .friends
                    .iter()
                    .map(|f| (f.friend_id, f.version))
                    .collect(),
            ),
        };
        stage.set(GiveStage::Busy("Giving the plan and applying it on Plex…"));
        spawn_local(async move {
            let answer = match api::bulk(&body).await {
                Ok(answer) => answer,
                Err(e) => {
                    if e.code == "plan_changed" {
                        plans.refetch();
                    }
                    stage.try_set(GiveStage::Failed(give_error(&e)));
                    return;
                }
            };
            if !answer.skipped.is_empty() {
                stage.try_set(GiveStage::Failed(
                    "Not given: someone changed this friend since the preview. Reload the page and preview again."
                        .into(),
                ));
                return;
            }
            let done = format!("Plan “{}” (v{}) given.", plan.name, plan.version);
            let Some(job_id) = answer.job_id else {
                outcome.try_set(Some(done));
                on_reload.run(());
                return;
            };
            let finished = jobs::follow(&job_id, |_| stage.try_get_untracked().is_some()).await;
            match finished {
                Some(Ok(job)) if job.state == JobState::Succeeded => {
                    outcome.try_set(Some(format!("{done} Applied on Plex.")));
                }
                Some(Ok(job)) => {
                    outcome.try_set(Some(format!(
                        "{done} Applying on Plex failed ({}); Plexward retries on its own.",
                        job.error.unwrap_or_else(|| "no reason given".to_owned())
                    )));
                }
                Some(Err(e)) => {
                    outcome.try_set(Some(format!("{done} {}", e.message)));
                }
                None => return,
            }
            on_reload.run(());
        });
    };

    let options = move || {
        plans.get().map(|answer| match answer {
            Ok(list) => list
                .into_iter()
                .map(|p| {
                    let pid = p.id;
                    view! {
                        <option value=pid.to_string() selected=move || chosen.get() == Some(pid)>
                            {format!("{} (v{})", p.name, p.version)}
                        </option>
                    }
                })
                .collect_view()
                .into_any(),
            Err(_) => ().into_any(),
        })
    };
    let load_error = move || {
        plans
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="alert error" role="alert">{e.message}</p> })
    };
    let choosing = move || matches!(stage.get(), GiveStage::Choosing | GiveStage::Failed(_));

    view! {
        <section class="card glass" aria-labelledby="access-plan-title">
            <div class="card-head">
                <h2 id="access-plan-title">"Access plan"</h2>
                <A href=api::href("/plans")>"All plans"</A>
            </div>
            <p class="plan-given" data-testid="friend-access-plan">{given}</p>
            {move || outcome.get().map(|text| view! {
                <p class="alert success" role="status" data-testid="friend-give-plan-done">{text}</p>
            })}
            <Show when=move || can_edit>
                <div class="give-plan">
                    <label for="friend-give-plan">"Give a plan"</label>
                    <select
                        id="friend-give-plan"
                        data-testid="friend-give-plan"
                        disabled=move || !choosing()
                        on:change=move |ev| {
                            chosen.set(event_target_value(&ev).parse().ok());
                            stage.set(GiveStage::Choosing);
                        }
                    >
                        <option value="" selected=move || chosen.get().is_none()>"— Choose a plan —"</option>
                        {options}
                    </select>
                    <button
                        type="button"
                        class="btn ghost"
                        data-testid="friend-give-plan-preview"
                        disabled=move || !choosing() || chosen.get().is_none()
                        on:click=preview
                    >
                        "Preview"
                    </button>
                </div>
                {load_error}
                <p class="hint">
                    "The friend's grants become the plan's, its windows counted from now; its sharing settings and end policy too, when it has them."
                </p>
            </Show>
            {move || match stage.get() {
                GiveStage::Choosing => ().into_any(),
                GiveStage::Busy(what) => view! { <p class="muted" role="status">{what}</p> }.into_any(),
                GiveStage::Failed(text) => view! {
                    <p class="alert error" role="alert" data-testid="friend-give-plan-error">{text}</p>
                }
                .into_any(),
                GiveStage::Preview(preview) => {
                    let (plan, answer) = &*preview;
                    let words: Vec<String> = answer
                        .friends
                        .iter()
                        .map(|f| plan_words(&f.plan, &title_of))
                        .collect();
                    let words = if words.is_empty() { "No change".to_owned() } else { words.join("; ") };
                    view! {
                        <div class="alert info plan" role="status" data-testid="friend-give-plan-result">
                            <p><strong>{format!("{} (v{}): {}", plan.name, plan.version, plan.summary)}</strong></p>
                            <p>{format!("Plex will be told: {words}.")}</p>
                        </div>
                        <div class="actions">
                            <button type="button" class="btn ghost" on:click=move |_| stage.set(GiveStage::Choosing)>
                                "Back"
                            </button>
                            <button type="button" class="btn" data-testid="friend-give-plan-confirm" on:click=confirm>
                                "Give the plan"
                            </button>
                        </div>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// A refused "give", in words: an edited plan needs a new preview.
fn give_error(e: &api::ApiError) -> String {
    match e.code.as_str() {
        "plan_changed" => format!("{} Preview again to see the plan as it is now.", e.message),
        _ if !e.fields.is_empty() => {
            let fields: Vec<String> = e
                .fields
                .iter()
                .map(|(f, why)| format!("{f}: {why}"))
                .collect();
            format!("{} ({})", e.message, fields.join("; "))
        }
        _ => e.message.clone(),
    }
}
