//! Settings → Scheduler: when the reconcile runs — every N minutes (5–1440) or daily at HH:MM in
//! the server's time zone. Admins edit it; everyone else sees the schedule in words. The server
//! validates (its 422 names the field), so the form does not second-guess the ranges.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{Permission, ScheduleMode, ScheduleSettings, SchedulerResponse};

use crate::api;
use crate::components::field_error::FieldError;
use crate::components::form_field::FormField;
use crate::format::{countdown_words, schedule_words, seconds_until};
use crate::session::use_session;
use crate::time_zone::Zone;

#[component]
pub fn SchedulerSettings() -> impl IntoView {
    let scheduler = LocalResource::new(api::scheduler);
    view! {
        <section class="card glass" aria-labelledby="scheduler-settings-title">
            <div class="card-head">
                <h2 id="scheduler-settings-title">"Scheduler"</h2>
            </div>
            <p class="hint">
                "The reconcile syncs from Plex, then makes Plex match every friend's grants (and, \
                 by the drift policy, puts back changes made in Plex directly)."
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match scheduler.await {
                        Ok(current) => view! { <ScheduleForm current /> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `Next reconcile: 24 Nov 2026, 10:31 (Europe/Berlin), in 29 m 59 s.` — on the server's clock.
fn next_run_sentence(answer: &SchedulerResponse) -> String {
    let zone = Zone::new(&answer.time_zone);
    let left = seconds_until(
        answer.next_run_at.timestamp_millis(),
        answer.now.timestamp_millis(),
    );
    let when = if left > 0 {
        format!("in {}", countdown_words(left))
    } else {
        countdown_words(left)
    };
    format!(
        "Next reconcile: {} ({}), {when}.",
        zone.format(&answer.next_run_at),
        zone.name()
    )
}

#[component]
fn ScheduleForm(current: SchedulerResponse) -> impl IntoView {
    let can_edit = use_session().allows(Permission::ManageSettings);
    let current = RwSignal::new(current);
    let summary = move || {
        current.with(|c| format!("Reconcile {}.", schedule_words(&c.settings, &c.time_zone)))
    };
    if !can_edit {
        return view! {
            <dl class="facts" data-testid="schedule-summary">
                <dt>"Schedule"</dt>
                <dd>{summary}</dd>
                <dt>"Next run"</dt>
                <dd>{move || current.with(next_run_sentence)}</dd>
            </dl>
            <p class="hint">"Only admins can change the schedule."</p>
        }
        .into_any();
    }

    let settings = current.with_untracked(|c| c.settings.clone());
    let mode = RwSignal::new(settings.mode);
    let interval = RwSignal::new(settings.interval_minutes.to_string());
    let daily_at = RwSignal::new(settings.daily_at.clone());

    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let failure = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let error_of =
        move |name: &'static str| Signal::derive(move || errors.with(|e| e.get(name).cloned()));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.set(BTreeMap::new());
        failure.set(None);
        saved.set(None);
        let chosen = mode.get_untracked();
        // The number box may hold anything; only what cannot be sent at all is caught here (the
        // range is the server's to judge). In daily mode the interval is not used: a bad one is
        // sent back as it was.
        let interval_minutes = match interval.get_untracked().trim().parse::<u32>() {
            Ok(minutes) => minutes,
            Err(_) if chosen == ScheduleMode::Daily => {
                current.with_untracked(|c| c.settings.interval_minutes)
            }
            Err(_) => {
                errors.set(BTreeMap::from([(
                    "interval_minutes".to_owned(),
                    "must be a whole number of minutes".to_owned(),
                )]));
                return;
            }
        };
        let body = ScheduleSettings {
            mode: chosen,
            interval_minutes,
            daily_at: daily_at.get_untracked().trim().to_owned(),
        };
        let version = current.with_untracked(|c| c.version.clone());
        busy.set(true);
        spawn_local(async move {
            match api::update_scheduler(&body, &version).await {
                Ok(now) => {
                    interval.try_set(now.settings.interval_minutes.to_string());
                    daily_at.try_set(now.settings.daily_at.clone());
                    mode.try_set(now.settings.mode);
                    saved.try_set(Some(format!("Schedule saved. {}", next_run_sentence(&now))));
                    current.try_set(now);
                }
                Err(e) if !e.fields.is_empty() => {
                    errors.try_set(e.fields);
                }
                Err(e) => {
                    failure.try_set(Some(e.message));
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <dl class="facts" data-testid="schedule-summary">
            <dt>"Schedule"</dt>
            <dd>{summary}</dd>
            <dt>"Time zone"</dt>
            <dd data-testid="schedule-zone">{move || current.with(|c| c.time_zone.clone())}</dd>
        </dl>
        <form class="form settings-form" on:submit=submit novalidate aria-label="Scheduler settings">
            <fieldset class="field schedule-modes">
                <legend class="label">"Run the reconcile"</legend>
                <label class="check">
                    <input
                        type="radio"
                        name="schedule-mode"
                        value="interval"
                        prop:checked=move || mode.get() == ScheduleMode::Interval
                        on:change=move |_| mode.set(ScheduleMode::Interval)
                    />
                    <span>"Every so many minutes"</span>
                </label>
                <label class="check">
                    <input
                        type="radio"
                        name="schedule-mode"
                        value="daily"
                        prop:checked=move || mode.get() == ScheduleMode::Daily
                        on:change=move |_| mode.set(ScheduleMode::Daily)
                    />
                    <span>"Daily at a set time"</span>
                </label>
                <FieldError id="schedule-mode-error" error=error_of("mode") />
            </fieldset>
            <div class="form-grid">
                <FormField
                    id="schedule-interval"
                    label="Interval (minutes)"
                    error=error_of("interval_minutes")
                    hint="5 to 1440 (one day), counted from the start of the last run."
                >
                    <input
                        type="number"
                        inputmode="numeric"
                        min="5"
                        max="1440"
                        step="1"
                        disabled=move || mode.get() != ScheduleMode::Interval
                        prop:value=move || interval.get()
                        on:input:target=move |ev| interval.set(ev.target().value())
                    />
                </FormField>
                <FormField
                    id="schedule-daily"
                    label="Time of day"
                    error=error_of("daily_at")
                    hint=move || current.with(|c| format!(
                        "Once a day at this time, in the server's time zone: {} (set under Plex connection).",
                        c.time_zone
                    ))
                >
                    <input
                        type="time"
                        step="60"
                        disabled=move || mode.get() != ScheduleMode::Daily
                        prop:value=move || daily_at.get()
                        on:input:target=move |ev| daily_at.set(ev.target().value())
                    />
                </FormField>
            </div>
            <div aria-live="polite">
                <Show when=move || saved.with(Option::is_some)>
                    <p class="alert success" role="status" data-testid="schedule-saved">{move || saved.get()}</p>
                </Show>
                <Show when=move || failure.with(Option::is_some)>
                    <p class="alert error" role="alert">{move || failure.get()}</p>
                </Show>
                <Show when=move || errors.with(|e| !e.is_empty())>
                    <p class="alert error" role="alert">"Some fields need attention; see below each one."</p>
                </Show>
            </div>
            <div class="actions">
                <button type="submit" class="btn" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save schedule" }}
                </button>
            </div>
        </form>
    }
    .into_any()
}
