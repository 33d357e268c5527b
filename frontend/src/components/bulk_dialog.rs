//! "Bulk change…": one change for the selected friends. Choose set libraries (with an optional
//! window), extend, revoke, sharing settings or an access plan; "Preview" shows each friend's plan
//! in words (a dry run); "Apply" saves and follows the job applying it until it is done.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    AccessPlanResponse, BulkAction, BulkRequest, BulkResponse, BulkSkipped, ExtendPeriod, JobState,
    LibraryResponse, Progress,
};

use crate::api;
use crate::components::dialog::Dialog;
use crate::components::job_progress::JobProgress;
use crate::components::sharing_editor::{SharingFields, SharingForm, sharing_words};
use crate::format::plan_words;
use crate::jobs;
use crate::time_zone::Zone;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Set,
    Extend,
    Revoke,
    Sharing,
    /// Give an access plan.
    Plan,
}

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Choosing,
    Busy(&'static str),
    Preview(BulkResponse),
    Applying(Option<Progress>),
    Done(String),
    Failed(String),
}

/// " Not changed: alice (changed by someone else since the preview)." — or nothing.
fn skipped_words(skipped: &[BulkSkipped]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = skipped.iter().map(|s| s.title.as_str()).collect();
    format!(
        " Not changed: {} (changed by someone else since the preview; preview again to include {}).",
        names.join(", "),
        if names.len() == 1 { "them" } else { "them all" }
    )
}

fn period_of(value: &str) -> ExtendPeriod {
    match value {
        "month" => ExtendPeriod::Month,
        "year" => ExtendPeriod::Year,
        "unlimited" => ExtendPeriod::Unlimited,
        _ => ExtendPeriod::Week,
    }
}

