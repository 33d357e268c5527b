//! `plex-sim`: a faithful Plex Media Server + plex.tv simulator for Plexward's tests and demo
//! mode. Spec: `shared/plex-api.md` §7.
//!
//! Two loopback HTTP listeners (PMS and plex.tv) share one in-memory [`State`]. Both also serve
//! the admin API under `/__sim/` (state, request log, reset, faults, rate limit, tokens, invites,
//! library drift, watch history and sessions); see `README.md`. The PMS also serves its watch
//! history and current sessions (`/status/sessions/history/all`, `/status/sessions`) from the
//! seed's [`Play`]s and [`PlaySession`]s.
//!
//! ```no_run
//! # async fn demo() -> Result<(), plex_sim::SimError> {
//! let sim = plex_sim::PlexSim::start(plex_sim::SimConfig::default()).await?;
//! println!("{} {}", sim.pms_url(), sim.plextv_url());
//! sim.add_fault(plex_sim::FaultSpec::status("POST", "/api/servers/*/shared_servers", 503));
//! let shares = sim.state().shares;
//! # drop(shares);
//! sim.stop().await;
//! # Ok(()) }
//! ```

#![recursion_limit = "256"]

mod activity;
mod admin;
mod admin_activity;
mod catalog;
mod chaos;
mod engine;
mod history;
mod model;
mod pins;
mod plextv;
mod pms;
mod resp;
mod sessions;
mod xml;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, web};

pub use activity::{Play, PlaySession, Player};
pub use catalog::MediaItem;
pub use chaos::Chaos;
pub use engine::{FaultSpec, Host, InFlight, LoggedRequest, RateLimit};
pub use model::{
    Account, Behaviour, DEFAULT_FRIEND_LIMIT, DEFAULT_MACHINE_ID, DEFAULT_OWNER_TOKEN,
    EmptyListOnPut, ForeignShare, Library, Owner, SEED_EPOCH, Seed, SeedError, Server, Share,
    ShareSettings, State, ids,
};
pub use pins::Pin;

use engine::Sim;

/// How to start the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The data to start from (and to return to on reset).
    pub seed: Seed,
    /// Address to bind both listeners on (default 127.0.0.1).
    pub bind: IpAddr,
    /// PMS port (0 = any free port).
    pub pms_port: u16,
    /// plex.tv port (0 = any free port).
    pub plextv_port: u16,
    /// Latency added to every non-admin request.
    pub latency: Duration,
    /// Switches for the spec's open questions.
    pub behaviour: Behaviour,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: Seed::default(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            pms_port: 0,
            plextv_port: 0,
            latency: Duration::ZERO,
            behaviour: Behaviour::default(),
        }
    }
}

/// Errors starting the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot bind the {which} listener on {addr}: {source}")]
    Bind {
        which: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Seed(#[from] SeedError),
}

/// Entry point.
#[derive(Debug)]
pub struct PlexSim;

impl PlexSim {
    /// Binds both listeners and starts serving on the current tokio runtime.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        config.seed.validate()?;
        let sim = Arc::new(Sim::new(&config));
        let (pms, pms_addr) = serve(
            &sim,
            Host::Pms,
            SocketAddr::new(config.bind, config.pms_port),
        )?;
        let (tv, tv_addr) = serve(
            &sim,
            Host::Plextv,
            SocketAddr::new(config.bind, config.plextv_port),
        )?;
        sim.set_addrs(pms_addr, tv_addr);
        let handles = vec![pms.handle(), tv.handle()];
        let tasks = vec![tokio::spawn(pms), tokio::spawn(tv)];
        Ok(SimHandle {
            sim,
            pms_addr,
            plextv_addr: tv_addr,
            pms_url: format!("http://{pms_addr}"),
            plextv_url: format!("http://{tv_addr}"),
            handles,
            tasks,
        })
    }
}

fn serve(
    sim: &Arc<Sim>,
    host: Host,
    addr: SocketAddr,
) -> Result<(actix_web::dev::Server, SocketAddr), SimError> {
    let data = web::Data::from(Arc::clone(sim));
    let which = match host {
        Host::Pms => "PMS",
        Host::Plextv => "plex.tv",
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
            .app_data(web::Data::new(host))
            .default_service(web::to(engine::entry))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .bind(addr)
    .map_err(|source| SimError::Bind {
        which,
        addr,
        source,
    })?;
    let bound = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| SimError::Bind {
            which,
            addr,
            source: std::io::Error::other("no address bound"),
        })?;
    Ok((server.run(), bound))
}

