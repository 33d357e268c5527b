//! The Plex settings edited in the UI. Two rows of `settings`:
//! - `plex.preferences` ([`PlexPreferences`]): how Plexward treats the server's friends — the
//!   anchor library, the time zone times are shown and entered in, what to do about drift, and
//!   what happens when a friend's access ends;
//! - `plex.connection` ([`StoredConnection`]): the server URL and the token, the token sealed with
//!   [`SecretBox`] (never stored in plaintext). The live connection built from it (and from the
//!   environment, which wins) is `crate::plex::connection`.
//!
//! Also the rules the API applies to these values, kept here so every caller agrees.

use std::path::Path;

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::{DriftPolicy, EndPolicy};
use serde::{Deserialize, Serialize};

use crate::db;
use crate::settings::secret_box::{SecretBox, SecretBoxError};

const KEY: &str = "plex.preferences";
const CONNECTION_KEY: &str = "plex.connection";
/// What `PUT /settings/plex` writes: the version (`ETag`) of the Plex settings covers these
/// (not what a sync records about the server, which changes without anyone editing).
pub const TAGGED_KEYS: [&str; 2] = [KEY, CONNECTION_KEY];
/// Associated data of the sealed token: binds the ciphertext to this setting, so a sealed value
/// moved into another setting does not decrypt.
const TOKEN_AAD: &[u8] = b"plexward:settings:plex.connection:token";

/// Longest server URL accepted.
pub const MAX_URL_LEN: usize = 2048;
/// Longest token accepted (real ones are ~20 characters; this only bounds abuse).
pub const MAX_TOKEN_LEN: usize = 512;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlexPreferences {
    /// Plexward id of the library every shared friend keeps.
    pub anchor_library_id: Option<i64>,
    /// IANA name; `None` = the host's time zone.
    pub time_zone: Option<String>,
    pub drift_policy: DriftPolicy,
    /// What happens when a friend's access ends, unless the friend (or their plan) says.
    pub end_policy: EndPolicy,
}

pub fn load(conn: &mut SqliteConnection) -> QueryResult<PlexPreferences> {
    db::settings::get(conn, KEY)
}

pub fn save(conn: &mut SqliteConnection, prefs: &PlexPreferences) -> QueryResult<()> {
    db::settings::put(conn, KEY, prefs)
}

/// The server's time zone (where daily times and dates alone are read): the saved one, else the
/// host's, else UTC.
pub fn time_zone(conn: &mut SqliteConnection) -> QueryResult<chrono_tz::Tz> {
    Ok(effective_time_zone(&load(conn)?)
        .parse()
        .unwrap_or(chrono_tz::Tz::UTC))
}

/// The time zone in effect: the saved one, or the host's.
pub fn effective_time_zone(prefs: &PlexPreferences) -> String {
    prefs.time_zone.clone().unwrap_or_else(host_time_zone)
}

/// The host's IANA time zone, or `UTC` when it cannot be told (containers often have none) or is
/// not a name Plexward knows.
pub fn host_time_zone() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .filter(|tz| tz.parse::<chrono_tz::Tz>().is_ok())
        .unwrap_or_else(|| "UTC".to_owned())
}

/// The connection as stored: URL in clear, token sealed.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredConnection {
    pub server_url: Option<String>,
    /// `SecretBox::seal` output (`v1:…`), never the token itself.
    pub token_sealed: Option<String>,
}

impl std::fmt::Debug for StoredConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredConnection")
            .field("server_url", &self.server_url)
            .field(
                "token_sealed",
                &self.token_sealed.as_ref().map(|_| "<sealed>"),
            )
            .finish()
    }
}

pub fn load_connection(conn: &mut SqliteConnection) -> QueryResult<StoredConnection> {
    db::settings::get(conn, CONNECTION_KEY)
}

pub fn save_connection(conn: &mut SqliteConnection, stored: &StoredConnection) -> QueryResult<()> {
    db::settings::put(conn, CONNECTION_KEY, stored)
}

/// Seals a token for [`StoredConnection::token_sealed`].
pub fn seal_token(sealer: &SecretBox, token: &str) -> Result<String, SecretBoxError> {
    sealer.seal(token, TOKEN_AAD)
}

pub use crate::plex::connection::SavedConnection;