#[component]
pub fn BulkDialog(
    open: RwSignal<bool>,
    /// Plexward ids of the selected friends.
    selected: Signal<Vec<i64>>,
    libraries: Vec<LibraryResponse>,
    zone: Zone,
    /// Told when a change was applied (to reload the list).
    on_done: Callback<()>,
) -> impl IntoView {
    let kind = RwSignal::new(Kind::Set);
    let chosen = RwSignal::new(BTreeSet::<i64>::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let period = RwSignal::new(ExtendPeriod::Month);
    let stage = RwSignal::new(Stage::Choosing);
    let sharing = SharingForm::new(&plexward_shared::Sharing::default());
    let plans = LocalResource::new(api::plans);
    let plan_id = RwSignal::new(None::<i64>);
    // The chosen plan as last loaded (its version is what the preview is checked against).
    let chosen_plan = move || -> Option<AccessPlanResponse> {
        let id = plan_id.get()?;
        plans
            .get()
            .and_then(Result::ok)
            .and_then(|l| l.items.into_iter().find(|p| p.id == id))
    };
    let all_libraries = StoredValue::new(libraries.clone());
    let title_of = move |id: i64| {
        all_libraries.with_value(|libs| {
            libs.iter()
                .find(|l| l.id == id)
                .map_or_else(|| format!("#{id}"), |l| l.title.clone())
        })
    };
    // A fresh start every time the dialog opens.
    Effect::new(move |_| {
        if open.get() {
            stage.set(Stage::Choosing);
            plans.refetch();
        }
    });

    let editing = move || matches!(stage.get(), Stage::Choosing | Stage::Failed(_));
    let editable = editing;
    let zone_for_build = StoredValue::new(zone.clone());
    let action = move || -> Result<BulkAction, String> {
        Ok(match kind.get_untracked() {
            Kind::Set => {
                let library_ids: Vec<i64> = chosen.get_untracked().into_iter().collect();
                if library_ids.is_empty() {
                    return Err("Choose at least one library, or use Revoke.".into());
                }
                let starts_at = zone_for_build
                    .with_value(|z| z.input_to_rfc3339(&start.get_untracked()))
                    .map_err(|e| format!("Start: {e}"))?;
                let ends_at = zone_for_build
                    .with_value(|z| z.input_to_rfc3339(&end.get_untracked()))
                    .map_err(|e| format!("End: {e}"))?;
                BulkAction::SetLibraries {
                    library_ids,
                    starts_at,
                    ends_at,
                }
            }
            Kind::Extend => BulkAction::Extend {
                period: period.get_untracked(),
                library_ids: None,
            },
            Kind::Revoke => BulkAction::Revoke {},
            Kind::Sharing => BulkAction::Sharing {
                sharing: Box::new(sharing.read()),
            },
            Kind::Plan => {
                let plan = untrack(chosen_plan).ok_or("Choose a plan to give.")?;
                BulkAction::ApplyPlan {
                    plan_id: plan.id,
                    version: Some(plan.version),
                }
            }
        })
    };
    let request = move |dry_run: bool| -> Result<BulkRequest, String> {
        Ok(BulkRequest {
            friend_ids: Some(selected.get_untracked()),
            plex_user_ids: None,
            action: action()?,
            dry_run: Some(dry_run),
            versions: None,
        })
    };
    let show_error = move |message: String, fields: Vec<(String, String)>| {
        let mut text = message;
        if kind.get_untracked() == Kind::Plan {
            // An edited plan (409 `plan_changed`) needs reading again before a new preview.
            plans.refetch();
        }
        for (field, why) in fields {
            text.push_str(&format!(" {field}: {why}."));
        }
        stage.set(Stage::Failed(text));
    };

    let preview = move |_| {
        let body = match request(true) {
            Ok(body) => body,
            Err(e) => return stage.set(Stage::Failed(e)),
        };
        stage.set(Stage::Busy("Working out each friend's plan…"));
        spawn_local(async move {
            match api::bulk(&body).await {
                Ok(answer) => {
                    stage.try_set(Stage::Preview(answer));
                }
                Err(e) => show_error(e.message, e.fields.into_iter().collect()),
            }
        });
    };

    let apply = move |_| {
        let mut body = match request(false) {
            Ok(body) => body,
            Err(e) => return stage.set(Stage::Failed(e)),
        };
        // Each friend as the preview showed them: one changed since is skipped, not overwritten.
        if let Stage::Preview(preview) = stage.get_untracked() {
            body.versions = Some(
                preview
                    .friends
                    .iter()
                    .map(|f| (f.friend_id, f.version))
                    .collect(),
            );
        }
        stage.set(Stage::Applying(None));
        spawn_local(async move {
            let answer = match api::bulk(&body).await {
                Ok(answer) => answer,
                Err(e) => return show_error(e.message, e.fields.into_iter().collect()),
            };
            let count = answer.friends.len();
            let skipped = skipped_words(&answer.skipped);
            let Some(job_id) = answer.job_id else {
                stage.try_set(Stage::Done(format!("Saved for {count} friends.{skipped}")));
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
                        "Done: the change was saved and applied for {count} {}.{skipped}",
                        if count == 1 { "friend" } else { "friends" }
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
                None => {}
            }
            on_done.run(());
        });
    };

    let start_label = format!("Starts ({}, empty = now)", zone.name());
    let end_label = format!("Ends ({}, empty = never)", zone.name());
    let choosable: Vec<LibraryResponse> = libraries
        .into_iter()
        .filter(|l| !l.removed && !l.anchor)
        .collect();
    let choosable = StoredValue::new(choosable);
    let library_choices = move || {
        choosable
            .get_value()
            .into_iter()
            .map(|library| {
                let id = library.id;
                view! {
                    <label class="check">
                        <input
                            type="checkbox"
                            prop:checked=move || chosen.with(|c| c.contains(&id))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| {
                                    if on { c.insert(id); } else { c.remove(&id); }
                                });
                            }
                        />
                        <span>{library.title}</span>
                    </label>
                }
            })
            .collect_view()
    };
    let title = Signal::derive(move || {
        let n = selected.with(Vec::len);
        format!(
            "Bulk change for {n} {}",
            if n == 1 { "friend" } else { "friends" }
        )
    });

    view! {
        <Dialog id="bulk-dialog" open title>
            <fieldset class="form" disabled=move || !editing()>
                <legend class="label">"Change"</legend>
                <div class="radio-row">
                    {[(Kind::Set, "Set libraries", "set"), (Kind::Extend, "Extend", "extend"), (Kind::Revoke, "Revoke", "revoke"), (Kind::Sharing, "Sharing settings", "sharing"), (Kind::Plan, "Apply a plan", "plan")]
                        .into_iter()
                        .map(|(value, label, testid)| view! {
                            <label class="check">
                                <input
                                    type="radio"
                                    name="bulk-kind"
                                    data-testid=format!("bulk-kind-{testid}")
                                    prop:checked=move || kind.get() == value
                                    on:change=move |_| {
                                        kind.set(value);
                                        stage.set(Stage::Choosing);
                                    }
                                />
                                <span>{label}</span>
                            </label>
                        })
                        .collect_view()}
                </div>
                <Show when=move || kind.get() == Kind::Set>
                    <div class="choices" role="group" aria-label="Libraries">{library_choices}</div>
                    <div class="form-grid">
                        <div class="field">
                            <label for="bulk-start">{start_label.clone()}</label>
                            <input id="bulk-start" type="datetime-local" prop:value=move || start.get()
                                on:input=move |ev| start.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="bulk-end">{end_label.clone()}</label>
                            <input id="bulk-end" type="datetime-local" prop:value=move || end.get()
                                on:input=move |ev| end.set(event_target_value(&ev)) />
                        </div>
                    </div>
                </Show>
                <Show when=move || kind.get() == Kind::Extend>
                    <div class="field">
                        <label for="bulk-period">"Extend by"</label>
                        <select id="bulk-period" on:change=move |ev| period.set(period_of(&event_target_value(&ev)))>
                            <option value="week">"1 week"</option>
                            <option value="month" selected>"1 month"</option>
                            <option value="year">"1 year"</option>
                            <option value="unlimited">"Unlimited (no end)"</option>
                        </select>
                    </div>
                </Show>
                <Show when=move || kind.get() == Kind::Sharing>
                    <p class="hint">
                        "Every selected friend gets these settings, sent with their libraries (which stay as they are); Plexward keeps them from then on."
                    </p>
                    <SharingFields form=sharing prefix="bulk-sharing" editable=Signal::derive(editable) no_pass=false folded=true />
                </Show>
                <Show when=move || kind.get() == Kind::Plan>
                    <div class="field">
                        <label for="bulk-plan-select">"Plan"</label>
                        <select
                            id="bulk-plan-select"
                            data-testid="bulk-plan-select"
                            on:change=move |ev| {
                                plan_id.set(event_target_value(&ev).parse().ok());
                                stage.set(Stage::Choosing);
                            }
                        >
                            <option value="" selected=move || plan_id.get().is_none()>"— Choose a plan —"</option>
                            {move || {
                                plans.get().and_then(Result::ok).map(|list| {
                                    list.items
                                        .into_iter()
                                        .map(|p| {
                                            let id = p.id;
                                            view! {
                                                <option value=id.to_string() selected=move || plan_id.get() == Some(id)>
                                                    {format!("{} (v{})", p.name, p.version)}
                                                </option>
                                            }
                                        })
                                        .collect_view()
                                })
                            }}
                        </select>
                        <p class="hint" data-testid="bulk-plan-summary">
                            {move || chosen_plan().map_or_else(
                                || "Each friend's grants become the plan's, its windows counted from now.".to_owned(),
                                |p| format!("{}. Each friend's grants become the plan's, its windows counted from now.", p.summary),
                            )}
                        </p>
                        {move || plans.get().and_then(Result::err).map(|e| view! {
                            <p class="alert error" role="alert">{e.message}</p>
                        })}
                    </div>
                </Show>
                <Show when=move || kind.get() == Kind::Revoke>
                    <p class="warning-text">
                        "Removes every grant. Without an anchor library their shares are deleted; a later grant sends a new invite."
                    </p>
                </Show>
            </fieldset>
            {move || match stage.get() {
                Stage::Choosing => ().into_any(),
                Stage::Busy(what) => view! { <p class="muted" role="status">{what}</p> }.into_any(),
                Stage::Preview(answer) => view! {
                    <div role="status">
                        <p class="label">"Plex will be told:"</p>
                        <ul class="plan-list" data-testid="bulk-plan">
                            {answer
                                .friends
                                .into_iter()
                                .map(|f| {
                                    let mut words = plan_words(&f.plan, &title_of);
                                    if let Some(s) = &f.plan.sharing {
                                        words.push_str(&format!(" ({})", sharing_words(s)));
                                    }
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
                        bar_label="Bulk change progress"
                        testid="bulk-progress"
                    />
                }
                    .into_any(),
                Stage::Done(text) => view! {
                    <p class="alert success" role="status" data-testid="bulk-done">{text}</p>
                }
                    .into_any(),
                Stage::Failed(text) => view! {
                    <p class="alert error" role="alert" data-testid="bulk-error">{text}</p>
                }
                    .into_any(),
            }}
            <div class="actions">
                <button type="button" class="btn ghost" on:click=move |_| open.set(false)>"Close"</button>
                <Show when=editing>
                    <button type="button" class="btn" on:click=preview>"Preview"</button>
                </Show>
                <Show when=move || matches!(stage.get(), Stage::Preview(_))>
                    <button type="button" class="btn ghost" on:click=move |_| stage.set(Stage::Choosing)>"Back"</button>
                    <button type="button" class="btn" on:click=apply>"Apply"</button>
                </Show>
            </div>
        </Dialog>
    }
}
