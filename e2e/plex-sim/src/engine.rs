//! Request entry point shared by both listeners: logging, latency, rate limit, faults, dispatch.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::chaos::Chaos;
use crate::model::{Behaviour, Seed, State};
use crate::{SimConfig, admin, plextv, pms, resp};

/// Which listener a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Host {
    Pms,
    Plextv,
}

/// One logged request (admin calls are not logged). Tokens are replaced by `REDACTED`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoggedRequest {
    /// 1-based sequence number across both listeners.
    pub seq: u64,
    pub host: Host,
    pub method: String,
    /// Path as received (no query).
    pub path: String,
    /// Raw query string with any `X-Plex-Token` value redacted.
    pub query: String,
    /// Whether a token was sent in the query string (Plexward must never do this).
    pub token_in_query: bool,
    /// Lower-cased header names; `x-plex-token` redacted.
    pub headers: BTreeMap<String, String>,
    /// Body as text (lossy UTF-8).
    pub body: String,
    /// Status sent (or that would have been sent, when the connection was dropped).
    pub status: u16,
    /// The response never reached the client (a `drop_connection` fault).
    pub dropped: bool,
    /// A fault or the rate limiter produced the response instead of the simulator.
    pub injected: bool,
    /// Epoch milliseconds when received.
    pub at_ms: i64,
    /// Epoch milliseconds when the answer was ready, after latency and faults: a change the
    /// request made is visible in the state from then on (latency measurements start here).
    #[serde(default)]
    pub answered_ms: i64,
}

/// A request received but not answered yet (admin calls excluded).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InFlight {
    /// The sequence number its [`LoggedRequest`] will have.
    pub seq: u64,
    pub host: Host,
    pub method: String,
    pub path: String,
    /// Epoch milliseconds when received.
    pub at_ms: i64,
}

impl LoggedRequest {
    /// The body parsed as JSON (`None` when empty or not JSON).
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// Whether this is `method` (case-insensitive) on a path matching `path_glob` (`*` = one
    /// segment, `**` = anything, trailing `/` ignored).
    pub fn is(&self, method: &str, path_glob: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && glob(norm(path_glob), norm(&self.path))
    }
}

/// A fault for the next matching requests (`POST /__sim/fault`).
///
/// * `status` set, `perform` false: answer `status`/`body` **without** doing anything.
/// * `status` set, `perform` true: do the request, then answer `status`/`body` instead.
/// * `drop_connection`: do the request, then close the connection without any response.
/// * only `delay_ms`: added latency, then the normal answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct FaultSpec {
    /// Only requests on this listener (`"pms"` or `"plextv"`); any when absent.
    pub host: Option<Host>,
    /// HTTP method to match (any when absent).
    pub method: Option<String>,
    /// Path glob: `*` matches within one segment, `**` anything; trailing `/` ignored.
    pub path: String,
    /// How many matching requests to affect; 0 = every one until cleared.
    pub count: u32,
    pub status: Option<u16>,
    /// Body; a sensible default per status when absent.
    pub body: Option<String>,
    pub content_type: Option<String>,
    /// `Retry-After` seconds to send.
    pub retry_after: Option<u64>,
    pub delay_ms: u64,
    pub perform: bool,
    pub drop_connection: bool,
}

impl Default for FaultSpec {
    fn default() -> Self {
        Self {
            host: None,
            method: None,
            path: "/**".to_owned(),
            count: 1,
            status: None,
            body: None,
            content_type: None,
            retry_after: None,
            delay_ms: 0,
            perform: false,
            drop_connection: false,
        }
    }
}

impl FaultSpec {
    /// The next `method path` request answers `status` (default body) without being performed.
    pub fn status(method: &str, path: &str, status: u16) -> Self {
        Self {
            method: Some(method.to_owned()),
            path: path.to_owned(),
            status: Some(status),
            ..Self::default()
        }
    }

    /// Retires the route `method path` on plex.tv: every request to it answers 410 "This
    /// endpoint was deprecated and removed" until the faults are cleared (spec §2.6).
    pub fn retire(method: &str, path: &str) -> Self {
        Self {
            host: Some(Host::Plextv),
            count: 0,
            ..Self::status(method, path, 410)
        }
    }

    /// The next `method path` request is performed, then its connection is dropped.
    pub fn drop_after_perform(method: &str, path: &str) -> Self {
        Self {
            method: Some(method.to_owned()),
            path: path.to_owned(),
            drop_connection: true,
            ..Self::default()
        }
    }

    /// Affects the next `n` matching requests (0 = all until cleared).
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.count = n;
        self
    }

    #[must_use]
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    #[must_use]
    pub fn with_body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    fn matches(&self, host: Host, method: &Method, path: &str) -> bool {
        self.host.is_none_or(|h| h == host)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && glob(norm(&self.path), norm(path))
    }
}

