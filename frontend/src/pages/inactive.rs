//! Inactive friends (`/inactive`, moderators and admins): whom the inactivity policy concerns now
//! — reminded, or due for its action — longest inactive first (`GET /api/v1/inactivity`). Due
//! friends are ticked and confirmed: "End access…" / "Remove…" previews each friend's plan (a dry
//! run) in a dialog, then saves it and follows the job applying it. While the policy is off the
//! list is a preview of whom it would concern.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use plexward_shared::{
    BulkResponse, InactiveFriend, InactivityAction, InactivityApplyRequest, InactivityReport,
    InactivityStage, JobState, LibraryResponse, Progress,
};

use crate::activity_text::{
    confirm_label, last_watched_short, policy_words, stage_name, stage_words,
};
use crate::api;
use crate::components::dialog::Dialog;
use crate::components::job_progress::JobProgress;
use crate::format::{now, plan_words};
use crate::jobs;
use crate::time_zone::{Zone, server_zone};

#[component]
pub fn Inactive() -> impl IntoView {
    let report = LocalResource::new(api::inactivity_report);
    let context = LocalResource::new(|| async {
        let (libraries, (zone, _)) = futures::join!(api::libraries(), server_zone());
        libraries.map(|l| (l.items, zone))
    });
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let open = RwSignal::new(false);
    // The policy's action as last read (for the dialog, which outlives a reload of the list).
    let action = RwSignal::new(InactivityAction::EndAccess);
    let on_done = Callback::new(move |()| {
        selected.set(BTreeSet::new());
        report.refetch();
    });
    view! {
        <p><A href=api::href("/friends")>"← Friends"</A></p>
        <h1 class="page-title">"Inactive friends"</h1>
        <section class="card glass" aria-labelledby="inactive-title" data-testid="inactive-friends">
            <div class="card-head wrap">
                <h2 id="inactive-title">"Who has stopped watching"</h2>
                <a class="btn ghost small" href=api::href("/settings")>"Inactivity policy"</a>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match (report.await, context.await) {
                        (Ok(report), Ok((_, zone))) => view! {
                            <Report report zone selected open action />
                        }
                            .into_any(),
                        (Err(e), _) | (_, Err(e)) => {
                            view! { <p class="alert error" role="alert">{e.message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
            // Outside the list: reloading it after a change keeps the dialog's report.
            <Suspense>
                {move || Suspend::new(async move {
                    context.await.ok().map(|(libraries, _)| view! {
                        <ConfirmInactive open selected action=action.into() libraries on_done />
                    })
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Report(
    report: InactivityReport,
    zone: Zone,
    selected: RwSignal<BTreeSet<i64>>,
    open: RwSignal<bool>,
    action: RwSignal<InactivityAction>,
) -> impl IntoView {
    let policy = report.policy.clone();
    let summary = policy_words(policy.days, policy.action, policy.remind_days_before);
    let note = if policy.enabled {
        let how = if policy.automatic {
            " Plexward acts on due friends on its own at each sync."
        } else {
            " Due friends wait here for you to confirm."
        };
        format!("{summary}{how}")
    } else {
        format!("The inactivity policy is off: this is a preview. {summary}")
    };
    let note_class = if policy.enabled { "hint" } else { "alert info" };
    // Only due friends can be confirmed, and only when the policy does more than remind.
    action.set(policy.action);
    let label = confirm_label(policy.action);
    let due: Vec<i64> = report
        .friends
        .iter()
        .filter(|f| f.stage == InactivityStage::Due)
        .map(|f| f.friend.id)
        .collect();
    // Friends no longer due drop out of the selection.
    selected.update(|s| s.retain(|id| due.contains(id)));
    let selectable = label.is_some() && !due.is_empty();
    let friends = report.friends;
    let table = if friends.is_empty() {
        view! { <p class="muted" data-testid="inactive-empty">"Nobody is inactive long enough for the policy."</p> }
            .into_any()
    } else {
        let now = now();
        let rows = friends
            .into_iter()
            .map(|f| view! { <InactiveRow friend=f zone=zone.clone() now selected selectable /> })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="data" data-testid="inactive-table">
                    <thead>
                        <tr>
                            {selectable.then(|| view! { <th scope="col" class="select-cell"><span class="visually-hidden">"Select"</span></th> })}
                            <th scope="col">"Name"</th>
                            <th scope="col">"Stage"</th>
                            <th scope="col">"Last watched"</th>
                            <th scope="col">"Inactive for"</th>
                            <th scope="col">{format!("Acts at ({})", zone.name())}</th>
                            <th scope="col">{format!("Reminded ({})", zone.name())}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
            .into_any()
    };
    view! {
        <p class=note_class role="status" data-testid="inactive-policy">{note}</p>
        {table}
        {label.map(|label| view! {
            <div class="bulk-bar">
                <span class="muted" data-testid="inactive-selected">
                    {move || format!("{} selected", selected.with(BTreeSet::len))}
                </span>
                <button
                    type="button"
                    class="btn"
                    data-testid="inactive-confirm"
                    disabled=move || selected.with(BTreeSet::is_empty)
                    on:click=move |_| open.set(true)
                >
                    {label}
                </button>
            </div>
        })}
    }
}

#[component]
fn InactiveRow(
    friend: InactiveFriend,
    zone: Zone,
    now: chrono::DateTime<chrono::Utc>,
    selected: RwSignal<BTreeSet<i64>>,
    selectable: bool,
) -> impl IntoView {
    let id = friend.friend.id;
    let name = friend.friend.title.clone();
    let due = friend.stage == InactivityStage::Due;
    let stage_class = if due { "pill bad" } else { "pill warn" };
    let watched_title = friend
        .last_watched_at
        .map(|at| format!("{} ({})", zone.format(&at), zone.name()));
    let days = friend.inactive_days;
    view! {
        <tr data-testid=format!("inactive-{id}") data-stage=stage_name(friend.stage)>
            {selectable.then(|| view! {
                <td class="select-cell">
                    {due.then(|| view! {
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
                    })}
                </td>
            })}
            <th scope="row">
                <A href=api::href(&format!("/friends/{id}"))>{friend.friend.title.clone()}</A>
                {friend.friend.username.map(|u| view! { <span class="muted">{format!(" ({u})")}</span> })}
            </th>
            <td><span class=stage_class data-testid="inactive-stage">{stage_words(friend.stage)}</span></td>
            <td title=watched_title>{last_watched_short(friend.last_watched_at.as_ref(), now)}</td>
            <td>{format!("{days} {}", if days == 1 { "day" } else { "days" })}</td>
            <td>{zone.format(&friend.acts_at)}</td>
            <td>{friend.reminded_at.map_or_else(|| "—".to_owned(), |at| zone.format(&at))}</td>
        </tr>
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Busy(&'static str),
    Preview(BulkResponse),
    Applying(Option<Progress>),
    Done(String),
    Failed(String),
}

/// The confirmation: a dry run's plans first, then the change itself, followed to its end.
#[component]
fn ConfirmInactive(
    open: RwSignal<bool>,
    selected: RwSignal<BTreeSet<i64>>,
    action: Signal<InactivityAction>,
    libraries: Vec<LibraryResponse>,
    on_done: Callback<()>,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Busy("Working out each friend's plan…"));
    let libraries = StoredValue::new(libraries);
    let title_of = move |id: i64| {
        libraries.with_value(|libs| {
            libs.iter()
                .find(|l| l.id == id)
                .map_or_else(|| format!("#{id}"), |l| l.title.clone())
        })
    };
    let request = move |dry_run: bool| InactivityApplyRequest {
        friend_ids: selected.get_untracked().into_iter().collect(),
        dry_run: dry_run.then_some(true),
    };
    let failed = |e: api::ApiError| {
        let mut text = e.message;
        for (_, why) in e.fields {
            text.push_str(&format!(" {why}"));
        }
        text
    };
    // A fresh preview every time the dialog opens.
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        stage.set(Stage::Busy("Working out each friend's plan…"));
        let body = request(true);
        spawn_local(async move {
            let next = match api::apply_inactivity(&body).await {
                Ok(answer) => Stage::Preview(answer),
                Err(e) => Stage::Failed(failed(e)),
            };
            stage.try_set(next);
        });
    });
    let confirm = move |_| {
        let body = request(false);
        stage.set(Stage::Applying(None));
        spawn_local(async move {
            let answer = match api::apply_inactivity(&body).await {
                Ok(answer) => answer,
                Err(e) => {
                    stage.try_set(Stage::Failed(failed(e)));
                    return;
                }
            };
            let count = answer.friends.len();
            let friends = if count == 1 { "friend" } else { "friends" };
            let Some(job_id) = answer.job_id else {
                stage.try_set(Stage::Done(format!("Saved for {count} {friends}.")));
                on_done.run(());
                return;
            };
            let outcome = jobs::follow(&job_id, |p| {
                stage.try_set(Stage::Applying(Some(p))).is_none()
            })
            .await;
            match outcome {
                Some(Ok(job)) if job.state == JobState::Succeeded => {
                    stage.try_set(Stage::Done(format!(
                        "Done: saved and applied for {count} {friends}."
                    )));
                }
                Some(Ok(job)) => {
                    stage.try_set(Stage::Failed(job.error.unwrap_or_else(|| {
                        "Applying failed; Plexward retries on its own.".to_owned()
                    })));
                }
                Some(Err(e)) => {
                    stage.try_set(Stage::Failed(e.message));
                }
                None => return,
            }
            on_done.run(());
        });
    };
    let removes = move || action.get() == InactivityAction::RemoveFriend;
    let title = Signal::derive(move || {
        let n = selected.with(BTreeSet::len);
        let verb = if removes() {
            "End access and remove"
        } else {
            "End access"
        };
        format!(
            "{verb} for {n} inactive {}",
            if n == 1 { "friend" } else { "friends" }
        )
    });
    let confirm_text = move || {
        if removes() {
            "Confirm: end access and remove"
        } else {
            "Confirm: end access"
        }
    };
    view! {
        <Dialog id="inactive-dialog" open title>
            {move || match stage.get() {
                Stage::Busy(what) => view! { <p class="muted" role="status">{what}</p> }.into_any(),
                Stage::Preview(answer) => view! {
                    <div role="status">
                        {removes().then(|| view! {
                            <p class="warning-text">"They are also removed from your Plex friends; granting again sends a new invite."</p>
                        })}
                        <p class="label">"Plex will be told:"</p>
                        <ul class="plan-list" data-testid="inactive-plan">
                            {answer
                                .friends
                                .into_iter()
                                .map(|f| {
                                    let words = plan_words(&f.plan, &title_of);
                                    view! { <li><strong>{f.title}</strong>": "{words}</li> }
                                })
                                .collect_view()}
                        </ul>
                    </div>
                }
                    .into_any(),
                Stage::Applying(progress) => view! {
                    <JobProgress
                        progress=progress.unwrap_or(Progress { done: 0, total: 0 })
                        label="Applying…"
                        bar_label="Progress"
                        testid="inactive-progress"
                    />
                }
                    .into_any(),
                Stage::Done(text) => view! {
                    <p class="alert success" role="status" data-testid="inactive-done">{text}</p>
                }
                    .into_any(),
                Stage::Failed(text) => view! {
                    <p class="alert error" role="alert" data-testid="inactive-error">{text}</p>
                }
                    .into_any(),
            }}
            <div class="actions">
                <button type="button" class="btn ghost" on:click=move |_| open.set(false)>"Close"</button>
                <Show when=move || matches!(stage.get(), Stage::Preview(_))>
                    <button type="button" class="btn danger" data-testid="inactive-apply" on:click=confirm>
                        {confirm_text}
                    </button>
                </Show>
            </div>
        </Dialog>
    }
}
