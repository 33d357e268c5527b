//! The `plexward` binary: parse the command line, load the configuration, run.

use std::process::ExitCode;

use clap::Parser;
use plexward::auth::bootstrap::{self, PasswordSource};
use plexward::cli::{AdminCommand, Cli, Command};
use plexward::config::{Config, Overrides};
use plexward::{healthcheck, install_crypto_provider, startup, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    // Before anything is created: the database, backups, keys and logs are the owner's only.
    plexward::process::restrict_umask();
    install_crypto_provider();
    let cli = Cli::parse();
    let (args, healthcheck_only) = match cli.command {
        Some(Command::Serve(args)) => (args, false),
        Some(Command::Healthcheck(args)) => (args, true),
        Some(Command::Admin {
            command: AdminCommand::ResetPassword { username, args },
        }) => return reset_password(cli.config.as_deref(), args, &username),
        Some(Command::Openapi) => return print_openapi(),
        Some(Command::Restore { file, args }) => {
            return restore(cli.config.as_deref(), args, &file);
        }
        None => (cli.serve, false),
    };
    let config = match Config::load(cli.config.as_deref(), &Overrides::from(args)) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("plexward: {e}");
            return ExitCode::from(2);
        }
    };
    if healthcheck_only {
        return match healthcheck::run(&config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("plexward healthcheck: {e:#}");
                ExitCode::FAILURE
            }
        };
    }

    telemetry::init(&config.log, &config.data_dir);
    let fds = plexward::process::raise_fd_limit();
    tracing::info!(soft = fds.soft, hard = fds.hard, "open-file limit");
    match startup::serve(&config, |_| {}).await {
        Ok(()) => {
            tracing::info!("Plexward stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "Plexward cannot start");
            ExitCode::FAILURE
        }
    }
}

/// `plexward openapi`: the document the server serves, pretty-printed.
fn print_openapi() -> ExitCode {
    use std::io::Write as _;
    match plexward::http::openapi_document().to_pretty_json() {
        Ok(json) => {
            // The document is this command's output (stdout), not a log line.
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{json}").is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("plexward: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `plexward restore FILE`: Plexward must be stopped (the data directory's lock says so).
fn restore(
    file: Option<&std::path::Path>,
    args: plexward::cli::ServeArgs,
    backup: &std::path::Path,
) -> ExitCode {
    use plexward::backups::restore;
    let result = Config::load(file, &Overrides::from(args))
        .map_err(anyhow::Error::from)
        .and_then(|config| {
            let data_dir = config.data_dir;
            plexward::data_dir::ensure(&data_dir)?;
            let Some(_lock) = plexward::data_dir::lock(&data_dir)? else {
                anyhow::bail!(
                    "Plexward is running on {}; stop it first (or restore from Settings → Backups)",
                    data_dir.display()
                );
            };
            let checked = restore::check(&data_dir, backup)?;
            let manifest = checked.manifest.clone();
            let installed = restore::install(&data_dir, checked)?;
            Ok((manifest, installed))
        });
    match result {
        Ok((manifest, installed)) => {
            eprintln!(
                "Restored the backup made {} by Plexward {} ({} migration(s) applied).\n\
                 The replaced database and key files are in {}.\nStart Plexward.",
                manifest.created_at,
                manifest.app_version,
                installed.migrated,
                installed.replaced.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("plexward restore: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `plexward admin reset-password USER`: works on the database directly (the server may run).
fn reset_password(
    file: Option<&std::path::Path>,
    args: plexward::cli::ServeArgs,
    username: &str,
) -> ExitCode {
    let result = Config::load(file, &Overrides::from(args))
        .map_err(anyhow::Error::from)
        .and_then(|config| {
            plexward::data_dir::ensure(&config.data_dir)?;
            let pool = plexward::db::connect(&config.database_path())?;
            bootstrap::reset_password(&pool, username)
        });
    match result {
        Ok(PasswordSource::Generated(pw)) => {
            eprintln!(
                "New password for `{username}` (must be changed at next sign-in):\n\n    {pw}\n"
            );
            ExitCode::SUCCESS
        }
        Ok(PasswordSource::Environment) => {
            eprintln!(
                "`{username}` now has the password from {}; it must be changed at next sign-in.",
                bootstrap::ADMIN_PASSWORD_ENV
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("plexward: {e:#}");
            ExitCode::FAILURE
        }
    }
}
