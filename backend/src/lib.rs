//! Plexward as a library: `main.rs` only parses the command line and calls in here, and the tests
//! start the very same [`startup::Application`] on port 0.

pub mod access;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod cli;
pub mod clock;
pub mod config;
pub mod csv;
pub mod data_dir;
pub mod db;
pub mod healthcheck;
pub mod http;
pub mod jobs;
pub mod logs;
pub mod metrics;
pub mod notify;
pub mod plex;
pub mod portal;
pub mod process;
pub mod scheduler;
pub mod settings;
pub mod startup;
pub mod state;
pub mod suggest;
pub mod telemetry;
pub mod tls;

/// Plexward's version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// rustls finds two crypto providers in the dependency tree and refuses to guess: pick one,
/// once, before any TLS is used (server, Plex client, health check).
pub fn install_crypto_provider() {
    // An error only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
