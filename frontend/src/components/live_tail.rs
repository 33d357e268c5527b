//! Following a stream as it is written (`GET /api/v1/logs/stream`, `/api/v1/audit/stream`): the
//! "Live" toggle and the connection behind it. A stream ends after five minutes, when the server
//! goes away, or when it refuses the session — an `EventSource` cannot tell these apart, so after
//! every end the session is checked through `api.rs` (which refreshes an expired access token)
//! and the stream reopened after the last item seen, so none is lost or shown twice.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;

use crate::api::{self, EventStream, StreamHandlers};
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

/// One page's live stream of `T`s. Copy: every field is a handle into the page's reactive
/// owner, so the stream is closed when the page goes away (dropping the stored [`EventStream`]
/// closes it).
pub struct LiveTail<T: 'static> {
    pub state: RwSignal<LiveState>,
    stream: StoredValue<Option<EventStream>, LocalStorage>,
    last_id: StoredValue<Option<u64>>,
    /// Where the stream is, resuming after an event id (the page's filters are in it).
    url_for: Callback<Option<u64>, String>,
    /// What `url_for` said when the stream was started: a change of filters restarts it.
    started_with: StoredValue<String>,
    /// Bumped by every start and stop: a reconnect scheduled before it gives up.
    generation: StoredValue<u64>,
    failures: StoredValue<u32>,
    on_line: Callback<T>,
}

impl<T> Clone for LiveTail<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for LiveTail<T> {}

impl<T: DeserializeOwned + 'static> LiveTail<T> {
    pub fn new(url_for: Callback<Option<u64>, String>, on_line: Callback<T>) -> Self {
        Self {
            state: RwSignal::new(LiveState::Off),
            stream: StoredValue::new_local(None),
            last_id: StoredValue::new(None),
            url_for,
            started_with: StoredValue::new(String::new()),
            generation: StoredValue::new(0),
            failures: StoredValue::new(0),
            on_line,
        }
    }

    pub fn is_on(&self) -> bool {
        self.state.with(|s| *s != LiveState::Off)
    }

    /// Starts following (again, from now, with what `url_for` says now).
    pub fn start(self) {
        self.started_with.set_value(self.url_for.run(None));
        self.last_id.set_value(None);
        self.failures.set_value(0);
        self.bump();
        self.state.set(LiveState::Connecting);
        self.connect();
    }

    /// Follows what `url_for` says now (new filters), if live and it changed.
    pub fn follow(self) {
        if self.is_on() && self.started_with.get_value() != self.url_for.run(None) {
            self.start();
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
                    self.reconnect(generation, "The live stream was interrupted; reconnecting…");
                }
            }),
        };
        let url = self.url_for.run(self.last_id.get_value());
        match api::event_stream(&url, handlers) {
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

/// The "Live" button and what the stream is doing (`live_text` while it is live). `on_start`
/// runs before the stream starts (a page may go back to its first page).
#[component]
pub fn LiveToggle<T: DeserializeOwned + 'static>(
    live: LiveTail<T>,
    live_text: &'static str,
    #[prop(optional)] on_start: Option<Callback<()>>,
) -> impl IntoView {
    let toggle = move |_| {
        if live.is_on() {
            live.stop();
        } else {
            if let Some(on_start) = on_start {
                on_start.run(());
            }
            live.start();
        }
    };
    let status = move || match live.state.get() {
        LiveState::Off => String::new(),
        LiveState::Connecting => "Connecting…".to_owned(),
        LiveState::Live => live_text.to_owned(),
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
