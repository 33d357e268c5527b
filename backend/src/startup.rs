//! `Application::build` turns a [`Config`] into a bound, ready-to-run server. Tests call it with
//! port 0 and a temporary data directory, exactly as `main` does with the real configuration.
//! `run_until_stopped` serves, with the background workers (deadlines, apply queue, reconcile
//! schedule) and the job executor alongside; a stop or restart drains them.
//! [`serve`] is what `main` runs: build, serve, and build again after a restart asked for through
//! the API (in-process, so it works the same under Docker and on a bare machine).

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::access::applier::Applier;
use crate::access::read_model::ReadModel;
use crate::auth::{self, AuthState};
use crate::clock::{self, SharedClock};
use crate::config::Config;
use crate::http::live_streams::LiveStreams;
use crate::http::query_guard::{self, QueryGuard};
use crate::http::{self, extractors, openapi, request_id, security_headers, spa::Spa};
use crate::jobs::apply_friend::ApplyQueue;
use crate::jobs::{Executor, JobContext};
use crate::plex::connection::PlexConnection;
use crate::scheduler::heartbeat::Heartbeat;
use crate::settings::server::{self as server_settings, RestartSignal, Running, ServerControl};
use crate::state::AppState;
use crate::{data_dir, db, jobs, scheduler, tls};
use plexward_shared::Scheme;

/// Why [`Application::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// SIGINT/SIGTERM or a [`ServerHandle::stop`]: the process ends.
    Shutdown,
    /// `POST /api/v1/system/restart`: build and serve again.
    Restart,
}

