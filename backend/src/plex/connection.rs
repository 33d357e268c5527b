//! Plexward's connection to Plex: which server, which token, and the identity Plexward presents
//! (a client identifier kept in the data dir so Plex sees one stable device per install).
//!
//! URL and token come from two places: the configuration (`PLEXWARD_PLEX_URL`,
//! `PLEXWARD_PLEX_TOKEN`, or `plexward.toml`), which pins a value, and the settings saved from the
//! UI/API (`crate::settings::plex`), which can change while Plexward runs. Each value is taken from
//! the configuration when set there, else from the saved settings. The saved half sits behind a
//! lock and is replaced after a save, so every client built afterwards uses the new values.
//!
//! One client is kept for the values in effect and shared by every caller (connection reuse, one
//! TLS handshake rather than one per request); a save drops it, and the next caller builds the
//! client for the new values. Every client shares the connection's one [`PlextvLimiter`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::Duration;

use anyhow::Context;
use plexward_shared::SettingSource;
use secrecy::SecretString;

use crate::config::Config;
use crate::plex::limiter::PlextvLimiter;
use crate::plex::routes::Routes;
use crate::plex::{PlexClient, PlexClientConfig, PlexError, RetryPolicy};

/// The environment variables that pin the values (named in the UI and in refusals).
pub const URL_ENV: &str = "PLEXWARD_PLEX_URL";
pub const TOKEN_ENV: &str = "PLEXWARD_PLEX_TOKEN";

#[derive(Debug)]
pub struct PlexConnection {
    plextv_url: String,
    client_identifier: String,
    data_dir: PathBuf,
    /// From the configuration: wins over `saved`.
    pinned_url: Option<String>,
    /// Redacted in Debug by `secrecy`.
    pinned_token: Option<SecretString>,
    saved: RwLock<SavedConnection>,
    /// Held by a settings save from its database write until the live values follow, so two saves
    /// cannot leave the live values disagreeing with the database.
    save_lock: tokio::sync::Mutex<()>,
    /// The client for the values in effect; dropped by [`PlexConnection::set_saved`].
    client: Mutex<Option<Arc<PlexClient>>>,
    /// The process' plex.tv limiter, shared by every client built here.
    limiter: Arc<PlextvLimiter>,
    /// The process' choice of sharing API per operation, shared likewise.
    routes: Arc<Routes>,
    /// Whether Plex answers, as every client built here finds.
    reachability: Arc<crate::plex::reachability::Reachability>,
}

/// The saved connection with the token decrypted (by `settings::plex`): what the live
/// connection uses when the configuration does not pin a value.
#[derive(Debug, Clone, Default)]
pub struct SavedConnection {
    pub server_url: Option<String>,
    /// Redacted in Debug by `secrecy`.
    pub token: Option<SecretString>,
}

/// What the settings API shows about the connection (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionView {
    pub server_url: Option<String>,
    pub server_url_source: SettingSource,
    pub token_set: bool,
    pub token_source: SettingSource,
    pub plextv_url: String,
}

