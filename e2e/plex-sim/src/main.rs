//! `plex-sim` binary: runs the simulator until SIGINT/SIGTERM.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use plex_sim::{PlexSim, Seed, SimConfig};

/// A Plex Media Server + plex.tv simulator (loopback only by default).
#[derive(Debug, Parser)]
#[command(name = "plex-sim", version)]
struct Args {
    /// Port of the PMS listener (0 = any free port).
    #[arg(long, default_value_t = 32400)]
    pms_port: u16,
    /// Port of the plex.tv listener (0 = any free port).
    #[arg(long, default_value_t = 32401)]
    plextv_port: u16,
    /// Address to bind both listeners on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// JSON seed file replacing the built-in seed (format: README.md).
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Replace the seed's friends by N generated ones (load tests).
    #[arg(long)]
    friends: Option<usize>,
    /// Print the seed as JSON and exit.
    #[arg(long)]
    dump_seed: bool,
}

#[expect(clippy::print_stdout, reason = "the binary reports its URLs on stdout")]
#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut seed = match &args.seed {
        Some(path) => match Seed::from_file(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("plex-sim: {e}");
                return ExitCode::from(2);
            }
        },
        None => Seed::default(),
    };
    if let Some(n) = args.friends {
        seed = seed.with_generated_friends(n);
    }
    if args.dump_seed {
        match serde_json::to_string_pretty(&seed) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("plex-sim: {e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    let config = SimConfig {
        seed,
        bind: args.bind,
        pms_port: args.pms_port,
        plextv_port: args.plextv_port,
        latency: Duration::from_millis(args.latency_ms),
        ..SimConfig::default()
    };
    let sim = match PlexSim::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("plex-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "plex-sim ready: pms={} plextv={}",
        sim.pms_url(),
        sim.plextv_url()
    );
    {
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
    }
    wait_for_signal().await;
    eprintln!("plex-sim: shutting down");
    sim.stop().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
