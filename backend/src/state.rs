//! What every handler may reach: shared, cheap to clone.

use std::time::Instant;

use std::sync::Arc;

use crate::auth::AuthState;
use crate::db::DbPool;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DbPool,
    pub auth: Arc<AuthState>,
    pub plex: Arc<crate::plex::connection::PlexConnection>,
    /// "Sign in with Plex" flows in progress (their tokens wait here for a server to be picked).
    pub plex_sign_ins: Arc<crate::settings::plex_sign_in::SignIns>,
    /// Friends signing in to the portal with Plex.
    pub portal_sign_ins: Arc<crate::portal::sign_in::PortalSignIns>,
    pub applier: Arc<crate::access::applier::Applier>,
    /// Every friend's derived view, cached (lists, details, the summary read it).
    pub friends: Arc<crate::access::read_model::ReadModel>,
    /// Background applies: push a friend here rather than applying inline (see `jobs::apply_friend`).
    pub apply_queue: crate::jobs::apply_friend::ApplyQueue,
    /// The one executor: handlers enqueue sync, reconcile and applies here (see `jobs::executor`).
    pub jobs: Arc<crate::jobs::Executor>,
    /// The data directory's `logs/` (read by the log API).
    pub logs_dir: std::path::PathBuf,
    /// The live feed of `app.log` lines (`GET /api/v1/logs/stream`).
    pub log_hub: Arc<crate::logs::hub::LogHub>,
    /// The budget of live streams (a few per account, a bound in all).
    pub live_streams: Arc<crate::http::live_streams::LiveStreams>,
    /// The deadline tick's sign of life (health).
    pub scheduler: crate::scheduler::heartbeat::Heartbeat,
    /// The server settings as running, and the restart trigger.
    pub server: Arc<crate::settings::server::ServerControl>,
    /// When the process started serving (for uptime).
    pub started: Instant,
    /// The health check's last good write probe (reused for a few seconds).
    pub write_probe: Arc<crate::db::ProbeCache>,
    /// Where backups go, how many are kept.
    pub backups: crate::backups::BackupPlan,
    /// How long one notification delivery (or a channel test) may take.
    pub delivery_timeout: std::time::Duration,
}
