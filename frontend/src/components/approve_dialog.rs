//! "Approve…" for a friend's request: first a dry run shows what approving changes (each
//! library's window before → after, and what Plex will be told); for more time, the period can be
//! changed (the friend's wish, else a month) and the preview follows. "Approve" then saves and
//! applies the change and says how it went — applied, waiting to be applied (the job is followed
//! until it ends), or why it was refused.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    AccessRequest, AccessRequestKind, ApplyState, ApproveRequest, ApproveResponse, ChangeResponse,
    ExtendPeriod, JobState, LibraryResponse, PlanAction,
};

use crate::api::{self, ApiError};
use crate::components::dialog::Dialog;
use crate::format::{apply_words, plan_words};
use crate::jobs;
use crate::request_text::{Reader, grant_change_words, period_words, request_words};
use crate::time_zone::Zone;

/// The periods offered for more time (plus the friend's own, when it is none of these).
const PERIODS: [ExtendPeriod; 4] = [
    ExtendPeriod::Week,
    ExtendPeriod::Month,
    ExtendPeriod::Year,
    ExtendPeriod::Unlimited,
];

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Previewing,
    Preview(Box<ChangeResponse>),
    /// The preview was refused.
    Refused(String),
    Approving,
    /// Approved: the words, and the alert's class.
    Approved(String, &'static str),
    /// Approving was refused; nothing changed.
    Failed(String),
}

