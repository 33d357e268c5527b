//! Log lines as the Logs page shows them: a bounded buffer (the fetched lines plus those the live
//! stream adds) and the list, newest first. Every part of a line is a text node — a message
//! holding `<script>` is shown, never run.

use std::collections::VecDeque;

use leptos::prelude::*;
use plexward_shared::{LogEntry, LogFile, LogLevel};

/// One shown line; `seq` keys it in the list, so a new live line adds one row instead of
/// redrawing the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub seq: u64,
    pub entry: LogEntry,
}

/// The shown lines, oldest first, never more than the chosen count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogBuffer {
    rows: VecDeque<LogRow>,
    next_seq: u64,
}

impl LogBuffer {
    /// Replaces everything with a fresh answer (oldest first, as the API sends it).
    pub fn replace(&mut self, entries: Vec<LogEntry>) {
        self.rows.clear();
        for entry in entries {
            self.push_row(entry);
        }
    }

    /// Adds a newer line, dropping the oldest beyond `cap`.
    pub fn push(&mut self, entry: LogEntry, cap: usize) {
        self.push_row(entry);
        while self.rows.len() > cap.max(1) {
            self.rows.pop_front();
        }
    }

    fn push_row(&mut self, entry: LogEntry) {
        self.rows.push_back(LogRow {
            seq: self.next_seq,
            entry,
        });
        self.next_seq += 1;
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn newest_first(&self) -> Vec<LogRow> {
        self.rows.iter().rev().cloned().collect()
    }
}

/// Whether a live line passes the page's filters, as the server decides for fetched ones: the
/// level (at least `min`) and the text (any case, in the message, target, or a field's name or
/// value).
pub fn keeps(entry: &LogEntry, min: Option<LogLevel>, text: &str) -> bool {
    if min.is_some_and(|min| entry.level < min) {
        return false;
    }
    let needle = text.trim().to_lowercase();
    if needle.is_empty() {
        return true;
    }
    let has = |s: &str| s.to_lowercase().contains(&needle);
    has(&entry.message) || has(&entry.target) || entry.fields.iter().any(|(k, v)| has(k) || has(v))
}

/// The level the live stream asks for: the stream carries `app.log`, whose ERROR lines are what
/// `error.log` holds — so following the error file means following errors only.
pub fn stream_level(file: LogFile, level: Option<LogLevel>) -> Option<LogLevel> {
    match file {
        LogFile::App => level,
        LogFile::Error => Some(level.map_or(LogLevel::Error, |l| l.max(LogLevel::Error))),
    }
}

/// `2026-11-24 13:59:47.972` from `2026-11-24T13:59:47.972313417+00:00` (the files are in UTC);
/// `—` for a line without a time.
pub fn short_time(timestamp: &str) -> String {
    if timestamp.len() < 19 || !timestamp.is_char_boundary(19) {
        return if timestamp.is_empty() {
            "—".to_owned()
        } else {
            timestamp.to_owned()
        };
    }
    let end = if timestamp.get(19..20) == Some(".") {
        // Milliseconds at most; stepping back to a character boundary keeps a damaged line from
        // panicking the page.
        let mut end = (timestamp.len()).min(23);
        while !timestamp.is_char_boundary(end) {
            end -= 1;
        }
        end
    } else {
        19
    };
    timestamp[..end].replacen('T', " ", 1)
}

/// The fields as `key=value` pairs on one line.
fn fields_text(entry: &LogEntry) -> String {
    entry
        .fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The list, newest first.
#[component]
pub fn LogLines(buffer: RwSignal<LogBuffer>) -> impl IntoView {
    view! {
        <ol class="log-lines" data-testid="log-lines" aria-label="Log lines, newest first">
            <For each=move || buffer.with(LogBuffer::newest_first) key=|row| row.seq let(row)>
                <LogLine entry=row.entry />
            </For>
        </ol>
    }
}

#[component]
fn LogLine(entry: LogEntry) -> impl IntoView {
    let level = entry.level.as_str();
    let fields = fields_text(&entry);
    view! {
        <li class=format!("log-line level-{level}") data-level=level>
            <time class="log-time" datetime=entry.timestamp.clone()>{short_time(&entry.timestamp)}</time>
            " "
            <span class="log-level">{level.to_uppercase()}</span>
            " "
            <span class="log-target">{entry.target}</span>
            " "
            <span class="log-message">{entry.message}</span>
            {(!fields.is_empty()).then(|| view! { " " <span class="log-fields">{fields}</span> })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use plexward_shared::{LogEntry, LogFile, LogLevel};

    use super::{LogBuffer, keeps, short_time, stream_level};

    fn entry(level: LogLevel, message: &str) -> LogEntry {
        LogEntry {
            timestamp: "2026-11-24T13:59:47.972313417+00:00".into(),
            level,
            target: "plexward::http::request_id".into(),
            message: message.into(),
            fields: BTreeMap::from([("path".to_owned(), "/api/v1/Login".to_owned())]),
        }
    }

    #[test]
    fn the_buffer_keeps_the_newest_lines_up_to_the_cap() {
        let mut buffer = LogBuffer::default();
        buffer.replace(vec![entry(LogLevel::Info, "a"), entry(LogLevel::Info, "b")]);
        buffer.push(entry(LogLevel::Warn, "c"), 2);
        let messages: Vec<String> = buffer
            .newest_first()
            .into_iter()
            .map(|r| r.entry.message)
            .collect();
        assert_eq!(messages, ["c", "b"]);
        // Keys stay unique across a replace, so the list never confuses an old row with a new one.
        let before = buffer.newest_first()[0].seq;
        buffer.replace(vec![entry(LogLevel::Info, "d")]);
        assert!(buffer.newest_first()[0].seq > before);
        assert_eq!(buffer.len(), 1);
    }

    #[test]
    fn live_lines_are_filtered_like_the_server_does() {
        let line = entry(LogLevel::Info, "request refused");
        assert!(keeps(&line, None, ""));
        assert!(keeps(&line, Some(LogLevel::Info), "REFUSED"));
        assert!(keeps(&line, None, "login"), "field values count");
        assert!(keeps(&line, None, "request_id"), "the target counts");
        assert!(!keeps(&line, Some(LogLevel::Warn), ""));
        assert!(!keeps(&line, None, "nothing like it"));
    }

    #[test]
    fn the_error_file_follows_errors_only() {
        assert_eq!(stream_level(LogFile::App, None), None);
        assert_eq!(
            stream_level(LogFile::App, Some(LogLevel::Warn)),
            Some(LogLevel::Warn)
        );
        assert_eq!(stream_level(LogFile::Error, None), Some(LogLevel::Error));
        assert_eq!(
            stream_level(LogFile::Error, Some(LogLevel::Info)),
            Some(LogLevel::Error)
        );
    }

    #[test]
    fn times_are_shortened_to_milliseconds() {
        assert_eq!(
            short_time("2026-11-24T13:59:47.972313417+00:00"),
            "2026-11-24 13:59:47.972"
        );
        assert_eq!(
            short_time("2026-11-24T13:59:47+00:00"),
            "2026-11-24 13:59:47"
        );
        assert_eq!(short_time(""), "—");
        assert_eq!(short_time("garbage"), "garbage");
    }
}
