//! The portal's "Your requests": what the friend asked for, where each stands (Waiting, Approved,
//! Declined, Cancelled), when on their own clock, the reason when one was declined, and Cancel
//! for the ones still waiting.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{AccessRequest, AccessRequestState};

use crate::api;
use crate::format::{browser_wall, now};
use crate::portal_text::Clock;
use crate::request_text::{
    Reader, ask_refusal_words, friend_when_words, request_words, state_badge,
};

#[component]
pub fn RequestList(
    requests: Signal<Vec<AccessRequest>>,
    /// A request was cancelled (or found decided meanwhile): reload.
    on_changed: Callback<()>,
    /// The portal session is over (a 401): back to signing in.
    on_ended: Callback<()>,
) -> impl IntoView {
    // The request a Cancel is under way for, and what went wrong last.
    let busy = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);
    let cancel = Callback::new(move |id: i64| {
        busy.set(Some(id));
        error.set(None);
        spawn_local(async move {
            match api::cancel_my_request(id).await {
                Ok(_) => on_changed.run(()),
                Err(e) if e.status == 401 => on_ended.run(()),
                Err(e) => {
                    error.try_set(Some(ask_refusal_words(&e.code, &e.message, e.retry_after)));
                    // Decided meanwhile: show it as it is now.
                    if e.code == "request_closed" {
                        on_changed.run(());
                    }
                }
            }
            busy.try_set(None);
        });
    });
    view! {
        <Show when=move || requests.with(|r| !r.is_empty())>
            <section class="card glass" aria-labelledby="portal-requests-title">
                <h2 id="portal-requests-title">"Your requests"</h2>
                {move || error.get().map(|text| view! {
                    <p class="alert error" role="alert" data-testid="portal-request-error">{text}</p>
                })}
                <ul class="portal-requests" data-testid="portal-requests">
                    <For
                        each=move || requests.get()
                        // Keyed by id and state: a request that changed is drawn anew.
                        key=|r| (r.id, r.state.as_str(), r.decided_at)
                        children=move |request| view! { <RequestItem request busy cancel /> }
                    />
                </ul>
            </section>
        </Show>
    }
}

#[component]
fn RequestItem(
    request: AccessRequest,
    busy: RwSignal<Option<i64>>,
    cancel: Callback<i64>,
) -> impl IntoView {
    let clock = Clock {
        now: now(),
        wall: &browser_wall,
    };
    let id = request.id;
    let (label, class) = state_badge(request.state, Reader::Friend);
    let what = request_words(&request, Reader::Friend);
    let when = friend_when_words(&request, &clock);
    let reason = request
        .reason
        .clone()
        .filter(|r| request.state == AccessRequestState::Declined && !r.trim().is_empty());
    let open = request.state == AccessRequestState::Open;
    view! {
        <li class="portal-request" data-testid="portal-request" data-state=request.state.as_str()>
            <div class="portal-library-head">
                <h3 data-testid="portal-request-what">{what.clone()}</h3>
                <span class=class data-testid="portal-request-state">{label}</span>
            </div>
            <p class="hint">{when}</p>
            {request.message.clone().map(|m| view! {
                <p class="portal-request-note">
                    <span class="visually-hidden">"Your note: "</span>
                    {format!("“{m}”")}
                </p>
            })}
            {reason.map(|r| view! {
                <p class="portal-request-reason" data-testid="portal-request-reason">
                    <strong>"Reason: "</strong>{r}
                </p>
            })}
            {open.then(|| view! {
                <div class="actions">
                    <button
                        type="button"
                        class="btn ghost small"
                        data-testid="portal-request-cancel"
                        aria-label=format!("Cancel the request: {what}")
                        disabled=move || busy.get().is_some()
                        on:click=move |_| cancel.run(id)
                    >
                        {move || if busy.get() == Some(id) { "Cancelling…" } else { "Cancel" }}
                    </button>
                </div>
            })}
        </li>
    }
}
