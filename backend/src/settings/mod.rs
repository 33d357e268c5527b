//! Runtime settings edited in the UI, typed, each stored as one JSON row of `settings`, and the
//! rules and transactions that change them. No HTTP here: refusals are [`SettingsError`]s, mapped
//! to answers in `http/error.rs`.

pub mod notification_templates;
pub mod notifications;
pub mod plex;
pub mod plex_probe;
pub mod plex_routes;
pub mod plex_server;
pub mod plex_sign_in;
pub mod plex_update;
pub mod secret_box;
pub mod server;
pub mod server_update;

use std::collections::BTreeMap;

use crate::db::DbError;

/// Why a settings change was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Fields a rule refuses (invalid, or pinned by the configuration), each with why.
    #[error("some fields are invalid")]
    Invalid(BTreeMap<String, String>),
    /// A restart was asked for, but this process runs without the serve loop that restarts.
    #[error("this process cannot restart itself")]
    RestartUnavailable,
    /// plex.tv could not be asked (signing in with Plex); the message says what to do.
    #[error("{0}")]
    PlexUnavailable(String),
    /// `If-Match` names settings older than the stored ones: someone saved since (nothing saved).
    #[error("the settings were changed since they were read")]
    Stale,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl SettingsError {
    /// One field refused.
    pub fn field(name: &str, why: impl Into<String>) -> Self {
        Self::Invalid(BTreeMap::from([(name.to_owned(), why.into())]))
    }
}