/// A bound server, not yet running.
pub struct Application {
    address: SocketAddr,
    scheme: Scheme,
    server: Server,
    restart: Arc<RestartSignal>,
    pool: db::DbPool,
    applier: Arc<Applier>,
    apply_queue: ApplyQueue,
    heartbeat: Heartbeat,
    schedule_heartbeat: Heartbeat,
    executor: Arc<Executor>,
    backups: crate::backups::BackupPlan,
    retention: scheduler::retention::Retention,
    /// Demo mode: seeds plans, windows and an invite on the first run.
    demo: bool,
    /// The notification delivery worker's parts.
    deliveries: scheduler::deliveries::Deliveries,
    /// The data directory's lock: one Plexward per data directory; `plexward restore` waits
    /// for it to be free.
    _lock: std::fs::File,
    /// Tells the workers and the executor's jobs to stop (sent once the server has stopped).
    stop: tokio::sync::watch::Sender<bool>,
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
        Self::build_with_clocks(config, clock, clock::system()).await
    }

    /// [`Application::build_with_clock`] with sessions too on a clock of their own (`auth_clock`:
    /// session lifetimes, the refresh race window), so tests can step past them.
    pub async fn build_with_clocks(
        config: &Config,
        clock: SharedClock,
        auth_clock: SharedClock,
    ) -> anyhow::Result<Self> {
        data_dir::ensure(&config.data_dir)
            .with_context(|| format!("cannot use data directory {}", config.data_dir.display()))?;
        let lock = data_dir::lock(&config.data_dir)
            .with_context(|| format!("cannot lock data directory {}", config.data_dir.display()))?
            .with_context(|| {
                format!(
                    "another Plexward is running on data directory {}",
                    config.data_dir.display()
                )
            })?;
        data_dir::secure_database(&config.database_path()).with_context(|| {
            format!(
                "cannot make database {} owner-only",
                config.database_path().display()
            )
        })?;
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
        let auth = AuthState::load(
            &config.data_dir,
            &config.login_limits(),
            pool.clone(),
            auth_clock,
        )
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
        let plex_reachability = plex.reachability().clone();
        crate::settings::plex_routes::start(&pool, &plex)?;
        crate::settings::plex_routes::probe_in_background(&pool, &plex);
        let plex_sign_ins = Arc::new(crate::settings::plex_sign_in::SignIns::default());
        let portal_sign_ins = Arc::new(crate::portal::sign_in::PortalSignIns::default());
        let friends = Arc::new(ReadModel::new(pool.clone(), clock.clone()));
        let applier = Arc::new(
            Applier::new(pool.clone(), plex.clone(), clock)
                .with_friend_limit(config.plex_friend_limit),
        );
        let heartbeat = Heartbeat::new();
        let schedule_heartbeat = Heartbeat::new();
        let (stop, stopping) = tokio::sync::watch::channel(false);
        // Built on the main runtime (this function runs there): the executor spawns its jobs on
        // it, never on actix's worker runtimes.
        let executor = Arc::new(Executor::new(
            JobContext {
                pool: pool.clone(),
                plex: plex.clone(),
                applier: applier.clone(),
                queue: apply_queue.clone(),
                stopping,
            },
            tokio::runtime::Handle::current(),
            Duration::from_millis(config.apply_wait_ms),
        ));

        // The server settings: saved ones, unless the configuration pins them. A certificate
        // problem never stops the start: HTTP instead, said loudly (log and settings page).
        let pins = server_settings::ServerPins::from(config);
        let effective =
            server_settings::effective(&pins, &server_settings::load(&mut *pool.get()?)?);
        let prepared = {
            let (data_dir, mode, names) = (
                config.data_dir.clone(),
                effective.https,
                effective.hostnames.clone(),
            );
            tokio::task::spawn_blocking(move || {
                let file = tls::read_info(&data_dir, mode, chrono::Utc::now()).map(|c| c.sha256);
                (tls::prepare(&data_dir, mode, &names), file)
            })
            .await
            .context("preparing TLS did not run")?
        };
        let (prepared, cert_file_sha256) = prepared;
        if let Some(problem) = &prepared.problem {
            tracing::error!(
                https = effective.https.as_str(),
                problem,
                "HTTPS IS NOT SERVED: falling back to plain HTTP; fix the certificate in the \
                 server settings and restart"
            );
        }
        let listener = bind(config, &effective)?;
        let address = listener.local_addr()?;
        let scheme = if prepared.server_config.is_some() {
            Scheme::Https
        } else {
            Scheme::Http
        };
        let restart = Arc::new(RestartSignal::default());
        let control = Arc::new(ServerControl {
            pins,
            data_dir: config.data_dir.clone(),
            running: Running {
                requested: effective,
                port: address.port(),
                scheme,
                certificate: prepared.certificate,
                cert_file_sha256,
                problem: prepared.problem,
            },
            restart: restart.clone(),
        });
        write_listening(&config.data_dir, scheme, address.port(), &control);

        let state = web::Data::new(AppState {
            db: pool.clone(),
            auth: Arc::new(auth),
            plex,
            plex_sign_ins: plex_sign_ins.clone(),
            portal_sign_ins: portal_sign_ins.clone(),
            applier: applier.clone(),
            friends,
            apply_queue: apply_queue.clone(),
            jobs: executor.clone(),
            logs_dir: crate::logs::dir(&config.data_dir),
            log_hub: crate::logs::hub::LogHub::global(),
            live_streams: Arc::new(LiveStreams::new(
                config.live_streams_per_account,
                config.live_streams_total,
            )),
            scheduler: heartbeat.clone(),
            server: control,
            started: Instant::now(),
            write_probe: Arc::new(db::ProbeCache::default()),
            backups: crate::backups::BackupPlan::from_config(config),
            delivery_timeout: Duration::from_millis(config.delivery_timeout_ms),
        });
        let spa = web::Data::new(Spa::load(&config.web_dir, &config.base_path));
        let base_path = web::Data::new(http::base_path::BasePath(config.base_path.clone()));
        // Validated with the configuration, so this parses.
        let trusted_proxies = web::Data::new(http::client_addr::TrustedProxies(
            crate::config::parse_proxies(config.trusted_proxies.as_deref()).unwrap_or_default(),
        ));
        let connection_counts = web::Data::new(http::connection_cap::ConnectionCounts::new(
            config.connections_per_client,
        ));
        let body_timeout = web::Data::new(http::body_timeout::BodyTimeout(Duration::from_secs(
            config.request_body_timeout_secs,
        )));
        let api_document = http::openapi_document();
        let query_guard = Arc::new(QueryGuard::from_document(&api_document));
        let document = web::Data::new(openapi::Document(serde_json::to_vec(&api_document)?.into()));

        let server = HttpServer::new(move || {
            let base = base_path.0.clone();
            let routes = move |cfg: &mut web::ServiceConfig| {
                cfg.service(
                    web::scope("/api/v1")
                        .wrap(from_fn(http::idempotency::middleware))
                        .configure(http::api_v1::<web::ServiceConfig>),
                )
                .route("/api/docs", web::get().to(openapi::docs_redirect))
                .route("/metrics", web::get().to(http::metrics::metrics))
                .service(openapi::swagger_ui(&base))
                .default_service(web::to(http::fallback));
            };
            let app = App::new()
                .app_data(state.clone())
                .app_data(spa.clone())
                .app_data(base_path.clone())
                .app_data(trusted_proxies.clone())
                .app_data(connection_counts.clone())
                .app_data(body_timeout.clone())
                .app_data(document.clone())
                .app_data(extractors::json_config())
                .app_data(extractors::path_config());
            // Under a sub-path everything is mounted there; outside it only its root answers
            // (a redirect into it).
            let app = if base_path.0.is_empty() {
                app.configure(routes)
            } else {
                app.service(web::scope(&base_path.0).configure(routes))
                    .default_service(web::to(http::base_path::outside))
            };
            app.wrap(Compress::default())
                .wrap(from_fn({
                    let guard = query_guard.clone();
                    move |req, next| query_guard::middleware(guard.clone(), req, next)
                }))
                .wrap(from_fn(http::body_timeout::middleware))
                .wrap(from_fn(http::connection_cap::middleware))
                .wrap(from_fn(security_headers::middleware))
                .wrap(from_fn(request_id::middleware))
        })
        // Each connection's place in its client's count, filled by its first request.
        .on_connect(|_, data| {
            data.insert(http::connection_cap::ConnectionSlot::default());
        })
        .shutdown_timeout(config.shutdown_timeout_secs)
        .worker_max_blocking_threads(BLOCKING_THREADS_PER_WORKER)
        .client_request_timeout(Duration::from_secs(30));
        let server = match prepared.server_config {
            Some(tls) => server.listen_rustls_0_23(listener, tls)?,
            None => server.listen(listener)?,
        }
        .run();

        let deliveries = scheduler::deliveries::Deliveries::new(
            worker_pool.clone(),
            config.data_dir.clone(),
            config.delivery_retry_base_ms,
            Duration::from_millis(config.delivery_timeout_ms),
            applier.clock().clone(),
            plex_reachability,
        );
        Ok(Self {
            address,
            scheme,
            server,
            restart,
            pool: worker_pool,
            applier,
            apply_queue,
            heartbeat,
            schedule_heartbeat,
            executor,
            backups: crate::backups::BackupPlan::from_config(config),
            retention: scheduler::retention::Retention::from_config(config),
            demo: config.demo,
            deliveries,
            _lock: lock,
            stop,
        })
    }

    /// The address actually bound (the port is the real one when 0 was asked for).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// `http` or `https` (HTTPS may have been asked for and fallen back).
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The base URL of the bound address, e.g. `https://127.0.0.1:5000`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme.as_str(), self.address)
    }

    /// The queue of apply jobs (tests push onto it; the app's producers use `AppState`'s).
    pub fn apply_queue(&self) -> ApplyQueue {
        self.apply_queue.clone()
    }

    /// The deadline worker's sign of life (tests wait on it instead of sleeping).
    pub fn heartbeat(&self) -> Heartbeat {
        self.heartbeat.clone()
    }

    /// The reconcile schedule worker's sign of life (tests wait on it instead of sleeping).
    pub fn schedule_heartbeat(&self) -> Heartbeat {
        self.schedule_heartbeat.clone()
    }

    /// The executor all background work runs on.
    pub fn executor(&self) -> Arc<Executor> {
        self.executor.clone()
    }

    /// A handle to stop the server gracefully from elsewhere (tests, restart).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (or [`ServerHandle::stop`]), letting in-flight requests finish,
    /// with the background workers alongside; they stop after the server (SIGTERM only stops
    /// actix's server, so the workers are told here), finishing the apply in flight.
    ///
    /// Nothing here could build the application again, so `POST /api/v1/system/restart` is
    /// refused (409) while it runs this way; [`serve`] runs it restartable.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_inner(false).await.map(|_| ())
    }

    /// [`Application::run_until_stopped`], also stopping gracefully when a restart is asked for
    /// through the API; says which of the two ended it. The caller builds and runs again on
    /// [`Stopped::Restart`] (as [`serve`] does).
    pub async fn run(self) -> std::io::Result<Stopped> {
        self.run_inner(true).await
    }

    async fn run_inner(self, restartable: bool) -> std::io::Result<Stopped> {
        if restartable {
            self.restart.enable();
        }
        let stopped = self.stop.subscribe();
        let started = crate::notify::Notice::new(
            "plexward.started",
            format!("Plexward {} started.", env!("CARGO_PKG_VERSION")),
        );
        if let Err(e) = db::run(&self.pool, move |conn| {
            crate::notify::record(conn, &started, db::time::now_ms()).map(drop)
        })
        .await
        {
            tracing::warn!(error = %e, "cannot record the start for notifications");
        }
        if self.demo
            && let Err(e) = self
                .executor
                .submit_unique(jobs::demo_seed::DemoSeedJob, crate::audit::Actor::system())
                .await
        {
            tracing::warn!(error = %e, "could not start seeding the demo content");
        }
        let deadlines = scheduler::deadline::Deadlines {
            pool: self.pool.clone(),
            clock: self.applier.clock().clone(),
            executor: self.executor.clone(),
            queue: self.apply_queue.clone(),
            heartbeat: self.heartbeat,
            wake: self.executor.grants_changed(),
        };
        let workers = [
            ("deadline", tokio::spawn(deadlines.run(stopped.clone()))),
            (
                "apply",
                tokio::spawn(jobs::apply_friend::run(
                    self.apply_queue,
                    self.applier.clone(),
                    stopped.clone(),
                )),
            ),
            (
                "retention",
                tokio::spawn(scheduler::retention::run(
                    self.pool.clone(),
                    self.retention,
                    stopped.clone(),
                )),
            ),
            (
                "deliveries",
                tokio::spawn(self.deliveries.run(stopped.clone())),
            ),
            (
                "backups",
                tokio::spawn(scheduler::backups::run(
                    self.pool.clone(),
                    self.executor.clone(),
                    self.applier.clock().clone(),
                    self.backups,
                    stopped.clone(),
                )),
            ),
            (
                "scheduler",
                tokio::spawn(scheduler::worker::run(
                    self.pool,
                    self.executor.clone(),
                    self.applier.clock().clone(),
                    self.schedule_heartbeat,
                    stopped,
                )),
            ),
        ];
        let handle = self.server.handle();
        let mut server = self.server;
        let restart = self.restart;
        let served = tokio::select! {
            served = &mut server => served,
            () = restart.requested() => {
                tracing::info!("restart requested: finishing in-flight requests and jobs");
                // The server future carries out the stop: poll both.
                let (served, ()) = tokio::join!(server, handle.stop(true));
                served
            }
        };
        let _ = self.stop.send(true);
        for (worker, handle) in workers {
            if let Err(e) = handle.await {
                tracing::error!(error = %e, worker, "a background worker ended abnormally");
            }
        }
        // The scheduler has stopped enqueueing: wait for the jobs in flight (each stops at its
        // next step; a bulk apply hands the rest to the durable queue).
        let left = self.executor.in_flight();
        if left > 0 {
            tracing::info!(jobs = left, "waiting for the jobs in flight");
        }
        self.executor.drain().await;
        served.map(|()| {
            if restart.is_requested() {
                Stopped::Restart
            } else {
                Stopped::Shutdown
            }
        })
    }
}

