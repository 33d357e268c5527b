//! The dashboard: the Plex server (counts, sync with live progress), the scheduler (countdown to
//! the next reconcile, the last one, run now), access expiring this week, friends needing
//! attention, the coming access changes on a timeline, notification deliveries failing, and the
//! service's health.
//!
//! One request per card at most: the Plex counts, expiring, attention, coming-up cards and the
//! failing deliveries line share one `GET /api/v1/summary`; the scheduler and the health card ask
//! their own endpoint.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use plexward_shared::{
    FriendLimit, HealthResponse, HealthStatus, JobResponse, JobState, Permission, PlexApiChoice,
    PlexApiRoutes, Progress, SyncReport,
};
use serde::Deserialize;

use crate::api;
use crate::components::friend_lists::{AttentionCard, ExpiringCard, Summary};
use crate::components::job_progress::JobProgress;
use crate::components::scheduler_card::SchedulerCard;
use crate::components::upcoming::{PERIODS, UpcomingCard};
use crate::format::plural;
use crate::jobs;
use crate::session::use_session;

#[component]
pub fn Dashboard() -> impl IntoView {
    let health = LocalResource::new(api::health);
    // Bumped after a sync or a reconcile: the Plex cards reload.
    let version = RwSignal::new(0_u32);
    let days = RwSignal::new(PERIODS[0]);
    view! {
        <h1 class="page-title">"Dashboard"</h1>
        <Show when=move || use_session().allows(Permission::ViewPlexData)>
            {move || {
                let summary: Summary = LocalResource::new(move || {
                    version.track();
                    api::summary(days.get())
                });
                view! {
                    <Show when=move || use_session().allows(Permission::ViewAudit)>
                        <FailingDeliveries summary />
                    </Show>
                    <OpenRequests summary />
                    <PlexCard version summary />
                    <SchedulerCard version />
                    <div class="two-col">
                        <ExpiringCard summary />
                        <AttentionCard summary />
                    </div>
                    <UpcomingCard summary days />
                }
            }}
        </Show>
        <section class="card glass" aria-labelledby="health-title">
            <div class="card-head">
                <h2 id="health-title">"System"</h2>
                <button class="btn ghost" on:click=move |_| health.refetch()>"Refresh"</button>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match health.await {
                        Ok(report) => view! { <HealthReport report /> }.into_any(),
                        Err(e) => view! {
                            <p class="alert error" role="alert">{e.message}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Where the last sync started from this page stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SyncState {
    Idle,
    Running(Progress),
    Done(SyncReport),
    Failed(String),
}

/// The Plex server: how many friends, libraries and active grants Plexward knows, and the sync
/// button.
#[component]
fn PlexCard(version: RwSignal<u32>, summary: Summary) -> impl IntoView {
    let session = use_session();
    let state = RwSignal::new(SyncState::Idle);
    let running = move || matches!(state.get(), SyncState::Running(_));
    let sync = move |_| {
        state.set(SyncState::Running(Progress { done: 0, total: 0 }));
        spawn_local(async move {
            let outcome = follow_sync(state).await;
            if state.is_disposed() {
                return;
            }
            state.set(outcome);
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="card glass" aria-labelledby="plex-title">
            <div class="card-head">
                <h2 id="plex-title">"Plex"</h2>
                <Show when=move || session.allows(Permission::RunSync)>
                    <button class="btn" disabled=running on:click=sync>
                        "Sync with Plex"
                    </button>
                </Show>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match summary.await {
                        Ok(s) => view! {
                            {(!s.plex_connected).then(|| view! {
                                <p class="alert info" role="status" data-testid="plex-not-connected">
                                    "Plexward is not connected to Plex yet. "
                                    <A href=api::href("/settings")>"Sign in with Plex"</A>
                                    " on the Settings page: no token to dig out."
                                </p>
                            })}
                            <dl class="facts" data-testid="plex-counts">
                                <dt>"Friends"</dt>
                                <dd data-testid="friend-count">{s.friends}</dd>
                                <dt>"Libraries"</dt>
                                <dd data-testid="library-count">{s.libraries}</dd>
                                <dt>"Active grants"</dt>
                                <dd data-testid="grant-count">{s.active_grants}</dd>
                                <dt>"Shared with"</dt>
                                <dd data-testid="friend-limit">{places(&s.friend_limit)}</dd>
                            </dl>
                            {limit_warning(&s.friend_limit).map(|text| view! {
                                <p
                                    class=if s.friend_limit.full { "alert error" } else { "alert warning" }
                                    role="status"
                                    data-testid="friend-limit-warning"
                                >
                                    {text}
                                </p>
                            })}
                        }
                            .into_any(),
                        Err(e) => {
                            view! { <p class="alert error" role="alert">{e.message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
            {move || match state.get() {
                SyncState::Idle => ().into_any(),
                SyncState::Running(progress) => view! {
                    <JobProgress
                        progress
                        label="Syncing with Plex…"
                        bar_label="Sync progress"
                        testid="sync-progress"
                    />
                }
                    .into_any(),
                SyncState::Done(report) => view! {
                    <p class="alert success" role="status" data-testid="sync-report">
                        {report_sentence(&report)}
                    </p>
                }
                    .into_any(),
                SyncState::Failed(message) => view! {
                    <p class="alert error" role="alert" data-testid="sync-error">{message}</p>
                }
                    .into_any(),
            }}
        </section>
    }
}

/// `3 notification deliveries are failing`, or nothing when none is.
fn failing_words(failing: u64) -> Option<String> {
    (failing > 0).then(|| {
        format!(
            "{failing} notification {} failing",
            plural(failing, "delivery is", "deliveries are")
        )
    })
}

/// A line, from the summary, when deliveries are failing (dead, or retrying after a failed
/// attempt), linking to the Deliveries page.
#[component]
fn FailingDeliveries(summary: Summary) -> impl IntoView {
    move || {
        summary
            .get()
            .and_then(Result::ok)
            .and_then(|s| failing_words(s.deliveries_failing))
            .map(|text| {
                view! {
                    <p class="alert warning" role="status" data-testid="deliveries-failing">
                        {text} ". "
                        <A href=api::href("/deliveries")>"See the deliveries"</A>
                    </p>
                }
            })
    }
}

/// `2 requests from friends wait for an answer`, or nothing when none does.
fn open_requests_words(open: u64) -> Option<String> {
    (open > 0).then(|| {
        format!(
            "{open} {} for an answer",
            plural(
                open,
                "request from a friend waits",
                "requests from friends wait"
            )
        )
    })
}

/// A line, from the summary, when friends' requests wait (the summary counts them only for the
/// roles that answer them), linking to the Requests page.
#[component]
fn OpenRequests(summary: Summary) -> impl IntoView {
    move || {
        summary
            .get()
            .and_then(Result::ok)
            .and_then(|s| open_requests_words(s.open_requests))
            .map(|text| {
                view! {
                    <p class="alert info" role="status" data-testid="open-requests">
                        {text} ". "
                        <A href=api::href("/requests")>"See the requests"</A>
                    </p>
                }
            })
    }
}

/// "92 of about 100 people": the places Plex's friend limit leaves (Home users aside).
fn places(limit: &FriendLimit) -> String {
    let people = plural(limit.shared_with, "person", "people");
    match limit.limit {
        Some(max) => format!("{} of about {max} {people}", limit.shared_with),
        None => format!("{} {people}", limit.shared_with),
    }
}

/// What to do about the friend limit, from 10 below it.
fn limit_warning(limit: &FriendLimit) -> Option<String> {
    let max = limit.limit?;
    if limit.full {
        Some(format!(
            "Plex lets a server be shared with about {max} people, and this one is at that limit: \
             inviting someone new will be refused until you remove someone's access."
        ))
    } else if limit.warning {
        let left = u64::from(max).saturating_sub(limit.shared_with);
        Some(format!(
            "Only {left} of about {max} places left: Plex refuses to share a server with more \
             people. Home users do not count."
        ))
    } else {
        None
    }
}

/// Starts (or joins) a sync and follows it until it ends, showing its progress in `state`.
async fn follow_sync(state: RwSignal<SyncState>) -> SyncState {
    let started = match api::start_sync().await {
        Ok(started) => started,
        Err(e) => return SyncState::Failed(e.message),
    };
    // `None`: the page was left, nobody is watching any more.
    let outcome = jobs::follow(&started.job_id, |progress| {
        state.try_set(SyncState::Running(progress)).is_none()
    })
    .await;
    match outcome {
        None => SyncState::Idle,
        Some(Err(e)) => SyncState::Failed(e.message),
        Some(Ok(job)) if job.state == JobState::Succeeded => finished(job),
        Some(Ok(job)) => SyncState::Failed(
            job.error
                .unwrap_or_else(|| "The sync failed for an unknown reason.".to_owned()),
        ),
    }
}

fn finished(job: JobResponse) -> SyncState {
    job.result
        .and_then(|value| SyncReport::deserialize(value).ok())
        .map_or_else(
            || SyncState::Failed("The sync finished without a report.".to_owned()),
            SyncState::Done,
        )
}

/// `Synced SimServer: 5 libraries, 8 friends, 6 grants imported`, plus what changed.
fn report_sentence(report: &SyncReport) -> String {
    let mut text = format!(
        "Synced {}: {} {}, {} {}, {} {} imported",
        report.server_name,
        report.libraries,
        plural(report.libraries, "library", "libraries"),
        report.friends,
        plural(report.friends, "friend", "friends"),
        report.grants_imported,
        plural(report.grants_imported, "grant", "grants"),
    );
    let changes: Vec<String> = [
        (report.libraries_added, "new library", "new libraries"),
        (
            report.libraries_removed,
            "library removed",
            "libraries removed",
        ),
        (report.friends_added, "new friend", "new friends"),
        (
            report.friends_departed,
            "friend departed",
            "friends departed",
        ),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", plural(n, one, many)))
    .collect();
    if !changes.is_empty() {
        text.push_str(&format!(" ({})", changes.join(", ")));
    }
    text.push('.');
    text
}

#[component]
fn HealthReport(report: HealthResponse) -> impl IntoView {
    let (api_class, api_label, api_detail) = plex_api_summary(&report.plex_api);
    view! {
        <dl class="facts" data-testid="health">
            <dt>"Status"</dt>
            <dd><StatusPill status=report.status /></dd>
            <dt>"Database"</dt>
            <dd><StatusPill status=report.database /></dd>
            <dt>"Version"</dt>
            <dd data-testid="version">{report.version}</dd>
            <dt>"Up for"</dt>
            <dd>{format_duration(report.uptime_seconds)}</dd>
            <dt>"Plex API"</dt>
            <dd data-testid="plex-api">
                <span class=api_class>{api_label}</span>
                " "
                <span class="muted">{api_detail}</span>
            </dd>
        </dl>
    }
}

/// The System card's line about plex.tv's sharing routes: red when an operation has no route
/// left, amber when Plexward moved some to v2, green otherwise.
fn plex_api_summary(routes: &PlexApiRoutes) -> (&'static str, &'static str, String) {
    let unusable = routes.using(PlexApiChoice::None);
    if !unusable.is_empty() {
        return (
            "pill bad",
            "unusable",
            format!(
                "Plex retired both routes for: {}. Those changes are refused until Plex offers one again.",
                unusable.join(", ")
            ),
        );
    }
    let on_v2 = routes.using(PlexApiChoice::V2);
    if on_v2.is_empty() {
        return (
            "pill ok",
            "v1",
            "Every operation uses Plex's v1 routes.".to_owned(),
        );
    }
    (
        "pill warn",
        "v1 + v2",
        format!("Plex retired routes; now on v2: {}.", on_v2.join(", ")),
    )
}

#[component]
fn StatusPill(status: HealthStatus) -> impl IntoView {
    let (class, label) = match status {
        HealthStatus::Ok => ("pill ok", "ok"),
        HealthStatus::Degraded => ("pill bad", "degraded"),
    };
    view! { <span class=class>{label}</span> }
}

/// `93784` → `1 d 2 h 3 m 4 s`: days and hours always shown once reached.
fn format_duration(total: u64) -> String {
    let (days, hours, minutes, seconds) = (
        total / 86_400,
        total / 3_600 % 24,
        total / 60 % 60,
        total % 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, _) => format!("{minutes} m {seconds} s"),
        (0, _, _) => format!("{hours} h {minutes:02} m {seconds:02} s"),
        _ => format!("{days} d {hours} h {minutes:02} m {seconds:02} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::{
        FriendLimit, PlexApiChoice, PlexApiRoutes, SyncReport, failing_words, format_duration,
        limit_warning, open_requests_words, places, plex_api_summary, report_sentence,
    };

    #[test]
    fn failing_deliveries_read_as_a_line() {
        assert_eq!(failing_words(0), None);
        assert_eq!(
            failing_words(1).as_deref(),
            Some("1 notification delivery is failing")
        );
        assert_eq!(
            failing_words(3).as_deref(),
            Some("3 notification deliveries are failing")
        );
    }

    #[test]
    fn open_requests_read_as_a_line() {
        assert_eq!(open_requests_words(0), None);
        assert_eq!(
            open_requests_words(1).as_deref(),
            Some("1 request from a friend waits for an answer")
        );
        assert_eq!(
            open_requests_words(2).as_deref(),
            Some("2 requests from friends wait for an answer")
        );
    }

    fn routes(update: PlexApiChoice) -> PlexApiRoutes {
        PlexApiRoutes {
            list: PlexApiChoice::V1,
            pending: PlexApiChoice::V1,
            sections: PlexApiChoice::V1,
            create: PlexApiChoice::V1,
            update,
            delete: PlexApiChoice::V1,
            remove_friend: PlexApiChoice::V1,
            retired: Vec::new(),
        }
    }

    #[test]
    fn the_plex_api_line_is_red_when_an_operation_has_no_route() {
        assert_eq!(plex_api_summary(&routes(PlexApiChoice::V1)).0, "pill ok");
        let (class, _, detail) = plex_api_summary(&routes(PlexApiChoice::V2));
        assert_eq!(class, "pill warn");
        assert!(detail.contains("update"), "{detail}");
        let (class, label, detail) = plex_api_summary(&routes(PlexApiChoice::None));
        assert_eq!((class, label), ("pill bad", "unusable"));
        assert!(detail.contains("update"), "{detail}");
    }

    #[test]
    fn sync_reports_read_as_a_sentence() {
        let report = SyncReport {
            server_name: "SimServer".into(),
            libraries: 5,
            libraries_added: 5,
            friends: 8,
            friends_added: 8,
            grants_imported: 6,
            ..SyncReport::default()
        };
        assert_eq!(
            report_sentence(&report),
            "Synced SimServer: 5 libraries, 8 friends, 6 grants imported (5 new libraries, 8 new friends)."
        );
        let quiet = SyncReport {
            server_name: "S".into(),
            libraries: 1,
            friends: 1,
            grants_imported: 1,
            ..SyncReport::default()
        };
        assert_eq!(
            report_sentence(&quiet),
            "Synced S: 1 library, 1 friend, 1 grant imported."
        );
    }

    #[test]
    fn the_friend_limit_reads_as_places_left() {
        let at = |shared_with, warning, full| FriendLimit {
            shared_with,
            limit: Some(100),
            warning,
            full,
        };
        assert_eq!(places(&at(42, false, false)), "42 of about 100 people");
        assert_eq!(limit_warning(&at(42, false, false)), None);
        let near = limit_warning(&at(93, true, false)).expect("a warning");
        assert!(
            near.starts_with("Only 7 of about 100 places left"),
            "{near}"
        );
        let full = limit_warning(&at(100, true, true)).expect("a warning");
        assert!(full.contains("at that limit"), "{full}");
        let unchecked = FriendLimit {
            shared_with: 1,
            limit: None,
            warning: false,
            full: false,
        };
        assert_eq!(places(&unchecked), "1 person");
        assert_eq!(limit_warning(&unchecked), None);
    }

    #[test]
    fn durations_keep_days_and_hours() {
        assert_eq!(format_duration(5), "5 s");
        assert_eq!(format_duration(65), "1 m 5 s");
        assert_eq!(format_duration(3 * 3600 + 5), "3 h 00 m 05 s");
        assert_eq!(
            format_duration(86_400 + 2 * 3600 + 3 * 60 + 4),
            "1 d 2 h 03 m 04 s"
        );
    }
}
