//! The web server's own settings (one `settings` row, `server`): port, HTTPS mode and the
//! hostnames of the self-signed certificate. Each may be pinned by the configuration
//! (`PLEXWARD_PORT`/`--port`, `PLEXWARD_HTTPS`, `PLEXWARD_HOSTNAMES`, or `https`/`hostnames` in
//! `plexward.toml`); a pinned value wins and cannot be changed from the API. They take effect at
//! the next start or restart; [`ServerControl`] remembers what runs now and carries restart
//! requests from the API to the serve loop.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::{CertificateInfo, HttpsMode, Scheme, SettingSource};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db;

const KEY: &str = "server";
/// What the server settings' version (`ETag`) covers.
pub const TAGGED_KEYS: [&str; 1] = [KEY];

/// As stored: `None` = never saved (the configuration or default applies).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredServerSettings {
    pub port: Option<u16>,
    pub https: Option<HttpsMode>,
    pub hostnames: Option<Vec<String>>,
}

pub fn load(conn: &mut SqliteConnection) -> QueryResult<StoredServerSettings> {
    db::settings::get(conn, KEY)
}

pub fn save(conn: &mut SqliteConnection, stored: &StoredServerSettings) -> QueryResult<()> {
    db::settings::put(conn, KEY, stored)
}

/// What the configuration says about the server settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerPins {
    /// The configuration's port (file, environment, flag or default).
    pub config_port: u16,
    /// Whether that port is pinned (environment, flag, or 0).
    pub port_pinned: bool,
    pub https: Option<HttpsMode>,
    pub hostnames: Option<Vec<String>>,
}

impl From<&Config> for ServerPins {
    fn from(config: &Config) -> Self {
        Self {
            config_port: config.port,
            port_pinned: config.port_is_pinned(),
            https: config.https,
            hostnames: config.hostnames.clone(),
        }
    }
}

/// The settings in effect (for the next start), with where each comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    pub port: u16,
    pub port_source: SettingSource,
    pub https: HttpsMode,
    pub https_source: SettingSource,
    pub hostnames: Vec<String>,
    pub hostnames_source: SettingSource,
}

pub fn effective(pins: &ServerPins, stored: &StoredServerSettings) -> Effective {
    let (port, port_source) = match stored.port {
        _ if pins.port_pinned => (pins.config_port, SettingSource::Environment),
        Some(port) => (port, SettingSource::Database),
        None => (pins.config_port, SettingSource::Default),
    };
    let (https, https_source) = match (pins.https, stored.https) {
        (Some(mode), _) => (mode, SettingSource::Environment),
        (None, Some(mode)) => (mode, SettingSource::Database),
        (None, None) => (HttpsMode::Off, SettingSource::Default),
    };
    let (hostnames, hostnames_source) = match (&pins.hostnames, &stored.hostnames) {
        (Some(names), _) => (names.clone(), SettingSource::Environment),
        (None, Some(names)) => (names.clone(), SettingSource::Database),
        (None, None) => (Vec::new(), SettingSource::Default),
    };
    Effective {
        port,
        port_source,
        https,
        https_source,
        hostnames,
        hostnames_source,
    }
}

/// What the server was started with.
#[derive(Debug, Clone)]
pub struct Running {
    /// The settings the start used.
    pub requested: Effective,
    /// The port actually bound.
    pub port: u16,
    pub scheme: Scheme,
    /// The certificate served.
    pub certificate: Option<CertificateInfo>,
    /// SHA-256 of the certificate file the start read for the requested mode (even when it was
    /// refused), so a new upload shows as needing a restart.
    pub cert_file_sha256: Option<String>,
    /// Why HTTPS was asked for but is not served.
    pub problem: Option<String>,
}

/// How long a restart waits after it was asked for (see [`RestartSignal::requested`]).
const RESTART_GRACE: std::time::Duration = std::time::Duration::from_millis(200);

/// A restart asked for through the API.
#[derive(Debug, Default)]
pub struct RestartSignal {
    /// Set while a serve loop runs that can build the application again (`startup::serve`).
    enabled: AtomicBool,
    requested: AtomicBool,
    notify: tokio::sync::Notify,
}

