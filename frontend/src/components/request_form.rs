//! The portal's "Ask for more": a friend asks for more time (of one of their libraries, or of all)
//! or for a library they do not have, with an optional note for the owner. Only what they may
//! ask for is offered: more time of libraries that have an end, and the libraries the server
//! lists as requestable. The server's refusals are shown in words, next to the field they are
//! about or as a banner.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    AccessRequestKind, ExtendPeriod, NewAccessRequest, PortalLibrary, REQUEST_MESSAGE_MAX,
    REQUESTS_OPEN_MAX, RequestableLibrary,
};

use crate::api::{self, ApiError};
use crate::components::field_error::FieldError;
use crate::components::message_field::MessageField;
use crate::request_text::{ask_refusal_words, sentence};

/// The periods a friend may ask for (a moderator may approve another).
const PERIODS: [(&str, &str); 3] = [("week", "A week"), ("month", "A month"), ("year", "A year")];

/// Libraries whose end can be moved: one window with an end (a weekly window or an open-ended
/// grant has nothing to extend).
fn extendable_of(libraries: &[PortalLibrary]) -> Vec<(i64, String)> {
    libraries
        .iter()
        .filter(|l| l.repeat.is_none() && l.ends_at.is_some())
        .map(|l| (l.id, l.title.clone()))
        .collect()
}

/// The refused fields' signals, by the server's field names.
#[derive(Clone, Copy)]
struct Errors {
    kind: RwSignal<Option<String>>,
    library: RwSignal<Option<String>>,
    period: RwSignal<Option<String>>,
    message: RwSignal<Option<String>>,
    banner: RwSignal<Option<String>>,
}

impl Errors {
    fn new() -> Self {
        Self {
            kind: RwSignal::new(None),
            library: RwSignal::new(None),
            period: RwSignal::new(None),
            message: RwSignal::new(None),
            banner: RwSignal::new(None),
        }
    }

    fn clear(self) {
        for s in [
            self.kind,
            self.library,
            self.period,
            self.message,
            self.banner,
        ] {
            s.set(None);
        }
    }

    /// A refusal: a 422's reasons beside their fields, anything else as the banner.
    fn show(self, e: &ApiError) {
        let mut shown = false;
        for (name, why) in &e.fields {
            let target = match name.as_str() {
                "kind" => self.kind,
                "library_id" => self.library,
                "period" => self.period,
                "message" => self.message,
                _ => continue,
            };
            target.try_set(Some(sentence(why)));
            shown = true;
        }
        if !shown {
            self.banner
                .try_set(Some(ask_refusal_words(&e.code, &e.message, e.retry_after)));
        }
    }
}