/// Token bucket (`POST /__sim/ratelimit`): off by default.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RateLimit {
    /// Bucket size (burst).
    pub capacity: u32,
    /// Tokens added per second.
    pub refill_per_sec: f64,
    /// `Retry-After` seconds sent with each 429 (none when absent).
    pub retry_after: Option<u64>,
    /// Listener it applies to (default plex.tv).
    pub host: Host,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            capacity: 5,
            refill_per_sec: 1.0,
            retry_after: Some(1),
            host: Host::Plextv,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    limit: RateLimit,
    tokens: f64,
    last: Instant,
}

#[derive(Debug)]
struct Addrs {
    pms: SocketAddr,
    plextv: SocketAddr,
}

/// Shared simulator internals.
#[derive(Debug)]
pub struct Sim {
    state: Mutex<State>,
    seed: Seed,
    behaviour: Behaviour,
    initial_latency: Duration,
    latency_ms: AtomicU64,
    faults: Mutex<Vec<FaultSpec>>,
    chaos: Mutex<Option<Chaos>>,
    log: Mutex<Vec<LoggedRequest>>,
    /// Held while a request changes the state and logs itself, and by observers
    /// ([`Sim::observe`], [`Sim::requests`]): a test that sees a change also sees its request.
    commit: Mutex<()>,
    in_flight: Mutex<BTreeMap<u64, InFlight>>,
    seq: AtomicU64,
    bucket: Mutex<Option<Bucket>>,
    addrs: OnceLock<Addrs>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sim {
    pub fn new(config: &SimConfig) -> Self {
        let latency_ms = u64::try_from(config.latency.as_millis()).unwrap_or(u64::MAX);
        Self {
            state: Mutex::new(State::from_seed(&config.seed, &config.behaviour)),
            seed: config.seed.clone(),
            behaviour: config.behaviour.clone(),
            initial_latency: config.latency,
            latency_ms: AtomicU64::new(latency_ms),
            faults: Mutex::new(Vec::new()),
            chaos: Mutex::new(None),
            log: Mutex::new(Vec::new()),
            commit: Mutex::new(()),
            in_flight: Mutex::new(BTreeMap::new()),
            seq: AtomicU64::new(0),
            bucket: Mutex::new(None),
            addrs: OnceLock::new(),
        }
    }

    pub fn set_addrs(&self, pms: SocketAddr, plextv: SocketAddr) {
        let _ = self.addrs.set(Addrs { pms, plextv });
    }

    pub fn pms_addr(&self) -> Option<SocketAddr> {
        self.addrs.get().map(|a| a.pms)
    }

    pub fn plextv_addr(&self) -> Option<SocketAddr> {
        self.addrs.get().map(|a| a.plextv)
    }

    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut lock(&self.state))
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        let _commit = lock(&self.commit);
        lock(&self.log).clone()
    }

    /// Runs `f` with the state locked, between requests' commits (never between a change and
    /// its log entry). For observers outside the request path only: a handler already commits.
    pub fn observe<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let _commit = lock(&self.commit);
        f(&mut lock(&self.state))
    }

    /// Requests received and not answered yet, oldest first.
    pub fn in_flight(&self) -> Vec<InFlight> {
        lock(&self.in_flight).values().cloned().collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    pub fn add_fault(&self, fault: FaultSpec) {
        lock(&self.faults).push(fault);
    }

    pub fn faults(&self) -> Vec<FaultSpec> {
        lock(&self.faults).clone()
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub fn set_chaos(&self, chaos: Option<Chaos>) {
        *lock(&self.chaos) = chaos;
    }

    pub fn chaos(&self) -> Option<Chaos> {
        lock(&self.chaos).clone()
    }

    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        *lock(&self.bucket) = limit.map(|limit| Bucket {
            tokens: f64::from(limit.capacity),
            limit,
            last: Instant::now(),
        });
    }

    pub fn rate_limit(&self) -> Option<RateLimit> {
        lock(&self.bucket).as_ref().map(|b| b.limit.clone())
    }

    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(ms, Ordering::Relaxed);
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    pub fn reset(&self) {
        *lock(&self.state) = State::from_seed(&self.seed, &self.behaviour);
        self.clear_requests();
        self.clear_faults();
        self.set_chaos(None);
        self.set_rate_limit(None);
        self.set_latency(self.initial_latency);
    }

    /// Takes the first fault matching, decrementing its count.
    fn take_fault(&self, host: Host, method: &Method, path: &str) -> Option<FaultSpec> {
        let mut faults = lock(&self.faults);
        let pos = faults.iter().position(|f| f.matches(host, method, path))?;
        let f = faults[pos].clone();
        if f.count == 1 {
            faults.remove(pos);
        } else if f.count > 1 {
            faults[pos].count -= 1;
        }
        Some(f)
    }

    /// Takes one token; `Err(retry_after)` when the bucket is empty.
    fn rate_limited(&self, host: Host) -> Result<(), Option<u64>> {
        let mut guard = lock(&self.bucket);
        let Some(b) = guard.as_mut() else {
            return Ok(());
        };
        if b.limit.host != host {
            return Ok(());
        }
        let now = Instant::now();
        let elapsed = now.duration_since(b.last).as_secs_f64();
        b.last = now;
        b.tokens = (b.tokens + elapsed * b.limit.refill_per_sec).min(f64::from(b.limit.capacity));
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(b.limit.retry_after)
        }
    }

    fn log(&self, mut entry: LoggedRequest) {
        entry.answered_ms = chrono::Utc::now().timestamp_millis();
        lock(&self.log).push(entry);
    }
}

