//! Logging setup: tracing to the console, one line per event with time, level, target and fields.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::time::ChronoUtc;

/// Installs the global subscriber. `filter` has been validated by the config.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_timer(ChronoUtc::rfc_3339())
        .with_target(true)
        .with_ansi(std::io::stdout().is_terminal())
        .init();
}
