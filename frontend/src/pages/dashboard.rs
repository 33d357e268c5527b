//! The dashboard. For now: the service's health; later issues add counts, expiring access and
//! the scheduler.

use leptos::prelude::*;
use plexward_shared::{HealthResponse, HealthStatus};

use crate::api;

#[component]
pub fn Dashboard() -> impl IntoView {
    let health = LocalResource::new(api::health);
    view! {
        <h1 class="page-title">"Dashboard"</h1>
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

#[component]
fn HealthReport(report: HealthResponse) -> impl IntoView {
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
        </dl>
    }
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
    use super::format_duration;

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
