//! Prometheus metrics (`GET /metrics`): HTTP requests by route and status with a latency
//! histogram, jobs by kind and outcome, Plex requests by endpoint and status, applies by
//! outcome, the delay from a window's deadline to Plex matching it, and friends by status.
//!
//! One process-wide set: the Plex client, the jobs and the middleware record from wherever they
//! run, without threading a handle through every call.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    /// The route's pattern (`/api/v1/plex-users/{id}`), never the raw path: ids would make a
    /// series per friend.
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PlexLabels {
    pub host: String,
    pub method: String,
    pub endpoint: String,
    /// The HTTP status, or `timeout` / `error` when none came back.
    pub status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub status: String,
}

pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram>,
    jobs: Family<JobLabels, Counter>,
    plex_requests: Family<PlexLabels, Counter>,
    applies: Family<OutcomeLabels, Counter>,
    deadline_latency: Histogram,
    friends: Family<StatusLabels, Gauge>,
    /// Friends whose window edge passed and whose apply has not completed yet: when it does,
    /// the delay since the edge is observed.
    due: Mutex<HashMap<i64, i64>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn latency_histogram() -> Histogram {
    // 5 ms … ~20 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("plexward");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            http_requests.clone(),
        );
        let http_duration =
            Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> _);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            http_duration.clone(),
        );
        let jobs = Family::<JobLabels, Counter>::default();
        registry.register("jobs", "Jobs finished, by kind and outcome", jobs.clone());
        let plex_requests = Family::<PlexLabels, Counter>::default();
        registry.register(
            "plex_requests",
            "Requests to Plex (PMS and plex.tv), by endpoint and status",
            plex_requests.clone(),
        );
        let applies = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "applies",
            "Applies of a friend's grants to Plex, by outcome",
            applies.clone(),
        );
        let deadline_latency = latency_histogram();
        registry.register(
            "deadline_apply_latency_seconds",
            "From a window's start or end to Plex matching it",
            deadline_latency.clone(),
        );
        let friends = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "friends",
            "Friends by status (at the last scrape)",
            friends.clone(),
        );
        Self {
            registry,
            http_requests,
            http_duration,
            jobs,
            plex_requests,
            applies,
            deadline_latency,
            friends,
            due: Mutex::new(HashMap::new()),
        }
    }

    pub fn http_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn job_finished(&self, kind: &str, succeeded: bool) {
        self.jobs
            .get_or_create(&JobLabels {
                kind: kind.to_owned(),
                outcome: if succeeded { "succeeded" } else { "failed" }.to_owned(),
            })
            .inc();
    }

    pub fn plex_request(&self, host: &str, method: &str, path: &str, status: &str) {
        self.plex_requests
            .get_or_create(&PlexLabels {
                host: host.to_owned(),
                method: method.to_owned(),
                endpoint: endpoint(path),
                status: status.to_owned(),
            })
            .inc();
    }

    /// A window edge of `friend` passed at `at` (Unix ms); the earliest pending one counts.
    pub fn deadline_passed(&self, friend: i64, at: i64) {
        let mut due = self.due.lock().unwrap_or_else(|p| p.into_inner());
        due.entry(friend)
            .and_modify(|d| *d = (*d).min(at))
            .or_insert(at);
    }

    /// An apply of `friend` ended at `now` (Unix ms) with `outcome`; when Plex now matches and
    /// a deadline was pending, its delay is observed.
    pub fn applied(&self, friend: i64, outcome: &str, matched: bool, now: i64) {
        self.applies
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
        if matched {
            let due = self
                .due
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&friend);
            if let Some(at) = due {
                self.deadline_latency.observe(
                    Duration::from_millis(now.saturating_sub(at).max(0) as u64).as_secs_f64(),
                );
            }
        }
    }

    /// Sets the friends-by-status gauge (called at scrape time with fresh counts).
    pub fn set_friends(&self, counts: &[(&str, i64)]) {
        for (status, n) in counts {
            self.friends
                .get_or_create(&StatusLabels {
                    status: (*status).to_owned(),
                })
                .set(*n);
        }
    }

    /// The text exposition (OpenMetrics, which Prometheus reads).
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// A Plex path as a label: no query, ids replaced by `{id}`, so series stay few.
fn endpoint(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    path.split('/')
        .map(|segment| {
            let id_like = !segment.is_empty()
                && (segment.chars().all(|c| c.is_ascii_digit())
                    || (segment.len() >= 16 && segment.chars().all(|c| c.is_ascii_alphanumeric())));
            if id_like { "{id}" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plex_paths_lose_their_ids_and_queries() {
        assert_eq!(
            endpoint("/api/v2/shared_servers/123"),
            "/api/v2/shared_servers/{id}"
        );
        assert_eq!(
            endpoint("/api/servers/0123456789abcdef0123/shared_servers?x=1"),
            "/api/servers/{id}/shared_servers"
        );
        assert_eq!(endpoint("/library/sections"), "/library/sections");
    }

    #[test]
    fn a_deadline_is_observed_once_when_its_apply_matches() {
        let m = Metrics::new();
        m.deadline_passed(7, 1_000);
        m.deadline_passed(7, 1_500);
        m.applied(7, "failed", false, 2_000);
        m.applied(7, "matched", true, 2_250);
        m.applied(7, "matched", true, 9_000);
        let text = m.render();
        assert!(
            text.contains("plexward_deadline_apply_latency_seconds_count 1"),
            "{text}"
        );
        assert!(
            text.contains("plexward_deadline_apply_latency_seconds_sum 1.25"),
            "{text}"
        );
        assert!(
            text.contains("plexward_applies_total{outcome=\"matched\"} 2"),
            "{text}"
        );
    }
}
