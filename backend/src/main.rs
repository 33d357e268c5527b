//! The `plexward` binary: parse the command line, load the configuration, run.

use std::process::ExitCode;

use clap::Parser;
use plexward::cli::{Cli, Command};
use plexward::config::{Config, Overrides};
use plexward::startup::Application;
use plexward::{healthcheck, install_crypto_provider, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    install_crypto_provider();
    let cli = Cli::parse();
    let (args, healthcheck_only) = match cli.command {
        Some(Command::Serve(args)) => (args, false),
        Some(Command::Healthcheck(args)) => (args, true),
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

    telemetry::init(&config.log);
    match serve(&config).await {
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

async fn serve(config: &Config) -> anyhow::Result<()> {
    let app = Application::build(config)?;
    tracing::info!(
        version = plexward::VERSION,
        data_dir = %config.data_dir.display(),
        "Plexward listening on http://{}",
        app.address()
    );
    app.run_until_stopped().await?;
    Ok(())
}
