//! Shared set-up: an in-process simulator on 127.0.0.1 and a client pointed at it with tiny
//! retry delays.

use std::time::Duration;

use plex_sim::{LoggedRequest, PlexSim, Seed, SimConfig, SimHandle};
use plexward::plex::{MachineId, PlexClient, PlexClientConfig, RetryPolicy};
use secrecy::SecretString;

/// Retries the tests can afford: three retries, milliseconds apart.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        jitter: true,
        max_retry_after: Duration::from_secs(5),
    }
}

pub fn config(sim: &SimHandle) -> PlexClientConfig {
    PlexClientConfig::new(
        sim.pms_url(),
        SecretString::from(sim.owner_token()),
        "plexward-test-client-0001",
    )
    .with_plextv_url(sim.plextv_url())
    .with_retry(fast_retry())
    .with_timeouts(Duration::from_secs(2), Duration::from_secs(5))
}

pub async fn start_with(seed: Seed) -> (SimHandle, PlexClient, MachineId) {
    let sim = PlexSim::start(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let client = PlexClient::new(&config(&sim)).expect("client builds");
    let mid = MachineId::new(sim.machine_identifier()).expect("valid machine id");
    (sim, client, mid)
}

pub async fn start() -> (SimHandle, PlexClient, MachineId) {
    start_with(Seed::default()).await
}

pub fn client_with(
    sim: &SimHandle,
    f: impl FnOnce(PlexClientConfig) -> PlexClientConfig,
) -> PlexClient {
    PlexClient::new(&f(config(sim))).expect("client builds")
}

/// How many logged requests match `method path_glob`.
pub fn count(sim: &SimHandle, method: &str, path_glob: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.is(method, path_glob))
        .count()
}

/// The invariants every request must keep: token only in the (redacted) header, never in a
/// URL; our identification headers; never an empty library list.
pub fn assert_clean_log(sim: &SimHandle) {
    let token = sim.owner_token();
    let log = sim.requests();
    assert!(!log.is_empty(), "expected some requests");
    for r in &log {
        assert_clean(r, &token);
    }
}

pub fn assert_clean(r: &LoggedRequest, token: &str) {
    let what = format!("{} {}?{}", r.method, r.path, r.query);
    assert!(!r.token_in_query, "token in the query: {what}");
    assert!(
        !r.query.contains(token) && !r.path.contains(token),
        "token in the URL: {what}"
    );
    assert_eq!(
        r.headers.get("x-plex-token").map(String::as_str),
        Some("REDACTED"),
        "{what}"
    );
    assert_eq!(
        r.headers.get("x-plex-product").map(String::as_str),
        Some("Plexward"),
        "{what}"
    );
    assert_eq!(
        r.headers
            .get("x-plex-client-identifier")
            .map(String::as_str),
        Some("plexward-test-client-0001"),
        "{what}"
    );
    assert!(r.headers.contains_key("x-plex-version"), "{what}");
    if let Some(body) = r.json_body() {
        let ids = &body["shared_server"]["library_section_ids"];
        if r.method != "DELETE" && !body["shared_server"].is_null() {
            let list = ids
                .as_array()
                .unwrap_or_else(|| panic!("no id list in {what}"));
            assert!(
                !list.is_empty(),
                "EMPTY library list sent: {what} {}",
                r.body
            );
        }
    }
}

/// Polls `check` until it holds or `deadline` passes.
pub async fn eventually(deadline: Duration, mut check: impl FnMut() -> bool) -> bool {
    let end = tokio::time::Instant::now() + deadline;
    loop {
        if check() {
            return true;
        }
        if tokio::time::Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
