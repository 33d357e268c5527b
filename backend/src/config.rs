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

/// Everything the process needs to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on. `127.0.0.1` by default; `0.0.0.0` to accept other machines
    /// (the Docker image sets this).
    pub bind: IpAddr,
    /// TCP port, 1024–65535 (0 picks a free port: for tests).
    pub port: u16,
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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 5000,
            data_dir: PathBuf::from("data"),
            web_dir: PathBuf::from("dist"),
            log: "info".into(),
            shutdown_timeout_secs: 10,
            login_rate_burst: 10,
            login_rate_period_secs: 6,
        }
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
    #[error("invalid configuration: {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
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
        Self::from_figment(
            Figment::from(Serialized::defaults(Config::default()))
                .merge(Toml::file(toml))
                .merge(Self::env())
                .merge(Serialized::defaults(overrides)),
        )
    }

    /// The `PLEXWARD_*` variables that map to fields of [`Config`]. Others (secrets such as
    /// `PLEXWARD_ADMIN_PASSWORD`) are read where they are used, never stored here.
    fn env() -> Env {
        Env::prefixed("PLEXWARD_").only(&[
            "bind",
            "port",
            "data_dir",
            "web_dir",
            "log",
            "shutdown_timeout_secs",
            "login_rate_burst",
            "login_rate_period_secs",
        ])
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Parse(Box::new(e)))?;
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

    pub fn login_limits(&self) -> crate::auth::LoginLimits {
        crate::auth::LoginLimits {
            burst: self.login_rate_burst,
            period: std::time::Duration::from_secs(self.login_rate_period_secs),
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
    fn an_explicit_missing_file_is_an_error() {
        Jail::expect_with(|_jail| {
            let err = Config::load(Some(Path::new("nope.toml")), &Overrides::default())
                .expect_err("missing file");
            assert!(matches!(err, ConfigError::MissingFile(_)));
            Ok(())
        });
    }
}
