//! The dashboard's scheduler card: a countdown to the next reconcile, the schedule, the last run
//! and "Run now" with live progress.
//!
//! The countdown runs on the *server's* clock: each answer carries the server's `now`, and the
//! difference to the browser's clock is added to every tick, so a browser whose clock is off
//! still counts down to the right moment.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    JobResponse, JobState, LastRun, Permission, Progress, ReconcileReport, SchedulerResponse,
};
use serde::Deserialize;

use crate::api::{self, ApiError};
use crate::components::job_progress::JobProgress;
use crate::format::{countdown_words, now, reconcile_words, schedule_words, seconds_until};
use crate::jobs;
use crate::session::use_session;
use crate::time_zone::Zone;

/// While the next run is due but has not shown up yet, ask again this often (ms).
const DUE_POLL_MS: i64 = 2_000;

/// The schedule as the server sent it, with how far the browser's clock is behind the server's.
#[derive(Debug, Clone, PartialEq)]
struct Loaded {
    answer: SchedulerResponse,
    offset_ms: i64,
}

async fn load() -> Result<Loaded, ApiError> {
    let sent = now().timestamp_millis();
    let answer = api::scheduler().await?;
    let received = now().timestamp_millis();
    // The server read its clock somewhere between sending and receiving: the middle is the best
    // guess, within half the round trip.
    let offset_ms = answer.now.timestamp_millis() - (sent + received) / 2;
    Ok(Loaded { answer, offset_ms })
}

/// The reconcile this card follows.
#[derive(Debug, Clone, PartialEq)]
enum RunState {
    Idle,
    Running(Progress),
    Done(ReconcileReport),
    Failed(String),
}

fn outcome(job: JobResponse) -> RunState {
    match job.state {
        JobState::Succeeded => job
            .result
            .and_then(|value| ReconcileReport::deserialize(value).ok())
            .map_or_else(
                || RunState::Failed("The reconcile finished without a report.".to_owned()),
                RunState::Done,
            ),
        _ => RunState::Failed(
            job.error
                .unwrap_or_else(|| "The reconcile failed for an unknown reason.".to_owned()),
        ),
    }
}