/// Builds and serves until a shutdown, building again (new port, new TLS) after each restart
/// asked for through the API. `on_start` sees every application built (tests take its address
/// and handle).
pub async fn serve(config: &Config, mut on_start: impl FnMut(&Application)) -> anyhow::Result<()> {
    let mut config = config.clone();
    loop {
        // A restore the UI staged is put in place while nothing holds the database.
        crate::backups::restore::apply_staged(&config.data_dir);
        let app = Application::build(&config).await?;
        tracing::info!(
            version = crate::VERSION,
            data_dir = %config.data_dir.display(),
            "Plexward listening on {}",
            app.url()
        );
        if config.port == 0 {
            // A free port was picked: a restart keeps it.
            config.port = app.port();
            config.port_pinned = true;
        }
        on_start(&app);
        match app.run().await? {
            Stopped::Shutdown => return Ok(()),
            Stopped::Restart => tracing::info!("restarting with the saved server settings"),
        }
    }
}

/// Binds the port in effect. When a port saved from the UI cannot be bound (taken), the
/// configuration's port is tried instead, so a bad setting cannot lock the admin out.
fn bind(config: &Config, effective: &server_settings::Effective) -> anyhow::Result<TcpListener> {
    match TcpListener::bind((config.bind, effective.port)) {
        Ok(listener) => Ok(listener),
        Err(e)
            if effective.port_source == plexward_shared::SettingSource::Database
                && effective.port != config.port =>
        {
            tracing::error!(
                port = effective.port,
                error = %e,
                "cannot listen on the port saved in the server settings; using {} instead",
                config.port
            );
            TcpListener::bind((config.bind, config.port))
                .with_context(|| format!("cannot listen on {}:{}", config.bind, config.port))
        }
        Err(e) => {
            Err(e).with_context(|| format!("cannot listen on {}:{}", config.bind, effective.port))
        }
    }
}

