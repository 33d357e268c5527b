//! Logging setup: events go to the console (readable text) and to the data directory's `logs/`:
//! `app.log` (INFO and up) and `error.log` (ERROR), JSON lines rotated by size, `app.log` also
//! feeding the live stream. The files never stop Plexward: if `logs/` cannot be used, it says so
//! on the console and logs there only.

use std::io::IsTerminal;
use std::path::Path;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::time::ChronoUtc;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::logs::{self, hub::LogHub, writer::RotatingFile};

/// Times in log lines as everywhere else Plexward writes them: RFC 3339 UTC, milliseconds, `Z`
/// (`plexward_shared::time`).
const LOG_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// Installs the global subscriber. `filter` has been validated by the config; it applies to the
/// console and, capped at INFO, to the files.
pub fn init(filter: &str, data_dir: &Path) {
    let env = || EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let console = tracing_subscriber::fmt::layer()
        .with_timer(ChronoUtc::new(LOG_TIME_FORMAT.to_owned()))
        .with_target(true)
        .with_ansi(std::io::stdout().is_terminal())
        .with_filter(env());

    let dir = logs::dir(data_dir);
    let files = match prepare(data_dir, &dir) {
        Ok(()) => {
            let app = RotatingFile::open(
                &dir.join("app.log"),
                logs::MAX_FILE_BYTES,
                logs::ROTATED_KEPT,
                Some(LogHub::global()),
            );
            let error = RotatingFile::open(
                &dir.join("error.log"),
                logs::MAX_FILE_BYTES,
                logs::ROTATED_KEPT,
                None,
            );
            Some(
                json_layer(app)
                    .with_filter(env())
                    .with_filter(LevelFilter::INFO)
                    .and_then(json_layer(error).with_filter(LevelFilter::ERROR)),
            )
        }
        Err(e) => {
            eprintln!(
                "plexward: cannot write logs to {}: {e}; logging to the console only",
                dir.display()
            );
            None
        }
    };
    tracing_subscriber::registry()
        .with(console)
        .with(files)
        .init();
}

/// One JSON object per event; spans are left out (our events carry their context as fields).
fn json_layer<S>(writer: RotatingFile) -> impl Layer<S> + Send + Sync
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer()
        .json()
        .with_timer(ChronoUtc::new(LOG_TIME_FORMAT.to_owned()))
        .with_current_span(false)
        .with_span_list(false)
        .with_writer(writer)
}

/// Creates the data directory (0700, as start-up would) and its `logs/` (0700 too: lines may
/// name accounts and friends).
fn prepare(data_dir: &Path, dir: &Path) -> std::io::Result<()> {
    crate::data_dir::ensure(data_dir)?;
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    #[test]
    fn log_lines_spell_times_like_the_api() {
        let at = chrono::Utc
            .timestamp_opt(1_798_131_600, 123_456_789)
            .single()
            .expect("time");
        assert_eq!(
            at.format(super::LOG_TIME_FORMAT).to_string(),
            plexward_shared::time::format(&at)
        );
    }
}