impl RestartSignal {
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::SeqCst);
    }

    /// Whether a restart can be carried out (the application runs under `startup::serve`).
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }

    pub fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// Resolves a moment after [`RestartSignal::request`] was called (also if before this call):
    /// the moment lets the answer to the request that asked for it reach its client before the
    /// server stops accepting, without a task spawned to wait.
    pub async fn requested(&self) {
        self.notify.notified().await;
        tokio::time::sleep(RESTART_GRACE).await;
    }
}

/// Server settings state shared with the handlers.
#[derive(Debug)]
pub struct ServerControl {
    pub pins: ServerPins,
    pub data_dir: PathBuf,
    pub running: Running,
    pub restart: Arc<RestartSignal>,
}

/// What the certificate files and the running server say about `effective`.
#[derive(Debug, Clone)]
pub struct ServerStatus {
    /// The certificate `effective` would serve (else the running one, else an uploaded one).
    pub certificate: Option<CertificateInfo>,
    /// Whether a restart is needed for `effective` to be what runs.
    pub restart_required: bool,
    /// Why HTTPS is not served now, or would not be with `effective`.
    pub tls_problem: Option<String>,
}

impl ServerControl {
    /// The status for `effective` (file reads: call off the async runtime).
    pub fn status(&self, effective: &Effective) -> ServerStatus {
        let now = chrono::Utc::now();
        let running = &self.running;
        let configured =
            crate::tls::read_info(&self.data_dir, effective.https, now).map(|mut c| {
                c.in_use = running
                    .certificate
                    .as_ref()
                    .is_some_and(|r| r.sha256 == c.sha256);
                c
            });
        let restart_required = effective.port != running.requested.port
            || effective.https != running.requested.https
            || (effective.https == HttpsMode::SelfSigned
                && effective.hostnames != running.requested.hostnames)
            || (effective.https == HttpsMode::Custom
                && configured.as_ref().map(|c| &c.sha256) != running.cert_file_sha256.as_ref());
        let configured_problem = match effective.https {
            HttpsMode::Custom => crate::tls::load_custom(&self.data_dir, now).err(),
            _ => None,
        };
        ServerStatus {
            certificate: configured
                .or_else(|| running.certificate.clone())
                .or_else(|| crate::tls::read_info(&self.data_dir, HttpsMode::Custom, now)),
            restart_required,
            tls_problem: running.problem.clone().or(configured_problem),
        }
    }
}

/// The scheme a start with `effective` would serve (HTTP when the uploaded pair in `data_dir` is
/// unusable). Reads files: call off the async runtime.
pub fn scheme_for(data_dir: &Path, effective: &Effective) -> Scheme {
    match effective.https {
        HttpsMode::Off => Scheme::Http,
        HttpsMode::SelfSigned => Scheme::Https,
        HttpsMode::Custom => match crate::tls::load_custom(data_dir, chrono::Utc::now()) {
            Ok(_) => Scheme::Https,
            Err(_) => Scheme::Http,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pins(port_pinned: bool) -> ServerPins {
        ServerPins {
            config_port: 5000,
            port_pinned,
            https: None,
            hostnames: None,
        }
    }

    #[test]
    fn pins_beat_the_database_which_beats_defaults() {
        let stored = StoredServerSettings {
            port: Some(6000),
            https: Some(HttpsMode::SelfSigned),
            hostnames: Some(vec!["nas.lan".into()]),
        };
        let e = effective(&pins(false), &StoredServerSettings::default());
        assert_eq!(
            (e.port, e.port_source, e.https, e.https_source),
            (
                5000,
                SettingSource::Default,
                HttpsMode::Off,
                SettingSource::Default
            )
        );
        let e = effective(&pins(false), &stored);
        assert_eq!((e.port, e.port_source), (6000, SettingSource::Database));
        assert_eq!(e.hostnames, vec!["nas.lan".to_owned()]);
        let mut pinned = pins(true);
        pinned.https = Some(HttpsMode::Custom);
        pinned.hostnames = Some(vec![]);
        let e = effective(&pinned, &stored);
        assert_eq!((e.port, e.port_source), (5000, SettingSource::Environment));
        assert_eq!(
            (e.https, e.https_source),
            (HttpsMode::Custom, SettingSource::Environment)
        );
        assert_eq!(e.hostnames_source, SettingSource::Environment);
        assert!(e.hostnames.is_empty());
    }
}
