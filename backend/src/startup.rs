//! `Application::build` turns a [`Config`] into a bound, ready-to-run server. Tests call it with
//! port 0 and a temporary data directory, exactly as `main` does with the real configuration.
//! `run_until_stopped` serves, with the background workers (apply jobs, retry tick) alongside.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use utoipa_actix_web::AppExt;

use crate::access::applier::Applier;
use crate::auth::{self, AuthState};
use crate::clock::{self, SharedClock};
use crate::config::Config;
use crate::http::{self, extractors, openapi, request_id, security_headers, spa::Spa};
use crate::jobs::apply_friend::ApplyQueue;
use crate::plex::connection::PlexConnection;
use crate::scheduler::heartbeat::Heartbeat;
use crate::state::AppState;
use crate::{data_dir, db, jobs, scheduler};

/// A bound server, not yet running.
pub struct Application {
    address: SocketAddr,
    server: Server,
    pool: db::DbPool,
    plex: Arc<PlexConnection>,
    applier: Arc<Applier>,
    apply_queue: ApplyQueue,
    heartbeat: Heartbeat,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Prepares the data directory and database, binds the listener and builds the server.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, clock::system()).await
    }

    /// [`Application::build`] with the access logic on `clock` (tests move time with it).
    pub async fn build_with_clock(config: &Config, clock: SharedClock) -> anyhow::Result<Self> {
        data_dir::ensure(&config.data_dir)
            .with_context(|| format!("cannot use data directory {}", config.data_dir.display()))?;
        let pool = db::connect(&config.database_path()).with_context(|| {
            format!("cannot open database {}", config.database_path().display())
        })?;
        {
            let mut conn = pool.get()?;
            let interrupted = db::jobs::fail_interrupted(&mut conn, db::time::now_ms())?;
            if interrupted > 0 {
                tracing::warn!(
                    interrupted,
                    "jobs left unfinished by the previous run are marked failed"
                );
            }
        }
        let apply_queue = ApplyQueue::start(&config.database_path())
            .await
            .context("cannot open the apply job queue")?;
        if config.demo {
            tracing::warn!("DEMO MODE: documented demo accounts; do not use with real data");
            auth::bootstrap::ensure_demo_accounts(&pool)?;
        } else if let Some(source) = auth::bootstrap::ensure_admin(&pool)? {
            announce_first_admin(&source);
        }
        let auth = AuthState::load(&config.data_dir, &config.login_limits())
            .context("cannot load the sign-in key")?;
        let worker_pool = pool.clone();
        let plex = PlexConnection::load(config)?;
        {
            // Saved from the UI; a token that cannot be decrypted counts as unset (and is logged),
            // it never stops start-up.
            let stored = crate::settings::plex::load_connection(&mut *pool.get()?)?;
            plex.set_saved(crate::settings::plex::open_connection(
                &stored,
                &config.data_dir,
            ));
        }
        let plex = Arc::new(plex);
        let worker_plex = plex.clone();
        let applier = Arc::new(Applier::new(pool.clone(), plex.clone(), clock));
        let heartbeat = Heartbeat::new();
        let state = web::Data::new(AppState {
            db: pool.clone(),
            auth: Arc::new(auth),
            plex,
            applier: applier.clone(),
            apply_queue: apply_queue.clone(),
            logs_dir: crate::logs::dir(&config.data_dir),
            log_hub: crate::logs::hub::LogHub::global(),
            scheduler: heartbeat.clone(),
            started: Instant::now(),
        });
        let spa = web::Data::new(Spa::load(&config.web_dir));
        let document = web::Data::new(openapi::Document(
            serde_json::to_vec(&http::openapi_document())?.into(),
        ));

        let listener = TcpListener::bind((config.bind, config.port))
            .with_context(|| format!("cannot listen on {}:{}", config.bind, config.port))?;
        let address = listener.local_addr()?;

        let server = HttpServer::new(move || {
            let (app, _api) = App::new()
                .into_utoipa_app()
                .app_data(state.clone())
                .app_data(spa.clone())
                .app_data(document.clone())
                .app_data(extractors::json_config())
                .app_data(extractors::query_config())
                .app_data(extractors::path_config())
                .service(utoipa_actix_web::scope("/api/v1").configure(http::api_v1))
                .split_for_parts();
            app.route("/api/docs", web::get().to(openapi::docs_redirect))
                .route("/metrics", web::get().to(http::metrics::metrics))
                .service(openapi::swagger_ui())
                .default_service(web::to(http::fallback))
                .wrap(Compress::default())
                .wrap(from_fn(security_headers::middleware))
                .wrap(from_fn(request_id::middleware))
        })
        .listen(listener)?
        .shutdown_timeout(config.shutdown_timeout_secs)
        .client_request_timeout(Duration::from_secs(30))
        .run();

        Ok(Self {
            address,
            server,
            pool: worker_pool,
            plex: worker_plex,
            applier,
            apply_queue,
            heartbeat,
        })
    }

    /// The address actually bound (the port is the real one when 0 was asked for).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The queue of apply jobs (tests push onto it; the app's producers use `AppState`'s).
    pub fn apply_queue(&self) -> ApplyQueue {
        self.apply_queue.clone()
    }

    /// A handle to stop the server gracefully from elsewhere (tests, restart).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (or [`ServerHandle::stop`]), letting in-flight requests finish,
    /// with the background workers alongside; they stop after the server (SIGTERM only stops
    /// actix's server, so the workers are told here), finishing the apply in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let workers = [
            (
                "deadline",
                tokio::spawn(jobs::deadline::run(
                    self.pool.clone(),
                    self.applier.clone(),
                    self.apply_queue.clone(),
                    self.heartbeat,
                    stopped.clone(),
                )),
            ),
            (
                "apply",
                tokio::spawn(jobs::apply_friend::run(
                    self.apply_queue,
                    self.applier.clone(),
                    stopped.clone(),
                )),
            ),
            (
                "scheduler",
                tokio::spawn(scheduler::worker::run(
                    self.pool,
                    self.plex,
                    self.applier,
                    stopped,
                )),
            ),
        ];
        let served = self.server.await;
        let _ = stop.send(true);
        for (worker, handle) in workers {
            if let Err(e) = handle.await {
                tracing::error!(error = %e, worker, "a background worker ended abnormally");
            }
        }
        served
    }
}

/// Tells the operator how to sign in the first time. Printed to stderr, never to the log files:
/// a generated password must not end up in logs.
fn announce_first_admin(source: &auth::bootstrap::PasswordSource) {
    match source {
        auth::bootstrap::PasswordSource::Generated(pw) => eprintln!(
            "\n  First start: created the account `admin` with the password\n\n      {pw}\n\n  \
             It is shown only this once and must be changed at first sign-in.\n"
        ),
        auth::bootstrap::PasswordSource::Environment => eprintln!(
            "First start: created the account `admin` with the password from {}; it must be \
             changed at first sign-in.",
            auth::bootstrap::ADMIN_PASSWORD_ENV
        ),
    }
}
