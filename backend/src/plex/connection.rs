//! Plexward's connection to Plex: which server, which token, and the identity Plexward presents
//! (a client identifier kept in the data dir so Plex sees one stable device per install).
//! For now the values come from the configuration (`PLEXWARD_PLEX_URL`, `PLEXWARD_PLEX_TOKEN`); UI-edited, encrypted storage builds on this.

use std::path::Path;

use anyhow::Context;
use secrecy::SecretString;

use crate::config::Config;
use std::time::Duration;

use crate::plex::{PlexClient, PlexClientConfig, PlexError, RetryPolicy};

#[derive(Debug, Clone)]
pub struct PlexConnection {
    pub server_url: Option<String>,
    pub plextv_url: String,
    /// Redacted in Debug by `secrecy`.
    pub token: Option<SecretString>,
    pub client_identifier: String,
    /// Whether the values are pinned by the environment.
    pub from_env: bool,
}

impl PlexConnection {
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        let token = config
            .plex_token
            .as_ref()
            .map(|t| t.0.trim())
            .filter(|t| !t.is_empty())
            .map(|t| SecretString::from(t.to_owned()));
        Ok(Self {
            from_env: config.plex_url.is_some() || token.is_some(),
            server_url: config.plex_url.clone(),
            plextv_url: config.plextv_url.clone(),
            token,
            client_identifier: client_identifier(&config.data_dir)?,
        })
    }

    fn client_config(&self) -> Option<PlexClientConfig> {
        let (url, token) = (self.server_url.as_ref()?, self.token.as_ref()?);
        Some(
            PlexClientConfig::new(url.clone(), token.clone(), self.client_identifier.clone())
                .with_plextv_url(self.plextv_url.clone()),
        )
    }

    /// A client for background work (retries with backoff), when URL and token are set.
    pub fn client(&self) -> Option<Result<PlexClient, PlexError>> {
        self.client_config().map(|c| PlexClient::new(&c))
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