impl PlexConnection {
    /// The connection from the configuration alone; [`PlexConnection::set_saved`] adds the saved
    /// settings.
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        let pinned_token = config
            .plex_token
            .as_ref()
            .map(|t| t.0.trim())
            .filter(|t| !t.is_empty())
            .map(|t| SecretString::from(t.to_owned()));
        Ok(Self {
            pinned_url: config.plex_url.clone().filter(|u| !u.trim().is_empty()),
            pinned_token,
            plextv_url: config.plextv_url.clone(),
            client_identifier: client_identifier(&config.data_dir)?,
            data_dir: config.data_dir.clone(),
            saved: RwLock::new(SavedConnection::default()),
            save_lock: tokio::sync::Mutex::new(()),
            client: Mutex::new(None),
            limiter: Arc::new(PlextvLimiter::new(
                config.plextv_concurrency,
                config.plextv_requests_per_second,
            )),
            routes: Arc::default(),
            reachability: Arc::default(),
        })
    }

    /// The data directory (where the key that seals the token lives).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn url_pinned(&self) -> bool {
        self.pinned_url.is_some()
    }

    pub fn token_pinned(&self) -> bool {
        self.pinned_token.is_some()
    }

    /// The pinned URL, if any.
    pub fn pinned_url(&self) -> Option<&str> {
        self.pinned_url.as_deref()
    }

    /// Replaces the saved values (at start-up, and after a settings save).
    pub fn set_saved(&self, saved: SavedConnection) {
        let mut current = self
            .saved
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *current = saved;
        // Under the write lock: no caller can cache a client of the old values after this.
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Whether Plex answers (the notification worker tells the changes).
    pub fn reachability(&self) -> &Arc<crate::plex::reachability::Reachability> {
        &self.reachability
    }

    /// The plex.tv limiter every client of this connection shares.
    pub fn limiter(&self) -> &Arc<PlextvLimiter> {
        &self.limiter
    }

    /// Which sharing API each operation uses (every client of this connection shares it).
    pub fn routes(&self) -> &Arc<Routes> {
        &self.routes
    }

    /// A copy of the saved values (the token still a secret).
    pub fn saved(&self) -> SavedConnection {
        self.read_saved().clone()
    }

    /// Serialises settings saves: hold the guard across the database write and
    /// [`PlexConnection::set_saved`].
    pub async fn lock_for_save(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.save_lock.lock().await
    }

    fn read_saved(&self) -> RwLockReadGuard<'_, SavedConnection> {
        // A panic while holding the lock cannot leave a half-written value (it is replaced whole),
        // so a poisoned lock is still safe to read.
        self.saved
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn view(&self) -> ConnectionView {
        let saved = self.read_saved();
        let source = |pinned: bool, saved: bool| match (pinned, saved) {
            (true, _) => SettingSource::Environment,
            (false, true) => SettingSource::Database,
            (false, false) => SettingSource::Unset,
        };
        ConnectionView {
            server_url: self.pinned_url.clone().or_else(|| saved.server_url.clone()),
            server_url_source: source(self.pinned_url.is_some(), saved.server_url.is_some()),
            token_set: self.pinned_token.is_some() || saved.token.is_some(),
            token_source: source(self.pinned_token.is_some(), saved.token.is_some()),
            plextv_url: self.plextv_url.clone(),
        }
    }

    fn client_config(&self) -> Option<PlexClientConfig> {
        self.config_of(&self.read_saved())
    }

    fn config_of(&self, saved: &SavedConnection) -> Option<PlexClientConfig> {
        let url = self.pinned_url.as_ref().or(saved.server_url.as_ref())?;
        let token = self.pinned_token.as_ref().or(saved.token.as_ref())?;
        Some(
            PlexClientConfig::new(url.clone(), token.clone(), self.client_identifier.clone())
                .with_plextv_url(self.plextv_url.clone())
                .with_limiter(self.limiter.clone())
                .with_reachability(self.reachability.clone())
                .with_routes(self.routes.clone()),
        )
    }

    /// The client for background work (retries with backoff), when URL and token are set: the
    /// same one until the settings change.
    pub fn client(&self) -> Option<Result<Arc<PlexClient>, PlexError>> {
        // The read lock on the values first (as `set_saved` takes them), then the cache.
        let saved = self.read_saved();
        let mut cached = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = cached.as_ref() {
            return Some(Ok(client.clone()));
        }
        let config = self.config_of(&saved)?;
        Some(PlexClient::new(&config).map(|client| {
            let client = Arc::new(client);
            *cached = Some(client.clone());
            client
        }))
    }

    /// A client for a person waiting on the answer ("Test connection"): no retries, short
    /// timeouts, so a wrong URL is reported in seconds.
    pub fn probe_client(&self) -> Option<Result<PlexClient, PlexError>> {
        self.client_config().map(|c| {
            PlexClient::new(
                &c.with_retry(RetryPolicy::none())
                    .with_timeouts(Duration::from_secs(5), Duration::from_secs(10)),
            )
        })
    }
}

