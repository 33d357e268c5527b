//! "Decline…" for a friend's request: an optional reason (up to 500 characters, counted as it is
//! typed), which the friend reads in the portal and, when friends' emails are set up, by email.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{AccessRequest, DeclineRequest, REQUEST_MESSAGE_MAX};

use crate::api;
use crate::components::dialog::Dialog;
use crate::components::message_field::MessageField;
use crate::request_text::{Reader, request_words, sentence};

#[component]
pub fn DeclineDialog(
    open: RwSignal<bool>,
    request: RwSignal<Option<AccessRequest>>,
    /// Declined (or found decided): a line for the page, which reloads its list.
    on_done: Callback<String>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let reason_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Every opening starts with an empty reason.
    Effect::new(move |_| {
        if open.get() {
            reason.set(String::new());
            reason_error.set(None);
            error.set(None);
            busy.set(false);
        }
    });

    let decline = move |_| {
        let Some(asked) = request.get_untracked() else {
            return;
        };
        let text = reason.get_untracked().trim().to_owned();
        if text.chars().count() > REQUEST_MESSAGE_MAX {
            reason_error.set(Some(format!(
                "At most {REQUEST_MESSAGE_MAX} characters: shorten it a little."
            )));
            return;
        }
        let body = DeclineRequest {
            reason: (!text.is_empty()).then_some(text),
        };
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::decline_request(asked.id, &body).await {
                Ok(_) => {
                    open.try_set(false);
                    on_done.run(format!(
                        "Declined {}'s request: {}.",
                        asked.friend.title,
                        request_words(&asked, Reader::Staff)
                    ));
                }
                Err(e) => {
                    match e.field("reason") {
                        Some(why) => reason_error.try_set(Some(sentence(&why))),
                        None => error.try_set(Some(e.message.clone())),
                    };
                    if e.code == "request_closed" {
                        on_done.run(String::new());
                    }
                }
            }
            busy.try_set(false);
        });
    };

    let title = Signal::derive(move || {
        request.with(|r| {
            r.as_ref().map_or_else(String::new, |r| {
                format!("Decline {}'s request?", r.friend.title)
            })
        })
    });
    view! {
        <Dialog id="decline-request" open title>
            <p data-testid="decline-asked">
                <strong>{move || request.with(|r| r.as_ref().map(|r| request_words(r, Reader::Staff)))}</strong>
            </p>
            <MessageField
                id="decline-reason"
                label="Reason for the friend (optional)"
                value=reason
                error=reason_error
                hint="They read it in the portal, and by email when friends' emails are set up."
                disabled=Signal::derive(move || busy.get())
            />
            {move || error.get().map(|text| view! {
                <p class="alert error" role="alert" data-testid="decline-error">{text}</p>
            })}
            <div class="actions">
                <button type="button" class="btn ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                <button
                    type="button"
                    class="btn danger"
                    data-testid="decline-confirm"
                    disabled=move || busy.get()
                    on:click=decline
                >
                    {move || if busy.get() { "Declining…" } else { "Decline" }}
                </button>
            </div>
        </Dialog>
    }
}