/// `version` is bumped when a reconcile ends, so the other cards show what it changed.
#[component]
pub fn SchedulerCard(version: RwSignal<u32>) -> impl IntoView {
    let session = use_session();
    let data = LocalResource::new(load);
    let run = RwSignal::new(RunState::Idle);
    let running = move || matches!(run.get(), RunState::Running(_));

    // Follows a reconcile to its end. `announce`: the user asked for it, so its outcome is shown
    // here; a scheduled one just ends up as the last run.
    let follow = move |job_id: String, announce: bool| {
        run.set(RunState::Running(Progress { done: 0, total: 0 }));
        spawn_local(async move {
            let Some(result) =
                jobs::follow(&job_id, |p| run.try_set(RunState::Running(p)).is_none()).await
            else {
                return;
            };
            let state = match result {
                Ok(job) => outcome(job),
                Err(e) => RunState::Failed(e.message),
            };
            if run
                .try_set(if announce { state } else { RunState::Idle })
                .is_some()
            {
                return;
            }
            data.refetch();
            version.update(|v| *v += 1);
        });
    };

    let run_now = move |_| {
        run.set(RunState::Running(Progress { done: 0, total: 0 }));
        spawn_local(async move {
            match api::run_reconcile().await {
                Ok(started) => follow(started.job_id, true),
                Err(e) => {
                    run.try_set(RunState::Failed(e.message));
                }
            }
        });
    };

    // A reconcile found under way — when the page loads, or when the countdown ran out — gets the
    // same progress bar (it replaces an earlier run's result), and the card is read again when it
    // ends.
    Effect::new(move |_| {
        let under_way = data.get().and_then(|loaded| {
            loaded
                .ok()
                .and_then(|l| l.answer.last_run)
                .filter(|last| matches!(last.state, JobState::Queued | JobState::Running))
        });
        if let Some(last) = under_way
            && untrack(|| !matches!(run.get(), RunState::Running(_)))
        {
            follow(last.job_id, false);
        }
    });

    // The countdown reached zero: ask when the next run is — again every few seconds until the
    // server has started it and names a new time.
    let last_due_fetch = StoredValue::new(i64::MIN);
    let on_due = Callback::new(move |()| {
        let at = now().timestamp_millis();
        if at.saturating_sub(last_due_fetch.get_value()) >= DUE_POLL_MS {
            last_due_fetch.set_value(at);
            data.refetch();
        }
    });

    view! {
        <section class="card glass" aria-labelledby="scheduler-title" data-testid="scheduler">
            <div class="card-head">
                <h2 id="scheduler-title">"Scheduler"</h2>
                <Show when=move || session.allows(Permission::RunSync)>
                    <button class="btn" disabled=running on:click=run_now>"Run now"</button>
                </Show>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(loaded) => view! { <Schedule loaded on_due /> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            {move || match run.get() {
                RunState::Idle => ().into_any(),
                RunState::Running(progress) => view! {
                    <JobProgress
                        progress
                        label="Reconciling…"
                        bar_label="Reconcile progress"
                        testid="reconcile-progress"
                    />
                }
                    .into_any(),
                RunState::Done(report) => view! {
                    <p class="alert success" role="status" data-testid="reconcile-report">
                        "Reconcile finished. " {reconcile_words(&report)}
                    </p>
                }
                    .into_any(),
                RunState::Failed(message) => view! {
                    <p class="alert error" role="alert" data-testid="reconcile-error">
                        "Reconcile failed: " {message}
                    </p>
                }
                    .into_any(),
            }}
        </section>
    }
}

#[component]
fn Schedule(loaded: Loaded, on_due: Callback<()>) -> impl IntoView {
    let Loaded { answer, offset_ms } = loaded;
    let zone = Zone::new(&answer.time_zone);
    let next_at = format!("{} ({})", zone.format(&answer.next_run_at), zone.name());
    view! {
        <Countdown next_run_at=answer.next_run_at offset_ms on_due />
        <dl class="facts">
            <dt>"Next run"</dt>
            <dd data-testid="next-run-at">{next_at}</dd>
            <dt>"Schedule"</dt>
            <dd data-testid="schedule-mode">{schedule_words(&answer.settings, &answer.time_zone)}</dd>
            <dt>"Last run"</dt>
            <dd data-testid="last-run">
                {match answer.last_run {
                    Some(last) => view! { <LastRunFacts last zone /> }.into_any(),
                    None => view! { <span class="muted">"none yet"</span> }.into_any(),
                }}
            </dd>
        </dl>
    }
}

/// `Next reconcile in 1 d 05 h 03 m 12 s`, ticking.
#[component]
fn Countdown(next_run_at: DateTime<Utc>, offset_ms: i64, on_due: Callback<()>) -> impl IntoView {
    let target = next_run_at.timestamp_millis();
    let left = move || seconds_until(target, now().timestamp_millis() + offset_ms);
    let seconds = RwSignal::new(left());
    // Ticks four times a second so a late timer never makes the display skip a second; the
    // text only changes when the second does.
    if let Ok(ticker) = set_interval_with_handle(
        move || {
            let s = left();
            if seconds.get_untracked() != s {
                seconds.set(s);
            }
            if s <= 0 {
                on_due.run(());
            }
        },
        Duration::from_millis(250),
    ) {
        on_cleanup(move || ticker.clear());
    }
    view! {
        <p class="countdown" role="timer" data-testid="countdown">
            {move || {
                let s = seconds.get();
                if s > 0 {
                    format!("Next reconcile in {}", countdown_words(s))
                } else {
                    format!("Next reconcile: {}", countdown_words(s))
                }
            }}
        </p>
    }
}

#[component]
fn LastRunFacts(last: LastRun, zone: Zone) -> impl IntoView {
    let (class, label) = match last.state {
        JobState::Succeeded => ("pill ok", "ok"),
        JobState::Failed => ("pill bad", "failed"),
        JobState::Running => ("pill warn", "running"),
        JobState::Queued => ("pill warn", "queued"),
    };
    let when = last
        .finished_at
        .or(last.started_at)
        .map(|at| zone.format(&at))
        .unwrap_or_default();
    let detail = match last.state {
        JobState::Succeeded => last
            .result
            .and_then(|value| ReconcileReport::deserialize(value).ok())
            .map(|report| reconcile_words(&report)),
        JobState::Failed => last.error,
        JobState::Running | JobState::Queued => None,
    };
    view! {
        <span class=class data-testid="last-run-outcome" data-job-id=last.job_id>{label}</span>
        " "
        <span data-testid="last-run-at">{when}</span>
        {detail.map(|text| view! { <p class="muted last-run-detail" data-testid="last-run-detail">{text}</p> })}
    }
}
