//! Logs: the newest lines of `app.log` or `error.log`, filtered by level and text, followed live
//! on request, and downloadable (admins and auditors). The server checks every filter; its 422
//! lands under the field it names.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    LOG_LINES_DEFAULT, LOG_LINES_MAX, LOG_LINES_MIN, LogEntry, LogFile, LogLevel, LogQuery,
    Permission,
};

use crate::api;
use crate::components::form_field::FormField;
use crate::components::live_tail::{LiveTail, LiveToggle};
use crate::components::log_lines::{LogBuffer, LogLines, keeps, stream_level};
use crate::session::use_session;

const LEVELS: [(&str, &str); 4] = [
    ("", "All levels"),
    ("info", "Info and up"),
    ("warn", "Warnings and errors"),
    ("error", "Errors only"),
];

/// The filters of the lines on screen; live lines must pass them too.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
    file: LogFile,
    level: Option<LogLevel>,
    lines: usize,
    text: String,
}

impl Default for Shown {
    fn default() -> Self {
        Self {
            file: LogFile::App,
            level: None,
            lines: LOG_LINES_DEFAULT as usize,
            text: String::new(),
        }
    }
}

#[component]
pub fn Logs() -> impl IntoView {
    let session = use_session();
    let can_download = move || session.allows(Permission::DownloadLogs);

    let file = RwSignal::new(LogFile::App);
    let level = RwSignal::new(String::new());
    let lines = RwSignal::new(LOG_LINES_DEFAULT.to_string());
    let text = RwSignal::new(String::new());

    let shown = RwSignal::new(Shown::default());
    let buffer = RwSignal::new(LogBuffer::default());
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let failure = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    // Only the newest request may fill the list: an older answer arriving late is dropped.
    let request = StoredValue::new(0_u64);
    let error_of =
        move |name: &'static str| Signal::derive(move || errors.with(|e| e.get(name).cloned()));

    let url_for = Callback::new(move |after: Option<u64>| {
        let level = shown.with_untracked(|s| stream_level(s.file, s.level));
        api::log_stream_url(level, after)
    });
    let live = LiveTail::new(
        url_for,
        Callback::new(move |entry: LogEntry| {
            let Some(filters) = shown.try_get_untracked() else {
                return;
            };
            if keeps(&entry, filters.level, &filters.text) {
                buffer.try_update(|b| b.push(entry, filters.lines));
            }
        }),
    );

    let load = move || {
        let query = LogQuery {
            file: Some(file.get_untracked().as_str().to_owned()),
            level: Some(level.get_untracked()),
            limit: Some(lines.get_untracked().trim().to_owned()),
            q: Some(text.get_untracked()),
            ..LogQuery::default()
        };
        request.update_value(|n| *n += 1);
        let mine = request.get_value();
        loading.set(true);
        spawn_local(async move {
            let answer = api::logs(&query).await;
            if request.try_get_value() != Some(mine) {
                return;
            }
            loading.try_set(false);
            match answer {
                Ok(list) => {
                    errors.try_set(BTreeMap::new());
                    failure.try_set(None);
                    let now_shown = Shown {
                        file: file.get_untracked(),
                        level: level.get_untracked().parse().ok(),
                        lines: lines
                            .get_untracked()
                            .trim()
                            .parse()
                            .unwrap_or(LOG_LINES_DEFAULT as usize),
                        text: text.get_untracked(),
                    };
                    shown.try_set(now_shown);
                    live.follow();
                    buffer.try_update(|b| b.replace(list.items));
                }
                Err(e) if !e.fields.is_empty() => {
                    failure.try_set(None);
                    errors.try_set(e.fields);
                }
                Err(e) => {
                    errors.try_set(BTreeMap::new());
                    failure.try_set(Some(e.message));
                }
            }
        });
    };
    load();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load();
    };
    let download = move |url: String| {
        spawn_local(async move {
            if let Err(e) = api::download(&url).await {
                failure.try_set(Some(e.message));
            }
        });
    };
    let file_url = move |all: bool| api::logs_download_url(file.get(), all);

    view! {
        <h1 class="page-title">"Logs"</h1>
        <section class="card glass" aria-labelledby="logs-title">
            <div class="card-head wrap">
                <h2 id="logs-title">{move || format!("{} — newest first", file.get().file_name())}</h2>
                <div class="filters">
                    <LiveToggle live live_text="Live: new lines appear as they are written." />
                    <Show when=can_download>
                        <a
                            class="btn ghost small"
                            href=move || file_url(false)
                            download
                            on:click=move |ev| {
                                ev.prevent_default();
                                download(file_url(false));
                            }
                        >
                            "Download"
                        </a>
                        <a
                            class="btn ghost small"
                            href=move || file_url(true)
                            download
                            on:click=move |ev| {
                                ev.prevent_default();
                                download(file_url(true));
                            }
                        >
                            "Download all rotated files"
                        </a>
                    </Show>
                </div>
            </div>
            <form class="form log-filters" on:submit=submit novalidate aria-label="Log filters">
                <div class="form-grid">
                    <FormField
                        id="log-file"
                        label="File"
                        error=error_of("file")
                    >
                        <select
                            on:change=move |ev| {
                                file.set(if event_target_value(&ev) == "error" { LogFile::Error } else { LogFile::App });
                                load();
                            }
                        >
                            <option value="app">"app.log (info and up)"</option>
                            <option value="error">"error.log (errors)"</option>
                        </select>
                    </FormField>
                    <FormField
                        id="log-level"
                        label="Level"
                        error=error_of("level")
                    >
                        <select
                            on:change=move |ev| {
                                level.set(event_target_value(&ev));
                                load();
                            }
                        >
                            {LEVELS
                                .iter()
                                .map(|(value, label)| view! { <option value=*value>{*label}</option> })
                                .collect_view()}
                        </select>
                    </FormField>
                    <FormField
                        id="log-lines"
                        label="Lines"
                        error=error_of("limit")
                        hint=format!("{LOG_LINES_MIN} to {LOG_LINES_MAX}; live lines keep the list this long.")
                    >
                        <input
                            type="number"
                            inputmode="numeric"
                            min=LOG_LINES_MIN
                            max=LOG_LINES_MAX
                            step="10"
                            prop:value=move || lines.get()
                            on:input:target=move |ev| lines.set(ev.target().value())
                        />
                    </FormField>
                    <FormField
                        id="log-q"
                        label="Find text"
                        error=error_of("q")
                    >
                        <input
                            type="search"
                            placeholder="in message, module or fields"
                            prop:value=move || text.get()
                            on:input:target=move |ev| text.set(ev.target().value())
                        />
                    </FormField>
                </div>
                <div class="actions">
                    <button type="submit" class="btn" disabled=move || loading.get()>
                        {move || if loading.get() { "Loading…" } else { "Refresh" }}
                    </button>
                </div>
            </form>
            <div aria-live="polite">
                <Show when=move || failure.with(Option::is_some)>
                    <p class="alert error" role="alert">{move || failure.get()}</p>
                </Show>
                <Show when=move || errors.with(|e| !e.is_empty())>
                    <p class="alert error" role="alert">"Some filters need attention; see below each one."</p>
                </Show>
            </div>
            <p class="hint" data-testid="log-count">
                {move || {
                    let n = buffer.with(LogBuffer::len);
                    format!("{n} {} shown. Times in UTC.", if n == 1 { "line" } else { "lines" })
                }}
            </p>
            <Show
                when=move || !buffer.with(LogBuffer::is_empty)
                fallback=move || {
                    view! {
                        <p class="muted">
                            {move || if loading.get() { "Loading…" } else { "No lines match." }}
                        </p>
                    }
                }
            >
                <LogLines buffer />
            </Show>
        </section>
    }
}
