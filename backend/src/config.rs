//! Typed, layered configuration: built-in defaults < `plexward.toml` < `PLEXWARD_*` environment
//! variables < command-line flags. Every value is validated once here, so the rest of the program
//! can trust it.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The default config file, read from the working directory when it exists.
pub const DEFAULT_CONFIG_FILE: &str = "plexward.toml";
/// The environment variables that pin the server settings.
pub const PORT_ENV: &str = "PLEXWARD_PORT";
pub const HTTPS_ENV: &str = "PLEXWARD_HTTPS";
pub const HOSTNAMES_ENV: &str = "PLEXWARD_HOSTNAMES";

/// Production plex.tv. Tests and demo mode point `PLEXWARD_PLEXTV_URL` at the simulator.
pub const DEFAULT_PLEXTV_URL: &str = "https://plex.tv";
/// plex.tv requests in flight at once, for the whole process (spec §5: one).
pub const DEFAULT_PLEXTV_CONCURRENCY: usize = 1;
/// How many people Plex lets one server be shared with (about 100: widely reported).
pub const DEFAULT_PLEX_FRIEND_LIMIT: u32 = 100;
/// plex.tv requests started per second, for the whole process.
pub const DEFAULT_PLEXTV_PER_SECOND: u32 = 10;

/// Everything the process needs to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Unknown keys are refused: a misspelt key in `plexward.toml` would otherwise be silently
// ignored and its default used, which is worse than not starting.
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on. `127.0.0.1` by default; `0.0.0.0` to accept other machines
    /// (the Docker image sets this).
    pub bind: IpAddr,
    /// TCP port, 1024–65535 (0 picks a free port: for tests). The port saved in the server
    /// settings wins over this one unless it is pinned (see [`Config::port_pinned`]).
    pub port: u16,
    /// Whether `port` was given by `PLEXWARD_PORT` or `--port` (set by [`Config::load`]); then
    /// the server settings cannot change it. Port 0 counts as pinned too.
    #[serde(skip)]
    pub port_pinned: bool,
    /// HTTPS mode (`off`, `self_signed`, `custom`); set here or by `PLEXWARD_HTTPS`, it pins the
    /// server setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https: Option<plexward_shared::HttpsMode>,
    /// Names and IPs for the self-signed certificate; set here or by `PLEXWARD_HOSTNAMES`
    /// (comma-separated), it pins the server setting.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "hostnames_list"
    )]
    pub hostnames: Option<Vec<String>>,
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto`/`-Host` (or `Forwarded`) are believed:
    /// addresses or CIDRs (`127.0.0.1`, `10.0.0.0/8`, `::1`); `PLEXWARD_TRUSTED_PROXIES` takes
    /// them comma-separated. Default none: the socket's peer is the client.
    #[serde(default, deserialize_with = "hostnames_list")]
    pub trusted_proxies: Option<Vec<String>>,
    /// The sub-path Plexward is served under behind a reverse proxy that keeps it (`/plexward`);
    /// empty for the root. Normalised when loaded (leading slash, no trailing one).
    pub base_path: String,
    /// Directory for the database, keys, certificates and logs. Created 0700 if missing.
    pub data_dir: PathBuf,
    /// Directory holding the built SPA (`trunk build` output).
    pub web_dir: PathBuf,
    /// tracing filter, e.g. `info` or `plexward=debug,actix_web=info`.
    pub log: String,
    /// Seconds that in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Sign-in attempts one IP may make at once…
    pub login_rate_burst: u32,
    /// …and then one every this many seconds.
    pub login_rate_period_secs: u64,
    /// Plex Media Server base URL (`PLEXWARD_PLEX_URL`).
    pub plex_url: Option<String>,
    /// Plex token (`PLEXWARD_PLEX_TOKEN`). Never printed: its Debug is redacted and it is not
    /// serialised back out.
    #[serde(skip_serializing)]
    pub plex_token: Option<Redacted>,
    /// plex.tv base URL; only tests and demo mode change it.
    pub plextv_url: String,
    /// Demo mode: seeds documented demo accounts. Never for real use.
    pub demo: bool,
    /// plex.tv requests in flight at once, for the whole process (1–16).
    pub plextv_concurrency: usize,
    /// plex.tv requests started per second, for the whole process (0 = no rate limit).
    pub plextv_requests_per_second: u32,
    /// How long saving a friend waits for its apply before answering "queued" with the job id
    /// (milliseconds, 0–60000).
    pub apply_wait_ms: u64,
    /// First wait before a failed notification delivery is tried again (milliseconds,
    /// 10–600000); it doubles per failure (with jitter) up to an hour.
    pub delivery_retry_base_ms: u64,
    /// How long one delivery attempt may take before it counts as failed (milliseconds,
    /// 100–120000).
    pub delivery_timeout_ms: u64,
    /// How many people Plex lets one server be shared with (about 100); inviting past it is
    /// refused before Plex is asked (0 = not checked, ≤ 10000).
    pub plex_friend_limit: u32,
    /// Hours between scheduled backups into `data_dir/backups/` (0 = none, ≤ 8760).
    pub backup_interval_hours: u32,
    /// Backups kept there (scheduled and manual alike; the oldest go first), 1–1000.
    pub backups_keep: u32,
    /// Days refusals (throttled sign-ins, 403s) stay in the audit trail, 1–3650.
    pub audit_noise_retention_days: u32,
    /// Days every other event stays, 365–36500, or 0 = forever. Access changes (grants, sharing,
    /// Plex applies, syncs, reconciles) are never pruned.
    pub audit_retention_days: u32,
    /// Live streams (`/logs/stream`, `/audit/stream`) one account may hold open at once, 1–100.
    pub live_streams_per_account: u32,
    /// Live streams open at once in all, 1–10000.
    pub live_streams_total: u32,
    /// Seconds a request body may take to arrive in full, counted from its headers (5–3600):
    /// a client trickling a body is cut off, not waited for.
    pub request_body_timeout_secs: u64,
    /// Connections one client address may hold open at once, 1–10000 (trusted proxies are not
    /// counted: they carry everyone's).
    pub connections_per_client: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 5000,
            port_pinned: false,
            https: None,
            hostnames: None,
            trusted_proxies: None,
            base_path: String::new(),
            data_dir: PathBuf::from("data"),
            web_dir: PathBuf::from("dist"),
            log: "info".into(),
            shutdown_timeout_secs: 10,
            login_rate_burst: 10,
            login_rate_period_secs: 6,
            plex_url: None,
            plex_token: None,
            plextv_url: DEFAULT_PLEXTV_URL.to_owned(),
            demo: false,
            plextv_concurrency: DEFAULT_PLEXTV_CONCURRENCY,
            plextv_requests_per_second: DEFAULT_PLEXTV_PER_SECOND,
            apply_wait_ms: 5_000,
            delivery_retry_base_ms: 2_000,
            delivery_timeout_ms: 10_000,
            plex_friend_limit: DEFAULT_PLEX_FRIEND_LIMIT,
            backup_interval_hours: 24,
            backups_keep: 7,
            audit_noise_retention_days: 30,
            audit_retention_days: 365,
            live_streams_per_account: 5,
            live_streams_total: 200,
            request_body_timeout_secs: 30,
            connections_per_client: 100,
        }
    }
}

/// A `base_path` as configured, normalised: `""` for the root, else `/a/b` (leading slash, no
/// trailing one); `Err` names what is wrong.
pub fn normalise_base_path(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let path = if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    };
    let fine = path.split('/').skip(1).all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
    });
    if !fine || path.len() > 100 {
        return Err(format!(
            "`{raw}` is not a usable sub-path: use letters, digits and - . _ ~ between slashes, \
             like /plexward"
        ));
    }
    if path == "/api" || path.starts_with("/api/") {
        return Err("must not start with /api".into());
    }
    Ok(path)
}

/// `trusted_proxies` as networks: an address is a network of one.
pub fn parse_proxies(list: Option<&[String]>) -> Result<Vec<ipnet::IpNet>, String> {
    list.unwrap_or_default()
        .iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<ipnet::IpNet>()
                .map(|net| net.trunc())
                .or_else(|_| entry.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    format!("`{entry}` is neither an IP address nor a CIDR like 10.0.0.0/8")
                })
        })
        .collect()
}

/// A list given as a list or as one comma-separated string (how the environment gives it):
/// `hostnames`, `trusted_proxies`.
fn hostnames_list<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<String>),
        One(String),
    }
    Ok(
        Option::<OneOrMany>::deserialize(deserializer)?.map(|v| match v {
            OneOrMany::Many(list) => list,
            OneOrMany::One(text) => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        }),
    )
}

/// A secret string read from configuration: `Debug` shows `<redacted>`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Values given on the command line; they win over every other layer.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_dir: Option<PathBuf>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Parse(Box<figment::Error>),
    #[error("{}", unknown_key_message(.key, .found_in, .nearest))]
    UnknownKey {
        key: String,
        /// Where it was found (the file's path), when figment knows.
        found_in: Option<String>,
        /// The valid key closest to it, when one is close enough to be a likely typo.
        nearest: Option<&'static str>,
    },
    #[error("invalid configuration: {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

fn unknown_key_message(key: &str, found_in: &Option<String>, nearest: &Option<&str>) -> String {
    let place = found_in
        .as_deref()
        .map(|s| format!(" in {s}"))
        .unwrap_or_default();
    match nearest {
        Some(valid) => {
            format!("invalid configuration: unknown key `{key}`{place}; did you mean `{valid}`?")
        }
        None => format!("invalid configuration: unknown key `{key}`{place}"),
    }
}

impl ConfigError {
    fn from_figment(error: figment::Error) -> Self {
        if let figment::error::Kind::UnknownField(key, expected) = &error.kind {
            return ConfigError::UnknownKey {
                key: key.clone(),
                found_in: error
                    .metadata
                    .as_ref()
                    .and_then(|m| m.source.as_ref())
                    .map(ToString::to_string),
                nearest: nearest_key(key, expected),
            };
        }
        ConfigError::Parse(Box::new(error))
    }
}

/// The valid key a typo most likely meant (see [`crate::suggest::nearest`]).
fn nearest_key(key: &str, valid: &[&'static str]) -> Option<&'static str> {
    crate::suggest::nearest(key, valid.iter().copied())
}

impl Config {
    /// Loads the layers. `file` is an explicit config file (must exist); without it
    /// `./plexward.toml` is read when present.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let toml = match file {
            Some(path) if !path.is_file() => return Err(ConfigError::MissingFile(path.into())),
            Some(path) => path.to_path_buf(),
            None => PathBuf::from(DEFAULT_CONFIG_FILE),
        };
        let mut config = Self::from_figment(
            Figment::from(Serialized::defaults(Config::default()))
                .merge(Toml::file(toml))
                .merge(Self::env())
                .merge(Serialized::defaults(overrides)),
        )?;
        config.port_pinned = overrides.port.is_some() || std::env::var_os(PORT_ENV).is_some();
        Ok(config)
    }

    /// Whether the port cannot be changed from the server settings: given by the environment or
    /// a flag, or 0 (a free port: tests).
    pub fn port_is_pinned(&self) -> bool {
        self.port_pinned || self.port == 0
    }

    /// The `PLEXWARD_*` variables that map to fields of [`Config`]. Others (secrets such as
    /// `PLEXWARD_ADMIN_PASSWORD`) are read where they are used, never stored here.
    fn env() -> Env {
        Env::prefixed("PLEXWARD_").only(&[
            "bind",
            "port",
            "https",
            "hostnames",
            "trusted_proxies",
            "base_path",
            "data_dir",
            "web_dir",
            "log",
            "shutdown_timeout_secs",
            "login_rate_burst",
            "login_rate_period_secs",
            "plex_url",
            "plex_token",
            "plextv_url",
            "demo",
            "plextv_concurrency",
            "plextv_requests_per_second",
            "apply_wait_ms",
            "delivery_retry_base_ms",
            "delivery_timeout_ms",
            "plex_friend_limit",
            "backup_interval_hours",
            "backups_keep",
            "audit_noise_retention_days",
            "audit_retention_days",
            "live_streams_per_account",
            "live_streams_total",
            "request_body_timeout_secs",
            "connections_per_client",
        ])
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let mut config: Config = figment.extract().map_err(ConfigError::from_figment)?;
        config.base_path =
            normalise_base_path(&config.base_path).map_err(|reason| ConfigError::Invalid {
                field: "base_path",
                reason,
            })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if (1..1024).contains(&self.port) {
            return Err(ConfigError::Invalid {
                field: "port",
                reason: format!(
                    "{} is a privileged port; use 1024–65535 (0 picks a free port)",
                    self.port
                ),
            });
        }
        if let Some(hostnames) = &self.hostnames
            && let Err(reason) = plexward_shared::server_settings::check_hostnames(hostnames)
        {
            return Err(ConfigError::Invalid {
                field: "hostnames",
                reason,
            });
        }
        if let Err(reason) = parse_proxies(self.trusted_proxies.as_deref()) {
            return Err(ConfigError::Invalid {
                field: "trusted_proxies",
                reason,
            });
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(ConfigError::Invalid {
                field: "data_dir",
                reason: "must not be empty".into(),
            });
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log).is_err() {
            return Err(ConfigError::Invalid {
                field: "log",
                reason: format!("`{}` is not a valid log filter (try `info`)", self.log),
            });
        }
        if self.login_rate_burst == 0 || !(1..=3600).contains(&self.login_rate_period_secs) {
            return Err(ConfigError::Invalid {
                field: "login_rate_burst",
                reason: "login_rate_burst must be ≥ 1 and login_rate_period_secs 1–3600".into(),
            });
        }
        for (field, url) in [
            ("plex_url", self.plex_url.as_deref()),
            ("plextv_url", Some(self.plextv_url.as_str())),
        ] {
            if let Some(url) = url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return Err(ConfigError::Invalid {
                    field,
                    reason: format!("`{url}` must start with http:// or https://"),
                });
            }
        }
        if !(1..=16).contains(&self.plextv_concurrency) {
            return Err(ConfigError::Invalid {
                field: "plextv_concurrency",
                reason: "must be between 1 and 16".into(),
            });
        }
        if self.plextv_requests_per_second > 1_000 {
            return Err(ConfigError::Invalid {
                field: "plextv_requests_per_second",
                reason: "must be at most 1000 (0 = no rate limit)".into(),
            });
        }
        if self.plex_friend_limit > 10_000 {
            return Err(ConfigError::Invalid {
                field: "plex_friend_limit",
                reason: "must be at most 10000 (0 = not checked)".into(),
            });
        }
        if self.backup_interval_hours > 8_760 {
            return Err(ConfigError::Invalid {
                field: "backup_interval_hours",
                reason: "must be at most 8760 (a year; 0 = no scheduled backups)".into(),
            });
        }
        if !(1..=100).contains(&self.live_streams_per_account) {
            return Err(ConfigError::Invalid {
                field: "live_streams_per_account",
                reason: "must be between 1 and 100".into(),
            });
        }
        if !(1..=10_000).contains(&self.live_streams_total) {
            return Err(ConfigError::Invalid {
                field: "live_streams_total",
                reason: "must be between 1 and 10000".into(),
            });
        }
        if !(5..=3_600).contains(&self.request_body_timeout_secs) {
            return Err(ConfigError::Invalid {
                field: "request_body_timeout_secs",
                reason: "must be between 5 and 3600".into(),
            });
        }
        if !(1..=10_000).contains(&self.connections_per_client) {
            return Err(ConfigError::Invalid {
                field: "connections_per_client",
                reason: "must be between 1 and 10000".into(),
            });
        }
        if !(1..=1_000).contains(&self.backups_keep) {
            return Err(ConfigError::Invalid {
                field: "backups_keep",
                reason: "must be between 1 and 1000".into(),
            });
        }
        if !(1..=3_650).contains(&self.audit_noise_retention_days) {
            return Err(ConfigError::Invalid {
                field: "audit_noise_retention_days",
                reason: "must be between 1 and 3650".into(),
            });
        }
        if self.audit_retention_days != 0 && !(365..=36_500).contains(&self.audit_retention_days) {
            return Err(ConfigError::Invalid {
                field: "audit_retention_days",
                reason: "must be between 365 and 36500 (security events are kept a year at \
                         least), or 0 to keep them forever"
                    .into(),
            });
        }
        if !(10..=600_000).contains(&self.delivery_retry_base_ms) {
            return Err(ConfigError::Invalid {
                field: "delivery_retry_base_ms",
                reason: "must be between 10 and 600000".into(),
            });
        }
        if !(100..=120_000).contains(&self.delivery_timeout_ms) {
            return Err(ConfigError::Invalid {
                field: "delivery_timeout_ms",
                reason: "must be between 100 and 120000".into(),
            });
        }
        if self.apply_wait_ms > 60_000 {
            return Err(ConfigError::Invalid {
                field: "apply_wait_ms",
                reason: "must be at most 60000".into(),
            });
        }
        if self.shutdown_timeout_secs > 3600 {
            return Err(ConfigError::Invalid {
                field: "shutdown_timeout_secs",
                reason: "must be at most 3600".into(),
            });
        }
        Ok(())
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("plexward.db")
    }

    pub fn login_limits(&self) -> LoginLimits {
        LoginLimits {
            burst: self.login_rate_burst,
            period: std::time::Duration::from_secs(self.login_rate_period_secs),
        }
    }
}

/// Per-IP sign-in rate: `burst` attempts at once, then one per `period` (used by
/// `auth::throttle`).
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub burst: u32,
    pub period: std::time::Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            burst: 10,
            period: std::time::Duration::from_secs(6),
        }
    }
}

#[cfg(test)]
#[expect(clippy::result_large_err, reason = "figment::Jail's closure signature")]
mod tests {
    use super::*;
    use figment::Jail;

    fn load_in_jail(overrides: &Overrides) -> Result<Config, ConfigError> {
        Config::load(None, overrides)
    }

    #[test]
    fn defaults_apply_without_file_or_env() {
        Jail::expect_with(|_jail| {
            let config = load_in_jail(&Overrides::default()).expect("defaults are valid");
            assert_eq!(config, Config::default());
            assert_eq!(config.port, 5000);
            Ok(())
        });
    }

    #[test]
    fn file_then_env_then_flags_override_in_order() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "plexward.toml",
                "port = 6000\ndata_dir = \"/srv/pw\"\nlog = \"debug\"\n",
            )?;
            jail.set_env("PLEXWARD_PORT", "7000");
            let config = load_in_jail(&Overrides::default()).expect("valid");
            assert_eq!(config.port, 7000, "env beats file");
            assert_eq!(
                config.data_dir,
                PathBuf::from("/srv/pw"),
                "file beats default"
            );
            assert_eq!(config.log, "debug");

            let flags = Overrides {
                port: Some(8000),
                ..Overrides::default()
            };
            assert_eq!(
                load_in_jail(&flags).expect("valid").port,
                8000,
                "flag beats env"
            );
            Ok(())
        });
    }

    #[test]
    fn server_pins_come_from_env_and_flags() {
        Jail::expect_with(|jail| {
            jail.create_file("plexward.toml", "port = 6000\n")?;
            let config = load_in_jail(&Overrides::default()).expect("valid");
            assert!(!config.port_is_pinned(), "the file does not pin the port");
            assert_eq!(config.https, None);

            jail.set_env("PLEXWARD_HTTPS", "self_signed");
            jail.set_env("PLEXWARD_HOSTNAMES", "plex.example.com, 192.168.1.10");
            let config = load_in_jail(&Overrides {
                port: Some(7000),
                ..Overrides::default()
            })
            .expect("valid");
            assert!(config.port_is_pinned());
            assert_eq!(config.https, Some(plexward_shared::HttpsMode::SelfSigned));
            assert_eq!(
                config.hostnames,
                Some(vec!["plex.example.com".into(), "192.168.1.10".into()])
            );

            jail.set_env("PLEXWARD_PORT", "7100");
            assert!(
                load_in_jail(&Overrides::default())
                    .expect("valid")
                    .port_pinned
            );

            jail.set_env("PLEXWARD_HOSTNAMES", "bad name");
            let err = load_in_jail(&Overrides::default()).expect_err("refused");
            assert!(err.to_string().contains("hostnames"), "{err}");
            jail.set_env("PLEXWARD_HOSTNAMES", "ok.lan");
            jail.set_env("PLEXWARD_HTTPS", "on");
            assert!(load_in_jail(&Overrides::default()).is_err());
            Ok(())
        });
    }

    #[test]
    fn unrelated_plexward_variables_are_ignored() {
        Jail::expect_with(|jail| {
            jail.set_env("PLEXWARD_ADMIN_PASSWORD", "not-a-config-field");
            assert!(load_in_jail(&Overrides::default()).is_ok());
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_refused_with_the_field_named() {
        Jail::expect_with(|jail| {
            jail.set_env("PLEXWARD_PORT", "80");
            let err = load_in_jail(&Overrides::default()).expect_err("port 80 is refused");
            assert!(err.to_string().contains("port"), "{err}");

            jail.set_env("PLEXWARD_PORT", "not-a-number");
            let err = load_in_jail(&Overrides::default()).expect_err("garbage is refused");
            assert!(err.to_string().to_lowercase().contains("port"), "{err}");

            jail.set_env("PLEXWARD_PORT", "5000");
            jail.set_env("PLEXWARD_LOG", "info,[[[");
            let err = load_in_jail(&Overrides::default()).expect_err("bad filter is refused");
            assert!(err.to_string().contains("log"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_plextv_limits_and_the_apply_wait_are_bounded() {
        Jail::expect_with(|jail| {
            let defaults = load_in_jail(&Overrides::default()).expect("defaults load");
            assert_eq!(defaults.plextv_concurrency, 1);
            assert_eq!(defaults.plextv_requests_per_second, 10);
            assert_eq!(defaults.apply_wait_ms, 5_000);
            assert_eq!(defaults.plex_friend_limit, 100);
            for (key, value, field) in [
                ("PLEXWARD_PLEXTV_CONCURRENCY", "0", "plextv_concurrency"),
                ("PLEXWARD_PLEXTV_CONCURRENCY", "17", "plextv_concurrency"),
                (
                    "PLEXWARD_PLEXTV_REQUESTS_PER_SECOND",
                    "1001",
                    "plextv_requests_per_second",
                ),
                ("PLEXWARD_APPLY_WAIT_MS", "60001", "apply_wait_ms"),
                ("PLEXWARD_PLEX_FRIEND_LIMIT", "10001", "plex_friend_limit"),
                (
                    "PLEXWARD_BACKUP_INTERVAL_HOURS",
                    "8761",
                    "backup_interval_hours",
                ),
                ("PLEXWARD_BACKUPS_KEEP", "0", "backups_keep"),
                (
                    "PLEXWARD_LIVE_STREAMS_PER_ACCOUNT",
                    "0",
                    "live_streams_per_account",
                ),
                ("PLEXWARD_LIVE_STREAMS_TOTAL", "10001", "live_streams_total"),
                (
                    "PLEXWARD_REQUEST_BODY_TIMEOUT_SECS",
                    "4",
                    "request_body_timeout_secs",
                ),
                (
                    "PLEXWARD_CONNECTIONS_PER_CLIENT",
                    "0",
                    "connections_per_client",
                ),
                (
                    "PLEXWARD_AUDIT_NOISE_RETENTION_DAYS",
                    "0",
                    "audit_noise_retention_days",
                ),
                (
                    "PLEXWARD_AUDIT_RETENTION_DAYS",
                    "364",
                    "audit_retention_days",
                ),
            ] {
                jail.set_env(key, value);
                let err = load_in_jail(&Overrides::default()).expect_err("out of range");
                assert!(err.to_string().contains(field), "{key}={value}: {err}");
                jail.clear_env();
            }
            jail.set_env("PLEXWARD_PLEXTV_REQUESTS_PER_SECOND", "0");
            jail.set_env("PLEXWARD_APPLY_WAIT_MS", "0");
            assert!(
                load_in_jail(&Overrides::default()).is_ok(),
                "0 means no limit / no wait"
            );
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_refused_with_the_nearest_valid_one() {
        Jail::expect_with(|jail| {
            jail.create_file("plexward.toml", "prot = 6000\n")?;
            let err = load_in_jail(&Overrides::default()).expect_err("misspelt key refused");
            let text = err.to_string();
            assert!(text.contains("unknown key `prot`"), "{text}");
            assert!(text.contains("did you mean `port`?"), "{text}");
            assert!(text.contains("plexward.toml"), "{text}");

            jail.create_file("plexward.toml", "completely_unrelated = 1\n")?;
            let text = load_in_jail(&Overrides::default())
                .expect_err("unknown key refused")
                .to_string();
            assert!(
                text.contains("unknown key `completely_unrelated`"),
                "{text}"
            );
            assert!(!text.contains("did you mean"), "{text}");

            jail.create_file("plexward.toml", "port_pinned = true\n")?;
            assert!(
                load_in_jail(&Overrides::default()).is_err(),
                "internal fields are not configuration keys"
            );
            Ok(())
        });
    }

    #[test]
    fn nearest_key_suggests_only_close_names() {
        let valid = [
            "port",
            "plex_url",
            "plextv_url",
            "data_dir",
            "login_rate_burst",
        ];
        assert_eq!(nearest_key("plex_ulr", &valid), Some("plex_url"));
        assert_eq!(nearest_key("datadir", &valid), Some("data_dir"));
        assert_eq!(
            nearest_key("login_rate_brust", &valid),
            Some("login_rate_burst")
        );
        assert_eq!(nearest_key("zzz", &valid), None);
    }

    #[test]
    fn an_explicit_missing_file_is_an_error() {
        Jail::expect_with(|_jail| {
            let err = Config::load(Some(Path::new("nope.toml")), &Overrides::default())
                .expect_err("missing file");
            assert!(matches!(err, ConfigError::MissingFile(_)));
            Ok(())
        });
    }

    #[test]
    fn base_paths_are_normalised_or_refused() {
        assert_eq!(normalise_base_path("").as_deref(), Ok(""));
        assert_eq!(normalise_base_path("/").as_deref(), Ok(""));
        assert_eq!(
            normalise_base_path("/plexward/").as_deref(),
            Ok("/plexward")
        );
        assert_eq!(normalise_base_path("plexward").as_deref(), Ok("/plexward"));
        assert_eq!(
            normalise_base_path("/apps/plex-ward").as_deref(),
            Ok("/apps/plex-ward")
        );
        for bad in ["/a//b", "/../x", "/a b", "/a?b", "/a%2F", "/api", "/api/x"] {
            assert!(normalise_base_path(bad).is_err(), "{bad}");
        }
    }
}
