//! The `plexward` command line.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Overrides;

/// Plexward: decides which Plex libraries each friend may use, and when, and makes Plex follow.
///
/// Configuration is layered: built-in defaults < plexward.toml < PLEXWARD_* environment
/// variables < these flags. See the README for every setting.
#[derive(Debug, Parser)]
#[command(name = "plexward", version, about, long_about)]
pub struct Cli {
    /// Configuration file (default: ./plexward.toml when it exists).
    #[arg(long, global = true, env = "PLEXWARD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server and the scheduler (the default).
    Serve(ServeArgs),
    /// Ask the running server on this machine whether it is healthy (exit 0) or not (exit 1).
    /// Used by the Docker HEALTHCHECK.
    Healthcheck(ServeArgs),
    /// Print the OpenAPI 3.1 document of the API (as served at /api/v1/openapi.json), to
    /// generate a client without a running server.
    Openapi,
    /// Restore a backup (a `.tar.gz` from data/backups or a download) into the data directory,
    /// with Plexward stopped: checks its integrity and schema, moves the current database and
    /// key files to data/backups/replaced-<time>/, and migrates the backup to this version.
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        args: ServeArgs,
    },
    /// Account maintenance without the web UI.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Give USER a new password (from PLEXWARD_ADMIN_PASSWORD, or a random one printed here),
    /// which must be changed at next sign-in; ends the account's sessions.
    ResetPassword {
        /// The account's username.
        username: String,
        #[command(flatten)]
        args: ServeArgs,
    },
}

/// Flags of `serve`; they override the configuration file and the environment.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1; env PLEXWARD_BIND].
    #[arg(long, value_name = "IP")]
    pub bind: Option<IpAddr>,
    /// Port to listen on, 1024–65535, or 0 for any free port [default: 5000; env PLEXWARD_PORT].
    #[arg(long, short, value_name = "PORT")]
    pub port: Option<u16>,
    /// Data directory [default: ./data; env PLEXWARD_DATA_DIR].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Directory of the built web UI [default: ./dist; env PLEXWARD_WEB_DIR].
    #[arg(long, value_name = "DIR")]
    pub web_dir: Option<PathBuf>,
}

impl From<ServeArgs> for Overrides {
    fn from(args: ServeArgs) -> Self {
        Self {
            bind: args.bind,
            port: args.port,
            data_dir: args.data_dir,
            web_dir: args.web_dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_flags_mean_serve() {
        let cli = Cli::parse_from(["plexward", "--port", "6000"]);
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.port, Some(6000));
    }
}