#[component]
pub fn RequestForm(
    /// The friend's libraries (those with an end may get more time).
    libraries: Signal<Vec<PortalLibrary>>,
    /// The libraries they may ask for.
    requestable: Signal<Vec<RequestableLibrary>>,
    /// How many of their requests are waiting (at most [`REQUESTS_OPEN_MAX`]).
    open_count: Signal<usize>,
    /// A request was sent: reload the friend's access and requests.
    on_sent: Callback<()>,
    /// The portal session is over (a 401): back to signing in.
    on_ended: Callback<()>,
) -> impl IntoView {
    let extendable = Memo::new(move |_| libraries.with(|l| extendable_of(l)));
    let can_extend = move || extendable.with(|l| !l.is_empty());
    let can_add = move || requestable.with(|l| !l.is_empty());
    let chosen = RwSignal::new(None::<AccessRequestKind>);
    // What is asked: the friend's choice while it is on offer, else whatever is (a reload may
    // take one away, e.g. the last requestable library once it was granted).
    let kind = Memo::new(move |_| match chosen.get() {
        Some(AccessRequestKind::Library) if can_add() => Some(AccessRequestKind::Library),
        Some(AccessRequestKind::Extension) if can_extend() => Some(AccessRequestKind::Extension),
        _ if can_extend() => Some(AccessRequestKind::Extension),
        _ if can_add() => Some(AccessRequestKind::Library),
        _ => None,
    });
    let extend_library = RwSignal::new(String::new());
    let period = RwSignal::new("month".to_owned());
    let wanted = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors = Errors::new();
    let sent = RwSignal::new(None::<String>);
    let full = move || open_count.get() >= REQUESTS_OPEN_MAX;

    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        sent.set(None);
        let Some(kind) = kind.get_untracked() else {
            return;
        };
        let note = message.get_untracked().trim().to_owned();
        if note.chars().count() > REQUEST_MESSAGE_MAX {
            errors.message.set(Some(format!(
                "At most {REQUEST_MESSAGE_MAX} characters, please: shorten it a little."
            )));
            return;
        }
        let (library_id, period) = match kind {
            AccessRequestKind::Extension => (
                extend_library.get_untracked().parse().ok(),
                ExtendPeriod::parse(&period.get_untracked()).ok(),
            ),
            AccessRequestKind::Library => {
                let Ok(id) = wanted.get_untracked().parse::<i64>() else {
                    errors
                        .library
                        .set(Some("Choose the library you would like.".into()));
                    return;
                };
                (Some(id), None)
            }
        };
        let body = NewAccessRequest {
            kind,
            library_id,
            period,
            message: (!note.is_empty()).then_some(note),
        };
        busy.set(true);
        spawn_local(async move {
            match api::ask_for_more(&body).await {
                Ok(_) => {
                    message.try_set(String::new());
                    wanted.try_set(String::new());
                    sent.try_set(Some(
                        "Sent. The owner has been told; the answer will show here under Your requests."
                            .into(),
                    ));
                    on_sent.run(());
                }
                Err(e) if e.status == 401 => on_ended.run(()),
                Err(e) => errors.show(&e),
            }
            busy.try_set(false);
        });
    };

    let kind_choice = move |value: AccessRequestKind, label: &'static str, testid: &'static str| {
        view! {
            <label class="check">
                <input
                    type="radio"
                    name="request-kind"
                    data-testid=testid
                    prop:checked=move || kind.get() == Some(value)
                    on:change=move |_| {
                        chosen.set(Some(value));
                        errors.clear();
                    }
                />
                <span>{label}</span>
            </label>
        }
    };

    view! {
        <section class="card glass" aria-labelledby="portal-ask-title" data-testid="portal-ask">
            <h2 id="portal-ask-title">"Ask for more"</h2>
            <Show
                when=move || kind.get().is_some()
                fallback=|| view! {
                    <p class="muted" data-testid="portal-ask-nothing">
                        "There is nothing to ask for at the moment: none of your libraries has an end date to move, and every library of this server is shared with you."
                    </p>
                }
            >
                <p class="hint">"The owner of the server decides; you'll see the answer here."</p>
                <form class="form portal-ask-form" on:submit=send>
                    <fieldset class="portal-kinds" disabled=move || busy.get()>
                        <legend class="label">"What would you like?"</legend>
                        <div class="radio-row">
                            <Show when=can_extend>
                                {kind_choice(AccessRequestKind::Extension, "More time", "portal-ask-kind-time")}
                            </Show>
                            <Show when=can_add>
                                {kind_choice(AccessRequestKind::Library, "Another library", "portal-ask-kind-library")}
                            </Show>
                        </div>
                        <FieldError id="portal-ask-kind-error" error=errors.kind.into() />
                    </fieldset>
                    <Show when=move || kind.get() == Some(AccessRequestKind::Extension)>
                        <div class="form-grid">
                            <div class="field">
                                <label for="portal-ask-extend">"For"</label>
                                <select
                                    id="portal-ask-extend"
                                    data-testid="portal-ask-extend"
                                    disabled=move || busy.get()
                                    aria-invalid=move || errors.library.with(Option::is_some).then_some("true")
                                    aria-describedby="portal-ask-extend-error"
                                    on:change=move |ev| {
                                        extend_library.set(event_target_value(&ev));
                                        errors.library.set(None);
                                    }
                                >
                                    <option value="" selected=move || extend_library.get().is_empty()>
                                        "All my libraries"
                                    </option>
                                    {move || {
                                        extendable
                                            .get()
                                            .into_iter()
                                            .map(|(id, title)| {
                                                let value = id.to_string();
                                                let mine = value.clone();
                                                view! {
                                                    <option value=value selected=move || extend_library.with(|v| *v == mine)>
                                                        {title}
                                                    </option>
                                                }
                                            })
                                            .collect_view()
                                    }}
                                </select>
                                <FieldError id="portal-ask-extend-error" error=errors.library.into() />
                            </div>
                            <div class="field">
                                <label for="portal-ask-period">"How much longer"</label>
                                <select
                                    id="portal-ask-period"
                                    data-testid="portal-ask-period"
                                    disabled=move || busy.get()
                                    aria-invalid=move || errors.period.with(Option::is_some).then_some("true")
                                    aria-describedby="portal-ask-period-error"
                                    on:change=move |ev| {
                                        period.set(event_target_value(&ev));
                                        errors.period.set(None);
                                    }
                                >
                                    {PERIODS
                                        .into_iter()
                                        .map(|(value, label)| view! {
                                            <option value=value selected=move || period.with(|p| p == value)>{label}</option>
                                        })
                                        .collect_view()}
                                </select>
                                <FieldError id="portal-ask-period-error" error=errors.period.into() />
                            </div>
                        </div>
                    </Show>
                    <Show when=move || kind.get() == Some(AccessRequestKind::Library)>
                        <div class="field">
                            <label for="portal-ask-library">"Which library"</label>
                            <select
                                id="portal-ask-library"
                                data-testid="portal-ask-library"
                                disabled=move || busy.get()
                                aria-invalid=move || errors.library.with(Option::is_some).then_some("true")
                                aria-describedby="portal-ask-library-error"
                                on:change=move |ev| {
                                    wanted.set(event_target_value(&ev));
                                    errors.library.set(None);
                                }
                            >
                                <option value="" selected=move || wanted.get().is_empty()>"— Choose a library —"</option>
                                {move || {
                                    requestable
                                        .get()
                                        .into_iter()
                                        .map(|library| {
                                            let value = library.id.to_string();
                                            let mine = value.clone();
                                            view! {
                                                <option value=value selected=move || wanted.with(|v| *v == mine)>
                                                    {library.title}
                                                </option>
                                            }
                                        })
                                        .collect_view()
                                }}
                            </select>
                            <FieldError id="portal-ask-library-error" error=errors.library.into() />
                        </div>
                    </Show>
                    <MessageField
                        id="portal-ask-message"
                        label="A note for the owner (optional)"
                        value=message
                        error=errors.message
                        placeholder="e.g. I'm halfway through a series"
                        disabled=Signal::derive(move || busy.get())
                    />
                    {move || errors.banner.get().map(|text| view! {
                        <p class="alert error" role="alert" data-testid="portal-ask-error">{text}</p>
                    })}
                    {move || sent.get().map(|text| view! {
                        <p class="alert success" role="status" data-testid="portal-ask-sent">{text}</p>
                    })}
                    <Show when=full>
                        <p class="hint" data-testid="portal-ask-full">
                            {format!("You have {REQUESTS_OPEN_MAX} requests waiting: cancel one below to ask for something else.")}
                        </p>
                    </Show>
                    <button
                        type="submit"
                        class="btn portal-ask-send"
                        data-testid="portal-ask-send"
                        disabled=move || busy.get() || full()
                        aria-busy=move || busy.get().then_some("true")
                    >
                        {move || if busy.get() { "Sending…" } else { "Send" }}
                    </button>
                </form>
            </Show>
        </section>
    }
}