/// Keeps a request in [`Sim::in_flight`] until it is answered — or until actix drops the
/// handler because the client went away, which is why this is a guard and not a call.
struct InFlightGuard<'a> {
    sim: &'a Sim,
    seq: u64,
}

impl<'a> InFlightGuard<'a> {
    fn enter(sim: &'a Sim, entry: &LoggedRequest) -> Self {
        let request = InFlight {
            seq: entry.seq,
            host: entry.host,
            method: entry.method.clone(),
            path: entry.path.clone(),
            at_ms: entry.at_ms,
        };
        lock(&sim.in_flight).insert(entry.seq, request);
        Self {
            sim,
            seq: entry.seq,
        }
    }
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        lock(&self.sim.in_flight).remove(&self.seq);
    }
}

/// Marks a share's invite accepted.
pub fn accept(s: &mut State, share_id: u64) -> bool {
    match s.shares.iter_mut().find(|x| x.id == share_id) {
        Some(sh) => {
            if sh.accepted_at.is_none() {
                sh.accepted_at = Some(crate::model::now());
            }
            true
        }
        None => false,
    }
}

/// Lets a pending invite lapse, as plex.tv withdraws invites nobody accepts: the share goes, and
/// the invitee stops being listed as a friend when they had no other share. False when there is
/// no such share or it was accepted.
pub fn expire(s: &mut State, share_id: u64) -> bool {
    let Some(at) = s
        .shares
        .iter()
        .position(|x| x.id == share_id && x.accepted_at.is_none())
    else {
        return false;
    };
    let user = s.shares.remove(at).user_id;
    if !s.shares.iter().any(|x| x.user_id == user) {
        s.friends.remove(&user);
    }
    true
}

fn norm(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() { "/" } else { t }
}

/// Simple path glob: `*` = any run of non-`/` chars, `**` = anything.
pub fn glob(pat: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = &p[2..];
                (0..=t.len()).any(|i| go(rest, &t[i..]))
            }
            Some(b'*') => {
                let rest = &p[1..];
                let mut i = 0;
                loop {
                    if go(rest, &t[i..]) {
                        return true;
                    }
                    if i >= t.len() || t[i] == b'/' {
                        return false;
                    }
                    i += 1;
                }
            }
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(pat.as_bytes(), text.as_bytes())
}

/// What a host handler sees.
#[derive(Debug)]
pub struct Req<'a> {
    pub method: &'a Method,
    /// Path segments (empty ones dropped, so trailing slashes don't matter).
    pub segs: Vec<&'a str>,
    pub query: Vec<(String, String)>,
    pub token: Option<String>,
    /// `X-Plex-Client-Identifier` and `X-Plex-Product` (header or query, as on plex.tv).
    pub client_identifier: Option<String>,
    pub product: Option<String>,
    /// `X-Plex-Container-Start` / `X-Plex-Container-Size` (header or query), for paged lists.
    pub container_start: Option<String>,
    pub container_size: Option<String>,
    /// `Accept` contains `application/json`.
    pub json: bool,
    pub body: &'a [u8],
}

const TOKEN: &str = "X-Plex-Token";

fn redact_query(q: &str) -> (String, bool) {
    let mut found = false;
    let parts: Vec<String> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let name = p.split('=').next().unwrap_or_default();
            if name.eq_ignore_ascii_case(TOKEN) {
                found = true;
                format!("{name}=REDACTED")
            } else {
                p.to_owned()
            }
        })
        .collect();
    (parts.join("&"), found)
}

