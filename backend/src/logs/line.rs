//! One line of a log file, parsed into a [`LogEntry`], and the filters the API applies.

use std::collections::BTreeMap;

use plexward_shared::{LogEntry, LogLevel};
use serde::Deserialize;
use serde_json::Value;

/// The shape tracing-subscriber's JSON formatter writes.
#[derive(Deserialize)]
struct Written {
    timestamp: String,
    level: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    fields: serde_json::Map<String, Value>,
}

/// Parses a line; one that is not Plexward's JSON is kept whole as the message.
pub fn parse(line: &str) -> LogEntry {
    match serde_json::from_str::<Written>(line) {
        Ok(mut w) => {
            let message = w.fields.remove("message").map(text).unwrap_or_default();
            LogEntry {
                timestamp: w.timestamp,
                level: w.level.parse().unwrap_or(LogLevel::Info),
                target: w.target,
                message,
                fields: w.fields.into_iter().map(|(k, v)| (k, text(v))).collect(),
            }
        }
        Err(_) => LogEntry {
            timestamp: String::new(),
            level: LogLevel::Info,
            target: "unparsed".into(),
            message: line.to_owned(),
            fields: BTreeMap::new(),
        },
    }
}

/// A field value as text: strings without their quotes, everything else as JSON.
fn text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// What `GET /api/v1/logs` keeps.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The least severe level kept.
    pub min_level: Option<LogLevel>,
    /// Lower-cased text to find.
    pub text: Option<String>,
}

impl Filter {
    pub fn new(min_level: Option<LogLevel>, text: Option<&str>) -> Self {
        Self {
            min_level,
            text: text.filter(|t| !t.is_empty()).map(str::to_lowercase),
        }
    }

    /// Whether every line is kept (so a line need not be parsed to be counted).
    pub fn keeps_all(&self) -> bool {
        self.min_level.is_none() && self.text.is_none()
    }

    pub fn keeps(&self, entry: &LogEntry) -> bool {
        if self.min_level.is_some_and(|min| entry.level < min) {
            return false;
        }
        match &self.text {
            None => true,
            Some(needle) => {
                contains(&entry.message, needle)
                    || contains(&entry.target, needle)
                    || entry
                        .fields
                        .iter()
                        .any(|(k, v)| contains(k, needle) || contains(v, needle))
            }
        }
    }
}

fn contains(haystack: &str, lower_needle: &str) -> bool {
    haystack.to_lowercase().contains(lower_needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"timestamp":"2026-11-24T10:00:00.123Z","level":"WARN","fields":{"message":"sign-in refused","username":"bob","attempts":3},"target":"plexward::auth"}"#;

    #[test]
    fn a_json_line_becomes_its_parts() {
        let e = parse(LINE);
        assert_eq!(e.timestamp, "2026-11-24T10:00:00.123Z");
        assert_eq!(e.level, LogLevel::Warn);
        assert_eq!(e.target, "plexward::auth");
        assert_eq!(e.message, "sign-in refused");
        assert_eq!(e.fields["username"], "bob");
        assert_eq!(e.fields["attempts"], "3");
    }

    #[test]
    fn a_foreign_line_is_kept_whole() {
        let e = parse("panicked at 'oops' <script>");
        assert_eq!(e.target, "unparsed");
        assert_eq!(e.message, "panicked at 'oops' <script>");
    }

    #[test]
    fn the_filter_keeps_the_level_and_up_and_finds_text_anywhere_in_any_case() {
        let e = parse(LINE);
        assert!(Filter::new(Some(LogLevel::Warn), None).keeps(&e));
        assert!(Filter::new(Some(LogLevel::Info), None).keeps(&e));
        assert!(!Filter::new(Some(LogLevel::Error), None).keeps(&e));
        assert!(Filter::new(None, Some("SIGN-IN")).keeps(&e));
        assert!(Filter::new(None, Some("bob")).keeps(&e));
        assert!(Filter::new(None, Some("::auth")).keeps(&e));
        assert!(!Filter::new(None, Some("alice")).keeps(&e));
        assert!(Filter::new(None, Some("")).keeps(&e));
    }
}
