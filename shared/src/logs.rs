//! The application log (`/api/v1/logs…`): query parameters and parsed lines.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Which log: `app` (INFO and up) or `error` (ERROR only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogFile {
    #[default]
    App,
    Error,
}

impl LogFile {
    pub const ALL: [LogFile; 2] = [LogFile::App, LogFile::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            LogFile::App => "app",
            LogFile::Error => "error",
        }
    }

    /// The file's name in the data directory's `logs/` (server-chosen, never from a request).
    pub fn file_name(self) -> &'static str {
        match self {
            LogFile::App => "app.log",
            LogFile::Error => "error.log",
        }
    }
}

impl std::str::FromStr for LogFile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LogFile::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| "must be `app` or `error`".to_owned())
    }
}

/// A log level, most verbose first (so `a <= b` means `b` is at least as severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Trace,
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

impl std::str::FromStr for LogLevel {
    type Err = String;

    /// Accepts any case (`WARN` as written in the files, `warn` as in the API).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LogLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| "must be one of trace, debug, info, warn, error".to_owned())
    }
}

/// Fewest and most lines one `GET /api/v1/logs` returns.
pub const LOG_LINES_MIN: u32 = 10;
pub const LOG_LINES_MAX: u32 = 1000;
pub const LOG_LINES_DEFAULT: u32 = 100;
/// Longest text search accepted.
pub const LOG_QUERY_MAX_CHARS: usize = 200;

/// Query of `GET /api/v1/logs`. Values are checked by the server, each bad one a 400 naming it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct LogQuery {
    /// `app` (default) or `error`.
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<LogFile>))]
    pub file: Option<String>,
    /// The least severe level shown (`warn` shows warnings and errors). Default: all.
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<LogLevel>))]
    pub level: Option<String>,
    /// Page size: how many matching lines, counted from the newest (10–1000, default 100).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub limit: Option<String>,
    /// Newest matching lines to skip (default 0): `offset=100` is the page before the newest 100.
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u64>))]
    pub offset: Option<String>,
    /// Deprecated name of `limit` (10–1000; answered with a `Deprecation` header).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub lines: Option<String>,
    /// Case-insensitive text to find in the message, target or fields (≤ 200 characters).
    #[serde(default)]
    pub q: Option<String>,
}

/// Query of `GET /api/v1/logs/download`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct LogDownloadQuery {
    /// `app` (default) or `error`.
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<LogFile>))]
    pub file: Option<String>,
    /// `true`: the current file and every rotated one, as one `.tar.gz`.
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<bool>))]
    pub all: Option<String>,
}

/// Query of `GET /api/v1/logs/stream`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct LogStreamQuery {
    /// The least severe level sent. Default: all (INFO and up are written).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<LogLevel>))]
    pub level: Option<String>,
    /// Resume after this event id (as the `Last-Event-ID` header, which wins when both are sent).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u64>))]
    pub after: Option<String>,
}

/// One log line, parsed. Lines that are not Plexward's JSON (a foreign or damaged line) come
/// back whole in `message` with level `info` and target `unparsed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LogEntry {
    /// RFC 3339, UTC, as written.
    pub timestamp: String,
    pub level: LogLevel,
    /// The module that wrote the line.
    pub target: String,
    pub message: String,
    /// The event's other fields, as text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}