/// The single actix handler of both listeners.
pub async fn entry(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Sim>,
    host: web::Data<Host>,
) -> HttpResponse {
    let host = **host;
    let path = req.path().to_owned();
    if path == "/__sim" || path.starts_with("/__sim/") {
        return admin::handle(&sim, &req, &path, &body);
    }
    let at_ms = chrono::Utc::now().timestamp_millis();
    let method = req.method().clone();
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let header_token = req
        .headers()
        .get(TOKEN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let query_token = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(TOKEN))
        .map(|(_, v)| v.clone());
    let json = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let value = if name == "x-plex-token" {
                "REDACTED".to_owned()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect();
    let (redacted_query, token_in_query) = redact_query(req.query_string());
    let mut entry = LoggedRequest {
        seq: sim.seq.fetch_add(1, Ordering::Relaxed) + 1,
        host,
        method: method.to_string(),
        path: path.clone(),
        query: redacted_query,
        token_in_query,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        status: 0,
        dropped: false,
        injected: false,
        at_ms,
        answered_ms: 0,
    };
    let _in_flight = InFlightGuard::enter(&sim, &entry);

    let latency = sim.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    if let Err(retry_after) = sim.rate_limited(host) {
        let r = resp::rate_limited(retry_after);
        entry.status = r.status().as_u16();
        entry.injected = true;
        sim.log(entry);
        return r;
    }

    let fault = sim
        .take_fault(host, &method, &path)
        .or_else(|| sim.chaos().and_then(|c| c.fault_for(host, entry.seq)));
    if let Some(ms) = fault.as_ref().map(|f| f.delay_ms).filter(|ms| *ms > 0) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    if let Some(f) = fault.as_ref().filter(|f| f.status.is_some() && !f.perform) {
        let r = fault_response(host, f);
        entry.status = r.status().as_u16();
        entry.injected = true;
        sim.log(entry);
        return r;
    }

    let plex_header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| {
                query
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            })
    };
    let client_identifier = plex_header("X-Plex-Client-Identifier");
    let product = plex_header("X-Plex-Product");
    let container_start = plex_header("X-Plex-Container-Start");
    let container_size = plex_header("X-Plex-Container-Size");
    let r = Req {
        method: &method,
        segs: path.split('/').filter(|s| !s.is_empty()).collect(),
        client_identifier,
        product,
        container_start,
        container_size,
        query,
        token: header_token.or(query_token),
        json,
        body: &body,
    };
    // The change and its log entry become visible together (see `Sim::commit`).
    let commit = lock(&sim.commit);
    let response = match host {
        Host::Pms => pms::handle(&sim, &r),
        Host::Plextv => plextv::handle(&sim, &r),
    };
    entry.status = response.status().as_u16();

    let out = match fault {
        Some(f) if f.drop_connection => {
            entry.dropped = true;
            entry.injected = true;
            resp::dropped()
        }
        Some(f) if f.status.is_some() => {
            let r = fault_response(host, &f);
            entry.status = r.status().as_u16();
            entry.injected = true;
            r
        }
        _ => response,
    };
    sim.log(entry);
    drop(commit);
    out
}

fn fault_response(host: Host, f: &FaultSpec) -> HttpResponse {
    let status = f
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = match (&f.body, status.as_u16()) {
        (Some(body), _) => {
            let ct = f
                .content_type
                .clone()
                .unwrap_or_else(|| guess_content_type(body).to_owned());
            HttpResponse::build(status)
                .content_type(ct)
                .body(body.clone())
        }
        (None, 429) => resp::rate_limited(None),
        (None, 401) => match host {
            Host::Pms => resp::pms_unauthorized(),
            Host::Plextv => resp::plextv_unauthorized(false),
        },
        (None, 422) => resp::invalid_token(false),
        // A retired route, as plex.tv answers it (spec §2.4.8).
        (None, 410) => resp::gone(),
        (None, _) => resp::html_status(status),
    };
    if let Some(secs) = f.retry_after {
        r.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(secs),
        );
    }
    r
}

fn guess_content_type(body: &str) -> &'static str {
    let t = body.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        "application/json"
    } else if t.starts_with("<?xml") || t.starts_with("<Response") || t.starts_with("<errors") {
        resp::XML
    } else if t.starts_with('<') {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches() {
        assert!(glob(
            "/api/servers/*/shared_servers",
            "/api/servers/abc/shared_servers"
        ));
        assert!(!glob(
            "/api/servers/*/shared_servers",
            "/api/servers/abc/shared_servers/1"
        ));
        assert!(glob("/api/servers/**", "/api/servers/abc/shared_servers/1"));
        assert!(glob("/**", "/"));
        assert!(glob("/api/users", "/api/users"));
    }

    #[test]
    fn query_token_redacted() {
        let (q, found) = redact_query("a=1&X-Plex-Token=secret&b=2");
        assert!(found);
        assert_eq!(q, "a=1&X-Plex-Token=REDACTED&b=2");
    }
}