/// The file `plexward healthcheck` reads to find the running server (its port may come from the
/// database, its scheme from the certificate's fate).
/// Threads each actix worker may run blocking work on (`db::run`, `web::block`). actix's default
/// (512 / cores) let 50 concurrent `GET /plex-users` start ~100 threads, each loading every friend
/// at once with glibc spreading them over its arenas: RSS 137 MiB under that load and kept after.
/// With 2: 87 MiB, and faster (361 vs 328 requests/s; one friend's p99 9 ms vs 20 ms), since the
/// work is CPU-bound on a small machine (docs/BENCHMARKS.md, issue #15).
const BLOCKING_THREADS_PER_WORKER: usize = 2;

pub const LISTENING_FILE: &str = "listening.json";

/// What [`LISTENING_FILE`] holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Listening {
    pub scheme: Scheme,
    pub port: u16,
    /// The certificate file served, if HTTPS.
    pub certificate: Option<std::path::PathBuf>,
}

fn write_listening(data_dir: &std::path::Path, scheme: Scheme, port: u16, control: &ServerControl) {
    let certificate = match scheme {
        Scheme::Https => tls::files(data_dir, control.running.requested.https).map(|(c, _)| c),
        Scheme::Http => None,
    };
    let listening = Listening {
        scheme,
        port,
        certificate,
    };
    let written = serde_json::to_vec(&listening)
        .map_err(std::io::Error::other)
        .and_then(|json| tls::write_atomically(&data_dir.join(LISTENING_FILE), &json, false));
    if let Err(e) = written {
        tracing::warn!(error = %e, "cannot write {LISTENING_FILE}; `plexward healthcheck` may not find the server");
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