impl PlexConnection {
    /// A plex.tv client for signing in with Plex: this install's client id, the shared limiter,
    /// short timeouts and no retries (a person is waiting; polling is the retry). `token`: the
    /// one a sign-in just gave, for its account and servers.
    pub fn sign_in_client(&self, token: Option<SecretString>) -> Result<PlexClient, PlexError> {
        let config = PlexClientConfig::new(
            String::new(),
            token.unwrap_or_else(|| SecretString::from(String::new())),
            self.client_identifier.clone(),
        )
        .with_plextv_url(self.plextv_url.clone())
        .with_limiter(self.limiter.clone())
        .with_retry(RetryPolicy::none())
        .with_timeouts(Duration::from_secs(5), Duration::from_secs(10));
        PlexClient::for_sign_in(&config)
    }

    /// Plex's page where the owner approves PIN `code`: `app.plex.tv/auth` for the real plex.tv,
    /// `<plex.tv URL>/auth` for any other (the simulator serves one there).
    pub fn auth_url(&self, code: &str) -> String {
        let page = if self.plextv_url.trim_end_matches('/') == crate::plex::DEFAULT_PLEXTV_URL {
            "https://app.plex.tv/auth".to_owned()
        } else {
            format!("{}/auth", self.plextv_url.trim_end_matches('/'))
        };
        let encode =
            |v: &str| -> String { form_urlencoded::byte_serialize(v.as_bytes()).collect() };
        format!(
            "{page}#?clientID={}&code={}&context%5Bdevice%5D%5Bproduct%5D=Plexward",
            encode(&self.client_identifier),
            encode(code)
        )
    }
}

/// `data_dir/client-id`: created once with a random UUID.
fn client_identifier(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("client-id");
    if let Ok(id) = std::fs::read_to_string(&path)
        && !id.trim().is_empty()
    {
        return Ok(id.trim().to_owned());
    }
    let id = format!("plexward-{}", uuid::Uuid::new_v4());
    std::fs::write(&path, &id).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Redacted;

    fn connection(url: Option<&str>, token: Option<&str>) -> (tempfile::TempDir, PlexConnection) {
        let tmp = tempfile::tempdir().expect("tmp");
        let config = Config {
            data_dir: tmp.path().to_owned(),
            plex_url: url.map(str::to_owned),
            plex_token: token.map(|t| Redacted(t.to_owned())),
            ..Config::default()
        };
        let conn = PlexConnection::load(&config).expect("loads");
        (tmp, conn)
    }

    #[test]
    fn saved_values_apply_live_and_the_environment_wins() {
        let (_tmp, conn) = connection(None, None);
        assert!(conn.client().is_none());
        assert_eq!(conn.view().server_url_source, SettingSource::Unset);

        conn.set_saved(SavedConnection {
            server_url: Some("http://saved:32400".into()),
            token: Some(SecretString::from("saved-token")),
        });
        let view = conn.view();
        assert_eq!(view.server_url.as_deref(), Some("http://saved:32400"));
        assert_eq!(view.server_url_source, SettingSource::Database);
        assert_eq!(view.token_source, SettingSource::Database);
        assert!(conn.client().is_some());

        let (_tmp, pinned) = connection(Some("http://env:32400"), None);
        pinned.set_saved(SavedConnection {
            server_url: Some("http://saved:32400".into()),
            token: Some(SecretString::from("saved-token")),
        });
        let view = pinned.view();
        assert_eq!(view.server_url.as_deref(), Some("http://env:32400"));
        assert_eq!(view.server_url_source, SettingSource::Environment);
        assert_eq!(view.token_source, SettingSource::Database);
        assert!(!format!("{pinned:?}").contains("saved-token"));
    }
}
