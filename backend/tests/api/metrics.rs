//! `GET /metrics`: the named series are there after the things they count happened.

use std::time::{Duration, Instant};

use plex_sim::Seed;
use serde_json::json;

use crate::access::{MOVIES, ids, synced_on_clock};

#[tokio::test]
async fn a_scrape_has_http_job_plex_apply_deadline_and_friend_series() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(2_100_001).await;
    let movies = t.library(1).await;
    let ends = chrono::Utc::now() + chrono::Duration::milliseconds(1_500);
    let (status, body) = t
        .set_grants(
            alice,
            json!([{ "library_id": movies, "ends_at": ends.to_rfc3339() }]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(t.shared_sections(2_100_001), Some(ids(&[MOVIES])));
    // The end passes; the deadline tick queues the revoke and Plex follows.
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.shared_sections(2_100_001).is_some() {
        assert!(Instant::now() < deadline, "the grant's end was not applied");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // Scraped from loopback: no token needed. The apply may be recorded just after Plex
    // changed, so poll for the deadline series.
    let deadline = Instant::now() + Duration::from_secs(5);
    let text = loop {
        let response = t.app.get("/metrics").await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("application/openmetrics-text")
        );
        let text = response.text().await.expect("text");
        if !text.contains("plexward_deadline_apply_latency_seconds_count 0") {
            break text;
        }
        assert!(Instant::now() < deadline, "{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for series in [
        "plexward_http_requests_total{method=\"PUT\",route=\"/api/v1/plex-users/{id}/grants\",status=\"200\"}",
        "plexward_http_request_duration_seconds_bucket{le=",
        "plexward_jobs_total{kind=\"reconcile\",outcome=\"succeeded\"}",
        "plexward_plex_requests_total{host=\"plextv\",method=\"GET\"",
        "plexward_plex_requests_total{host=\"pms\"",
        "plexward_applies_total{outcome=\"matched\"}",
        "plexward_deadline_apply_latency_seconds_bucket{le=",
        "plexward_friends{status=\"active\"}",
        "plexward_friends{status=\"expired\"}",
    ] {
        assert!(text.contains(series), "missing {series} in\n{text}");
    }
    assert!(
        !text.contains("/api/v1/plex-users/1/"),
        "routes are patterns, never raw paths"
    );
}
