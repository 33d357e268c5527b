//! Following the log as it is written (`GET /api/v1/logs/stream`): the "Live" toggle and the
//! connection behind it. A stream ends after five minutes, when the server goes away, or when
//! it refuses the session — an `EventSource` cannot tell these apart, so after every end the
//! session is checked through `api.rs` (which refreshes an expired access token) and the stream
//! reopened after the last line seen, so no line is lost or shown twice.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{LogEntry, LogLevel};

use crate::api::{self, LogStream, StreamHandlers};
use crate::jobs::sleep;

/// The first wait before reconnecting; doubled after every failed attempt up to [`MAX_DELAY_MS`].
const FIRST_DELAY_MS: i32 = 1_000;
const MAX_DELAY_MS: i32 = 30_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveState {
    Off,
    Connecting,
    Live,
    /// Waiting to reconnect, and why.
    Waiting(String),
}

/// The wait before reconnect attempt `failures` (0: the first after a clean end).
pub fn reconnect_delay(failures: u32) -> i32 {
    FIRST_DELAY_MS
        .saturating_mul(1 << failures.min(5))
        .min(MAX_DELAY_MS)
}

/// One page's live stream. Copy: every field is a handle into the page's reactive owner, so the
/// stream is closed when the page goes away (dropping the stored [`LogStream`] closes it).
#[derive(Clone, Copy)]
pub struct LiveTail {
    pub state: RwSignal<LiveState>,
    stream: StoredValue<Option<LogStream>, LocalStorage>,
    last_id: StoredValue<Option<u64>>,
    level: StoredValue<Option<LogLevel>>,
    /// Bumped by every start and stop: a reconnect scheduled before it gives up.
    generation: StoredValue<u64>,
    failures: StoredValue<u32>,
    on_line: Callback<LogEntry>,
}

impl LiveTail {
    pub fn new(on_line: Callback<LogEntry>) -> Self {
        Self {
            state: RwSignal::new(LiveState::Off),
            stream: StoredValue::new_local(None),
            last_id: StoredValue::new(None),
            level: StoredValue::new(None),
            generation: StoredValue::new(0),
            failures: StoredValue::new(0),
            on_line,
        }
    }

    pub fn is_on(&self) -> bool {
        self.state.with(|s| *s != LiveState::Off)
    }

    /// Starts following lines at `level` and up (or follows at a new level).
    pub fn start(self, level: Option<LogLevel>) {
        self.level.set_value(level);
        self.failures.set_value(0);
        self.bump();
        self.state.set(LiveState::Connecting);
        self.connect();
    }

    /// Follows at `level` from now on, if live.
    pub fn change_level(self, level: Option<LogLevel>) {
        if self.is_on() && self.level.get_value() != level {
            self.start(level);
        }
    }

    pub fn stop(self) {
        self.bump();
        self.stream.set_value(None);
        self.state.set(LiveState::Off);
    }

    fn bump(self) {
        self.generation.update_value(|g| *g += 1);
    }

    fn connect(self) {
        let generation = self.generation.get_value();
        let current = move || self.generation.try_get_value() == Some(generation);
        let handlers = StreamHandlers {
            on_open: Box::new(move || {
                if current() {
                    self.failures.try_set_value(0);
                    self.state.try_set(LiveState::Live);
                }
            }),
            on_line: Box::new(move |id, entry| {
                if !current() {
                    return;
                }
                if id.is_some() {
                    self.last_id.try_set_value(id);
                }
                self.on_line.try_run(entry);
            }),
            on_end: Box::new(move || {
                if current() {
                    self.reconnect(generation, "The live log was interrupted; reconnecting…");
                }
            }),
        };
        match api::log_stream(self.level.get_value(), self.last_id.get_value(), handlers) {
            // Replacing the old stream drops (closes) it.
            Ok(stream) => self.stream.set_value(Some(stream)),
            Err(e) => self.reconnect(generation, &e.message),
        }
    }

    /// After a wait, checks the session (a 401 refreshes it through `api.rs`) and reopens the
    /// stream. Runs as its own task: it may be called from inside the old stream's handler,
    /// which must not be dropped while it runs.
    fn reconnect(self, generation: u64, why: &str) {
        let failures = self.failures.try_get_value().unwrap_or(0);
        self.failures.try_set_value(failures.saturating_add(1));
        self.state.try_set(LiveState::Waiting(why.to_owned()));
        spawn_local(async move {
            sleep(reconnect_delay(failures)).await;
            if self.generation.try_get_value() != Some(generation) {
                return;
            }
            match api::ensure_session().await {
                Ok(()) => {
                    if self.generation.try_get_value() == Some(generation) {
                        self.connect();
                    }
                }
                // The session is over (or the role lost the right): the session listener takes
                // the user to sign in; nothing to follow any more.
                Err(e) if matches!(e.status, 401 | 403) => {
                    if self.generation.try_get_value() == Some(generation) {
                        self.stream.try_set_value(None);
                        self.state.try_set(LiveState::Off);
                    }
                }
                Err(e) => {
                    if self.generation.try_get_value() == Some(generation) {
                        self.reconnect(generation, &e.message);
                    }
                }
            }
        });
    }
}

/// The "Live" button and what the stream is doing.
#[component]
pub fn LiveToggle(live: LiveTail, level: Signal<Option<LogLevel>>) -> impl IntoView {
    let toggle = move |_| {
        if live.is_on() {
            live.stop();
        } else {
            live.start(level.get_untracked());
        }
    };
    let status = move || match live.state.get() {
        LiveState::Off => String::new(),
        LiveState::Connecting => "Connecting…".to_owned(),
        LiveState::Live => "Live: new lines appear as they are written.".to_owned(),
        LiveState::Waiting(why) => why,
    };
    view! {
        <button
            type="button"
            class="btn ghost live-toggle"
            aria-pressed=move || if live.is_on() { "true" } else { "false" }
            on:click=toggle
        >
            <span class="live-dot" aria-hidden="true"></span>
            "Live"
        </button>
        <span class="hint live-status" data-testid="live-status" aria-live="polite">{status}</span>
    }
}

#[cfg(test)]
mod tests {
    use super::reconnect_delay;

    #[test]
    fn reconnects_back_off_to_half_a_minute() {
        assert_eq!(reconnect_delay(0), 1_000);
        assert_eq!(reconnect_delay(1), 2_000);
        assert_eq!(reconnect_delay(4), 16_000);
        assert_eq!(reconnect_delay(5), 30_000);
        assert_eq!(reconnect_delay(40), 30_000);
    }
}
