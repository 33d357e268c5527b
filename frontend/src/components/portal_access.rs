//! What a signed-in friend sees on the portal: a greeting, a notice while their invite waits to be
//! accepted on Plex, each of their libraries with when it starts and ends (or its weekly window
//! and next openings) on their own clock, their restrictions, "Ask for more" and their requests,
//! and "Sign out". Asking or cancelling reads their access again, so a granted library shows up.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{AccessRequestState, PortalAccessResponse, PortalLibrary};

use crate::api;
use crate::components::request_form::RequestForm;
use crate::components::request_list::RequestList;
use crate::format::{browser_wall, browser_zone, now};
use crate::portal_text::{
    Clock, end_words, kind_words, occurrence_words, start_words, status_words, weekly_words,
};

/// How many next openings of a weekly window are listed.
const NEXT_OPENINGS: usize = 3;

#[component]
pub fn PortalAccess(
    /// Their access as first read; read again after every request made or cancelled.
    access: PortalAccessResponse,
    /// Signed out (the cookie is cleared).
    on_signed_out: Callback<()>,
    /// The portal session ended (or the portal was switched off) while the page was open.
    on_ended: Callback<()>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // The greeting and the server's name stay as first read; the rest follows the reloads.
    let (title, server_name) = (access.title.clone(), access.server_name.clone());
    let access = RwSignal::new(access);
    let reload = Callback::new(move |()| {
        spawn_local(async move {
            match api::portal_me().await {
                Ok(now) => {
                    access.try_set(now);
                }
                Err(e) if e.status == 401 || e.code == "portal_off" => on_ended.run(()),
                // The request itself went through; the page shows it at the next load.
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
        });
    });
    let libraries = Signal::derive(move || access.with(|a| a.libraries.clone()));
    let requestable = Signal::derive(move || access.with(|a| a.requestable.clone()));
    let requests = Signal::derive(move || access.with(|a| a.requests.clone()));
    let open_count = Signal::derive(move || {
        access.with(|a| {
            a.requests
                .iter()
                .filter(|r| r.state == AccessRequestState::Open)
                .count()
        })
    });
    let sign_out = move |_| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::portal_sign_out().await {
                // A 401: the session had ended already, which is what was asked.
                Ok(()) => on_signed_out.run(()),
                Err(e) if e.status == 401 => on_signed_out.run(()),
                Err(e) => {
                    error.try_set(Some(e.message));
                    busy.try_set(false);
                }
            }
        });
    };
    let zone_note = browser_zone().map_or_else(
        || "Times are in your own time zone.".to_owned(),
        |zone| format!("Times are in your time zone ({zone})."),
    );
    let server_zone = move || access.with(|a| a.time_zone.clone());
    view! {
        <section class="card glass" aria-labelledby="portal-hello">
            <h1 id="portal-hello">{format!("Hello, {title}")}</h1>
            <p class="muted" data-testid="portal-server">
                "Your access to " <strong>{server_name}</strong>
            </p>
        </section>
        <Show when=move || access.with(|a| a.pending_invite)>
            <div class="alert warning" role="status" data-testid="portal-invite">
                <p><strong>"An invite is waiting for you."</strong></p>
                <p>
                    "Accept it in Plex — with the link in the email Plex sent you, or on plex.tv while signed in — \
                     and these libraries appear in your Plex apps."
                </p>
            </div>
        </Show>
        <section class="card glass" aria-labelledby="portal-libraries-title">
            <h2 id="portal-libraries-title">"Your libraries"</h2>
            <p class="hint" data-testid="portal-zone">{zone_note}</p>
            {move || {
                let libraries = libraries.get();
                if libraries.is_empty() {
                    view! { <p class="muted">"No library is shared with you at the moment."</p> }.into_any()
                } else {
                    let zone = server_zone();
                    view! {
                        <ul class="portal-libraries">
                            {libraries
                                .into_iter()
                                .map(|library| view! { <LibraryItem library server_zone=zone.clone() /> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
        </section>
        <section class="card glass" aria-labelledby="portal-restrictions-title">
            <h2 id="portal-restrictions-title">"Your restrictions"</h2>
            <ul class="portal-restrictions" data-testid="portal-restrictions">
                {move || access.with(|a| {
                    a.restrictions.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()
                })}
            </ul>
        </section>
        <RequestForm libraries requestable open_count on_sent=reload on_ended />
        <RequestList requests on_changed=reload on_ended />
        <Show when=move || error.with(Option::is_some)>
            <p class="alert error" role="alert">{move || error.get()}</p>
        </Show>
        <div class="portal-actions">
            <button type="button" class="btn ghost" disabled=move || busy.get() on:click=sign_out>
                "Sign out"
            </button>
        </div>
    }
}

/// One library: title and kind, its badge, then its window in words.
#[component]
fn LibraryItem(library: PortalLibrary, server_zone: String) -> impl IntoView {
    let clock = Clock {
        now: now(),
        wall: &browser_wall,
    };
    let status = status_words(&library, &clock);
    let badge = if library.active {
        "pill ok"
    } else {
        "pill warn"
    };
    // The kind only when the title does not say it already ("Movies" is movies).
    let kind = Some(kind_words(&library.kind)).filter(|k| !k.eq_ignore_ascii_case(&library.title));
    let start = start_words(library.starts_at.as_ref(), &clock);
    // A weekly window without an end date of its own says when it stops in its rule (or never).
    let end = (library.repeat.is_none() || library.ends_at.is_some())
        .then(|| end_words(library.ends_at.as_ref(), &clock));
    let weekly = library
        .repeat
        .as_ref()
        .map(|repeat| weekly_words(repeat, &server_zone));
    let next: Vec<String> = library
        .next_occurrences
        .iter()
        .take(NEXT_OPENINGS)
        .map(|o| occurrence_words(o, &clock))
        .collect();
    view! {
        <li class="portal-library" data-testid="portal-library">
            <div class="portal-library-head">
                <h3>{library.title.clone()}</h3>
                <span class=badge>{status}</span>
            </div>
            {kind.map(|k| view! { <p class="muted portal-kind">{k}</p> })}
            {start.map(|s| view! { <p>{s}</p> })}
            {end.map(|e| view! { <p>{e}</p> })}
            {weekly.map(|w| view! { <p>"Weekly: " {w}</p> })}
            {(!next.is_empty()).then(|| view! {
                <p class="hint">"Next openings, on your clock:"</p>
                <ul class="portal-next">
                    {next.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                </ul>
            })}
        </li>
    }
}