/// A refusal in words: a request decided meanwhile, or the server's reason (with the fields a
/// 422 names).
fn refusal(e: &ApiError) -> String {
    match e.code.as_str() {
        "request_closed" => format!("{} The list shows it as it is now.", e.message),
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

/// What approving did, in words, with the alert's class: applied, waiting for Plex, or saved but
/// not applied yet.
fn outcome(change: &ChangeResponse, zone: &Zone) -> (String, &'static str) {
    let retry = change.apply.next_retry_at.map(|at| zone.format(&at));
    let apply = apply_words(&change.apply, retry.as_deref());
    match (change.apply.state, &change.job_id) {
        (ApplyState::Applied, _) => (format!("Approved. {apply}"), "alert success"),
        (ApplyState::Queued, Some(job)) => (
            format!("Approved and saved. {apply} (job {job})"),
            "alert info",
        ),
        (ApplyState::Failed, _) => (format!("Approved and saved. {apply}"), "alert warning"),
        _ => (format!("Approved. {apply}"), "alert info"),
    }
}

#[component]
pub fn ApproveDialog(
    open: RwSignal<bool>,
    request: RwSignal<Option<AccessRequest>>,
    libraries: Vec<LibraryResponse>,
    zone: Zone,
    /// Approved (or found decided): a line for the page, which reloads its list.
    on_done: Callback<String>,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Previewing);
    // The period for more time, as the API spells it.
    let period = RwSignal::new(ExtendPeriod::Month.to_string());
    // Bumped by every preview: an answer to an older one (another period) is dropped.
    let generation = StoredValue::new(0_u32);
    let titles = StoredValue::new(libraries);
    let title_of = move |id: i64| {
        titles.with_value(|libs| {
            libs.iter()
                .find(|l| l.id == id)
                .map_or_else(|| format!("#{id}"), |l| l.title.clone())
        })
    };
    let zone = StoredValue::new(zone);
    let is_extension = move || {
        request.with(|r| {
            r.as_ref()
                .is_some_and(|r| r.kind == AccessRequestKind::Extension)
        })
    };
    let body = move |dry_run: bool| ApproveRequest {
        grants: None,
        period: is_extension()
            .then(|| ExtendPeriod::parse(&period.get_untracked()).ok())
            .flatten(),
        dry_run: Some(dry_run),
    };

    let preview = move || {
        let Some(id) = request.with_untracked(|r| r.as_ref().map(|r| r.id)) else {
            return;
        };
        let body = untrack(|| body(true));
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        stage.set(Stage::Previewing);
        spawn_local(async move {
            let answer = api::approve_request(id, &body).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            match answer {
                Ok(ApproveResponse { change, .. }) => {
                    stage.try_set(Stage::Preview(Box::new(change)));
                }
                Err(e) => {
                    if e.code == "request_closed" {
                        on_done.run(String::new());
                    }
                    stage.try_set(Stage::Refused(refusal(&e)));
                }
            }
        });
    };

    // Every opening starts with the friend's period (else a month) and a fresh preview.
    Effect::new(move |_| {
        if open.get() {
            let asked = request.with_untracked(|r| r.as_ref().and_then(|r| r.period.clone()));
            period.set(asked.unwrap_or(ExtendPeriod::Month).to_string());
            preview();
        }
    });

    let approve = move |_| {
        let Some(asked) = request.get_untracked() else {
            return;
        };
        let body = untrack(|| body(false));
        // Also ends the following of an earlier approval's job (another request's).
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let current = move || generation.try_get_value() == Some(mine);
        stage.set(Stage::Approving);
        spawn_local(async move {
            let change = match api::approve_request(asked.id, &body).await {
                Ok(answer) => answer.change,
                Err(e) => {
                    if e.code == "request_closed" {
                        on_done.run(String::new());
                    }
                    stage.try_set(Stage::Failed(refusal(&e)));
                    return;
                }
            };
            let (words, class) = zone.with_value(|z| outcome(&change, z));
            stage.try_set(Stage::Approved(words, class));
            on_done.run(format!(
                "Approved {}'s request: {}.",
                asked.friend.title,
                request_words(&asked, Reader::Staff)
            ));
            // Plex is still being told: follow the job while the dialog is there.
            let (ApplyState::Queued, Some(job)) = (change.apply.state, change.job_id) else {
                return;
            };
            let ended = jobs::follow(&job, |_| current()).await;
            let words = match ended {
                Some(Ok(job)) if job.state == JobState::Succeeded => {
                    ("Approved. Applied on Plex ✓".to_owned(), "alert success")
                }
                Some(Ok(job)) => (
                    format!(
                        "Approved and saved, but applying on Plex failed ({}); Plexward retries on its own.",
                        job.error.unwrap_or_else(|| "no reason given".to_owned())
                    ),
                    "alert warning",
                ),
                Some(Err(e)) => (format!("Approved and saved. {}", e.message), "alert info"),
                None => return,
            };
            if current() {
                stage.try_set(Stage::Approved(words.0, words.1));
            }
        });
    };

    let title = Signal::derive(move || {
        request.with(|r| {
            r.as_ref().map_or_else(String::new, |r| {
                format!("Approve {}'s request?", r.friend.title)
            })
        })
    });
    let asked = move || {
        request.with(|r| {
            r.as_ref().map(|r| {
                let mut words = request_words(r, Reader::Staff);
                if r.kind == AccessRequestKind::Extension && r.period.is_none() {
                    words.push_str(" (no period given)");
                }
                words
            })
        })
    };
    // The friend's period, when it is none of the usual ones, is offered too.
    let options = move || {
        let own = request.with(|r| r.as_ref().and_then(|r| r.period.clone()));
        let mut choices: Vec<ExtendPeriod> = PERIODS.to_vec();
        if let Some(own) = &own
            && !choices.contains(own)
        {
            choices.push(own.clone());
        }
        choices
            .into_iter()
            .map(|p| {
                let value = p.to_string();
                let mine = value.clone();
                let mut label = period_words(&p);
                if own.as_ref() == Some(&p) {
                    label.push_str(" (asked)");
                }
                view! {
                    <option value=value selected=move || period.with(|v| *v == mine)>{label}</option>
                }
            })
            .collect_view()
    };
    let deciding = move || {
        matches!(
            stage.get(),
            Stage::Preview(_) | Stage::Previewing | Stage::Refused(_)
        )
    };

    view! {
        <Dialog id="approve-request" open title>
            <p data-testid="approve-asked"><strong>{asked}</strong></p>
            {move || {
                request.with(|r| r.as_ref().and_then(|r| r.message.clone())).map(|m| view! {
                    <p class="hint">{format!("Their note: “{m}”")}</p>
                })
            }}
            <Show when=move || is_extension() && deciding()>
                <div class="field">
                    <label for="approve-period">"Extend by"</label>
                    <select
                        id="approve-period"
                        data-testid="approve-period"
                        disabled=move || matches!(stage.get(), Stage::Previewing)
                        on:change=move |ev| {
                            period.set(event_target_value(&ev));
                            preview();
                        }
                    >
                        {options}
                    </select>
                </div>
            </Show>
            {move || match stage.get() {
                Stage::Previewing => view! {
                    <p class="muted" role="status">"Working out what approving changes…"</p>
                }
                    .into_any(),
                Stage::Preview(change) => {
                    let lines: Vec<String> = zone.with_value(|z| {
                        change.changes.iter().map(|c| grant_change_words(c, &|at| z.format(at))).collect()
                    });
                    // More time often changes only Plexward's schedule: Plex already has the libraries.
                    let plan = if change.plan.action == PlanAction::Nothing {
                        "Plex already has these libraries: nothing to send now; Plexward keeps the new windows.".to_owned()
                    } else {
                        format!("Plex will be told: {}.", plan_words(&change.plan, &title_of))
                    };
                    let zone_name = zone.with_value(|z| z.name().to_owned());
                    view! {
                        <div role="status" data-testid="approve-preview">
                            {if lines.is_empty() {
                                view! { <p>"Nothing changes: they have this already."</p> }.into_any()
                            } else {
                                view! {
                                    <p class="label">{format!("If you approve ({zone_name}):")}</p>
                                    <ul class="plan-list" data-testid="approve-changes">
                                        {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }}
                            <p class="hint" data-testid="approve-plan">{plan}</p>
                        </div>
                    }
                        .into_any()
                }
                Stage::Refused(text) | Stage::Failed(text) => view! {
                    <p class="alert error" role="alert" data-testid="approve-error">{text}</p>
                }
                    .into_any(),
                Stage::Approving => view! {
                    <p class="muted" role="status">"Approving and applying on Plex…"</p>
                }
                    .into_any(),
                Stage::Approved(text, class) => view! {
                    <p class=class role="status" data-testid="approve-outcome">{text}</p>
                }
                    .into_any(),
            }}
            <div class="actions">
                <button type="button" class="btn ghost" on:click=move |_| open.set(false)>
                    {move || if matches!(stage.get(), Stage::Approved(..)) { "Close" } else { "Cancel" }}
                </button>
                <Show when=move || !matches!(stage.get(), Stage::Approved(..))>
                    <button
                        type="button"
                        class="btn"
                        data-testid="approve-confirm"
                        disabled=move || !matches!(stage.get(), Stage::Preview(_))
                        on:click=approve
                    >
                        "Approve"
                    </button>
                </Show>
            </div>
        </Dialog>
    }
}