/// Decrypts the stored token with the key in `data_dir`. A missing or corrupt key file, or a token
/// that does not decrypt, must not stop Plexward: the token counts as unset (the admin enters it
/// again) and a warning says why. The warning never holds the token.
pub fn open_connection(stored: &StoredConnection, data_dir: &Path) -> SavedConnection {
    let token = stored.token_sealed.as_deref().and_then(|sealed| {
        let opened = SecretBox::load(data_dir).and_then(|sealer| match sealer {
            Some(sealer) => sealer.open(sealed, TOKEN_AAD).map(Some),
            None => Ok(None),
        });
        match opened {
            Ok(Some(token)) => Some(token),
            Ok(None) => {
                tracing::warn!(
                    "a Plex token is saved but the key file {} is missing: the token is treated \
                     as unset; restore the key from a backup or enter the token again",
                    crate::settings::secret_box::KEY_FILE
                );
                None
            }
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    "the saved Plex token cannot be decrypted: it is treated as unset; restore \
                     the key file from a backup or enter the token again"
                );
                None
            }
        }
    });
    SavedConnection {
        server_url: stored.server_url.clone(),
        token,
    }
}

/// Checks a Plex server URL: `http(s)://host[:port][/path]`, no credentials, query or fragment.
/// Returns it trimmed, without a trailing `/`.
pub fn check_server_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters"));
    }
    let url = reqwest::Url::parse(trimmed)
        .map_err(|_| "must be a URL such as http://192.168.1.10:32400".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must start with http:// or https://".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password (the token is given apart)".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not contain a query (?…) or fragment (#…)".into());
    }
    Ok(trimmed.trim_end_matches('/').to_owned())
}

/// Checks a Plex token: at most [`MAX_TOKEN_LEN`] characters, no spaces or control characters.
/// The reason never repeats the token.
pub fn check_token(token: &str) -> Result<(), String> {
    if token.chars().count() > MAX_TOKEN_LEN {
        return Err(format!("must be at most {MAX_TOKEN_LEN} characters"));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".into());
    }
    Ok(())
}

/// Checks an IANA time zone name (`Europe/Berlin`, `UTC`).
pub fn check_time_zone(name: &str) -> Result<String, String> {
    let name = name.trim();
    name.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| "must be an IANA time zone name such as Europe/Berlin or UTC".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        assert_eq!(
            check_server_url(" http://192.168.1.10:32400/ ").as_deref(),
            Ok("http://192.168.1.10:32400")
        );
        assert!(check_server_url("https://plex.example.com/pms").is_ok());
        for bad in [
            "192.168.1.10:32400",
            "ftp://host",
            "http://",
            "http://user:pw@host",
            "http://host/?X-Plex-Token=abc",
            "http://host/#x",
            "not a url",
        ] {
            assert!(check_server_url(bad).is_err(), "{bad}");
        }
        let long = format!("http://h/{}", "a".repeat(MAX_URL_LEN));
        assert!(check_server_url(&long).is_err());
    }

    #[test]
    fn tokens() {
        assert!(check_token("abcDEF-123_xyz").is_ok());
        assert!(check_token("has space").is_err());
        assert!(check_token("tab\there").is_err());
        assert!(check_token("nl\n").is_err());
        assert!(check_token(&"a".repeat(MAX_TOKEN_LEN + 1)).is_err());
        assert!(check_token(&"a".repeat(MAX_TOKEN_LEN)).is_ok());
    }

    #[test]
    fn time_zones() {
        assert_eq!(
            check_time_zone("Europe/Berlin").as_deref(),
            Ok("Europe/Berlin")
        );
        assert_eq!(check_time_zone("UTC").as_deref(), Ok("UTC"));
        assert!(check_time_zone("Mars/Olympus").is_err());
        assert!(check_time_zone("").is_err());
        assert!(host_time_zone().parse::<chrono_tz::Tz>().is_ok());
    }

    #[test]
    fn a_sealed_token_opens_only_with_its_key_file() {
        let tmp = tempfile::tempdir().expect("tmp");
        let sealer = SecretBox::load_or_create(tmp.path()).expect("key");
        let stored = StoredConnection {
            server_url: Some("http://h:32400".into()),
            token_sealed: Some(seal_token(&sealer, "tok-123").expect("sealed")),
        };
        assert!(!format!("{stored:?}").contains("v1:"));
        let saved = open_connection(&stored, tmp.path());
        assert!(saved.token.is_some());

        // Key gone: unset, not a crash.
        std::fs::remove_file(tmp.path().join(crate::settings::secret_box::KEY_FILE)).expect("rm");
        assert!(open_connection(&stored, tmp.path()).token.is_none());
        // Another key: unset too.
        SecretBox::load_or_create(tmp.path()).expect("new key");
        let saved = open_connection(&stored, tmp.path());
        assert!(saved.token.is_none());
        assert_eq!(saved.server_url.as_deref(), Some("http://h:32400"));
    }
}