/// A running simulator. [`SimHandle::stop`] stops it and waits; dropping the handle asks the
/// listeners to stop without waiting.
#[derive(Debug)]
pub struct SimHandle {
    sim: Arc<Sim>,
    pms_addr: SocketAddr,
    plextv_addr: SocketAddr,
    pms_url: String,
    plextv_url: String,
    handles: Vec<actix_web::dev::ServerHandle>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl SimHandle {
    /// Base URL of the PMS listener, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn pms_url(&self) -> &str {
        &self.pms_url
    }
    /// Base URL of the plex.tv listener (map `https://plex.tv` and `https://clients.plex.tv` here).
    pub fn plextv_url(&self) -> &str {
        &self.plextv_url
    }
    pub fn pms_addr(&self) -> SocketAddr {
        self.pms_addr
    }
    pub fn plextv_addr(&self) -> SocketAddr {
        self.plextv_addr
    }
    /// The owner token of the current state.
    pub fn owner_token(&self) -> String {
        self.sim.with_state(|s| s.owner.token.clone())
    }
    /// The PMS machine identifier.
    pub fn machine_identifier(&self) -> String {
        self.sim.with_state(|s| s.server.machine_identifier.clone())
    }
    /// A snapshot of the whole state.
    pub fn state(&self) -> State {
        self.sim.observe(|s| s.clone())
    }
    /// Runs `f` with the state locked (read or change anything), never between a request's
    /// change and its log entry.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        self.sim.observe(f)
    }
    /// The request log (admin calls excluded, tokens redacted), oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.sim.requests()
    }
    /// Requests received and not answered yet (latency, a slow fault), oldest first: what a
    /// client killed now would leave behind.
    pub fn in_flight(&self) -> Vec<InFlight> {
        self.sim.in_flight()
    }
    pub fn clear_requests(&self) {
        self.sim.clear_requests();
    }
    /// Queues a fault for the next matching request(s).
    pub fn add_fault(&self, fault: FaultSpec) {
        self.sim.add_fault(fault);
    }
    pub fn clear_faults(&self) {
        self.sim.clear_faults();
    }
    /// Turns the token bucket on (`Some`) or off (`None`).
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.sim.set_rate_limit(limit);
    }
    /// Random faults on a share of all requests (`None` turns them off).
    pub fn set_chaos(&self, chaos: Option<Chaos>) {
        self.sim.set_chaos(chaos);
    }
    /// Latency added to every non-admin request.
    pub fn set_latency(&self, latency: Duration) {
        self.sim.set_latency(latency);
    }
    /// Makes a token unknown: 401 everywhere.
    pub fn revoke_token(&self, token: &str) {
        self.sim.with_state(|s| {
            s.valid_tokens.remove(token);
        });
    }
    /// Deauthorizes a token: 422 "Invalid token" on plex.tv, 401 on the PMS.
    pub fn deauthorize_token(&self, token: &str) {
        self.sim.with_state(|s| {
            s.valid_tokens.remove(token);
            s.deauthorized_tokens.insert(token.to_owned());
        });
    }
    /// Makes a token valid (as the owner's) again.
    pub fn restore_token(&self, token: &str) {
        self.sim.with_state(|s| {
            s.deauthorized_tokens.remove(token);
            s.valid_tokens.insert(token.to_owned());
        });
    }
    /// Approves sign-in PIN `id` as plex.tv account `account` would (a friend signing in to a
    /// portal, or a stranger): its token answers `GET /api/v2/user` as that account and nothing
    /// else. `None` when no live PIN has that id.
    pub fn approve_pin_as(&self, id: u64, account: u64) -> Option<String> {
        let now = chrono::Utc::now().timestamp_millis();
        self.sim
            .with_state(|s| pins::approve_as(s, id, account, now))
            .and_then(|p| p.auth_token)
    }

    /// Approves sign-in PIN `id` as the owner would on plex.tv; the new token it gets, or
    /// `None` when no live PIN has that id.
    pub fn approve_pin(&self, id: u64) -> Option<String> {
        let now = chrono::Utc::now().timestamp_millis();
        self.sim
            .with_state(|s| pins::approve(s, Some(id), None, now))
            .and_then(|p| p.auth_token)
    }

    /// Marks a pending invite accepted. Returns false for an unknown share id.
    pub fn accept_invite(&self, share_id: u64) -> bool {
        self.sim.with_state(|s| engine::accept(s, share_id))
    }

    /// Lets a pending invite lapse on plex.tv (`POST /__sim/expire/{shareId}`).
    pub fn expire_invite(&self, share_id: u64) -> bool {
        self.sim.with_state(|s| engine::expire(s, share_id))
    }
    /// Adds a library to the PMS (drift). With `on_plextv = false` plex.tv does not list it
    /// until [`SimHandle::publish_library`].
    pub fn add_library(&self, title: &str, kind: &str, on_plextv: bool) -> Library {
        self.sim
            .with_state(|s| s.add_library(title, kind, on_plextv, None))
    }
    /// Adds a library to the PMS that plex.tv lists only after `delay`.
    pub fn add_library_delayed(&self, title: &str, kind: &str, delay: Duration) -> Library {
        self.sim
            .with_state(|s| s.add_library(title, kind, false, Some(delay)))
    }
    /// Deletes a library on the PMS now; plex.tv forgets it only after `delay`.
    pub fn remove_library_delayed(&self, key: u64, delay: Duration) -> bool {
        self.sim.with_state(|s| s.remove_library_later(key, delay))
    }
    /// Makes a library visible on plex.tv.
    pub fn publish_library(&self, key: u64) -> bool {
        self.sim.with_state(|s| {
            s.libraries
                .iter_mut()
                .find(|l| l.key == key)
                .map(|l| {
                    l.on_plextv = true;
                    l.plextv_sync_at_ms = None;
                })
                .is_some()
        })
    }
    /// Removes a library from the PMS and plex.tv (and from every share).
    pub fn remove_library(&self, key: u64) -> bool {
        self.sim.with_state(|s| s.remove_library(key))
    }
    /// Deletes a plex.tv account (see `State::delete_account`); false when there is none.
    pub fn delete_account(&self, id: u64) -> bool {
        self.sim.with_state(|s| s.delete_account(id))
    }
    /// Records plays in the PMS watch history (ids assigned in `viewedAt` order); the completed
    /// plays, or why one is invalid (then none is recorded).
    pub fn add_plays(&self, plays: impl IntoIterator<Item = Play>) -> Result<Vec<Play>, SeedError> {
        let plays: Vec<Play> = plays.into_iter().collect();
        self.sim.with_state(|s| s.add_plays(plays))
    }
    /// Records one play, e.g. `Play::new(2_100_001, 1, viewed_at)`.
    pub fn add_play(&self, play: Play) -> Result<Play, SeedError> {
        self.add_plays([play]).map(|mut v| v.remove(0))
    }
    /// The watch history, oldest history id first.
    pub fn plays(&self) -> Vec<Play> {
        let mut plays = self.sim.observe(|s| s.plays.clone());
        plays.sort_by_key(|p| p.id);
        plays
    }
    /// Empties the watch history.
    pub fn clear_plays(&self) {
        self.sim.with_state(|s| s.plays.clear());
    }
    /// Starts a session (`/status/sessions`), e.g. `PlaySession::new(2_100_001, 1).paused()`;
    /// the completed session (its `session_key`, item, player), or why it is invalid.
    pub fn start_session(&self, session: PlaySession) -> Result<PlaySession, SeedError> {
        self.sim
            .with_state(|s| s.add_sessions(vec![session]))
            .map(|mut v| v.remove(0))
    }
    /// What is playing now.
    pub fn sessions(&self) -> Vec<PlaySession> {
        self.sim.observe(|s| s.sessions.clone())
    }
    /// Stops a session without recording anything; false for an unknown key.
    pub fn stop_session(&self, session_key: u64) -> bool {
        self.sim
            .with_state(|s| s.end_session(session_key, false))
            .is_some()
    }
    /// Stops a session and records it in the history as watched now; the play, or `None` for an
    /// unknown key.
    pub fn finish_session(&self, session_key: u64) -> Option<Play> {
        self.sim
            .with_state(|s| s.end_session(session_key, true))
            .flatten()
    }
    /// Stops every session.
    pub fn clear_sessions(&self) {
        self.sim.with_state(|s| s.sessions.clear());
    }
    /// The playable items of library `key` (what plays and sessions can name by `rating_key`).
    pub fn catalog(&self, key: u64) -> Vec<MediaItem> {
        self.sim.observe(|s| {
            s.pms_libraries()
                .filter(|l| l.key == key)
                .flat_map(catalog::items)
                .collect()
        })
    }
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.sim.with_state(|s| s.behaviour = behaviour);
    }
    /// Back to the seed; clears the log, faults, rate limit and latency.
    pub fn reset(&self) {
        self.sim.reset();
    }
    /// Stops both listeners and waits for them.
    pub async fn stop(mut self) {
        for h in &self.handles {
            h.stop(true).await;
        }
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
    }
}

impl Drop for SimHandle {
    /// Asks both listeners to stop (without waiting), so a forgotten handle frees its threads.
    fn drop(&mut self) {
        for h in &self.handles {
            drop(h.stop(false));
        }
    }
}
