//! Settings → Friend portal: the switch that lets friends sign in at `/portal` with their own
//! Plex account and see their own access (admins change it; other roles that read settings see
//! it), and the portal's address to hand on. Off is the default; switching it off ends every
//! friend's portal session (the server does that). The friend page shows the address too, while
//! the portal is on ([`PortalShare`]).

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{Permission, PortalSettings};

use crate::api;
use crate::components::copy_field::CopyField;
use crate::components::secret_dialog::copy_to_clipboard;
use crate::portal_text::portal_address;
use crate::session::use_session;

/// Plexward's address as this browser reaches it (its origin and base path).
fn this_base_address() -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}{}", api::base_path().trim_end_matches('/'))
}

/// The portal's address as this browser reaches Plexward (its origin and base path): what a
/// friend types too, behind a reverse proxy included.
pub fn this_portal_address() -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    portal_address(&origin, &api::base_path())
}

#[component]
pub fn PortalSettingsCard() -> impl IntoView {
    let can_edit = use_session().allows(Permission::ManageSettings);
    let loaded = LocalResource::new(api::portal_settings);
    // As saved, and as ticked (`None` until read).
    let saved = RwSignal::new(None::<bool>);
    let ticked = RwSignal::new(None::<bool>);
    // Plexward's address for friends' emails, as typed.
    let public_url = RwSignal::new(String::new());
    let url_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    Effect::new(move |_| match loaded.get() {
        Some(Ok(s)) => {
            saved.set(Some(s.enabled));
            ticked.set(Some(s.enabled));
            public_url.set(s.public_url.unwrap_or_default());
        }
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(enabled) = ticked.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        url_error.set(None);
        notice.set(None);
        busy.set(true);
        let typed = public_url.get_untracked().trim().to_owned();
        let wanted = PortalSettings {
            enabled,
            public_url: (!typed.is_empty()).then_some(typed),
        };
        spawn_local(async move {
            match api::save_portal_settings(&wanted).await {
                Ok(now) => {
                    saved.try_set(Some(now.enabled));
                    ticked.try_set(Some(now.enabled));
                    public_url.try_set(now.public_url.unwrap_or_default());
                    notice.try_set(Some(if now.enabled {
                        "Saved: friends can sign in at the address below.".into()
                    } else {
                        "Saved: the portal is off, and every friend signed in to it is signed out."
                            .into()
                    }));
                }
                Err(e) => match e.field("public_url") {
                    Some(why) => {
                        url_error.try_set(Some(why));
                    }
                    None => {
                        error.try_set(Some(e.message));
                    }
                },
            }
            busy.try_set(false);
        });
    };

    let state_words = move || match saved.get() {
        Some(true) => "The friend portal is on.",
        Some(false) => "The friend portal is off.",
        None => "Loading…",
    };

    view! {
        <section class="card glass" aria-labelledby="portal-settings-title" data-testid="portal-settings">
            <div class="card-head">
                <h2 id="portal-settings-title">"Friend portal"</h2>
            </div>
            <p class="hint">
                "Friends sign in with their own Plex account and see which of your libraries they have and until when, \
                 their weekly windows and their restrictions — nothing about anyone else."
            </p>
            {if can_edit {
                view! {
                    <form class="form settings-form" on:submit=save novalidate aria-label="Friend portal">
                        <label class="check" for="portal-enabled">
                            <input
                                id="portal-enabled"
                                type="checkbox"
                                disabled=move || ticked.with(Option::is_none)
                                prop:checked=move || ticked.get().unwrap_or(false)
                                on:change:target=move |ev| {
                                    notice.set(None);
                                    ticked.set(Some(ev.target().checked()));
                                }
                            />
                            "Let friends see their own access at /portal"
                        </label>
                        <label for="portal-public-url">"Plexward's address in friends' emails"</label>
                        <input
                            id="portal-public-url"
                            type="url"
                            inputmode="url"
                            data-testid="portal-public-url"
                            placeholder=this_base_address()
                            prop:value=move || public_url.get()
                            aria-invalid=move || url_error.with(Option::is_some).to_string()
                            aria-describedby="portal-public-url-hint"
                            on:input:target=move |ev| {
                                notice.set(None);
                                url_error.set(None);
                                public_url.set(ev.target().value());
                            }
                        />
                        <p class="hint" id="portal-public-url-hint">
                            "Reminders and answers to requests link friends to the portal at this address. \
                             Leave it empty for no link."
                        </p>
                        <Show when=move || url_error.with(Option::is_some)>
                            <p class="field-error" role="alert" data-testid="portal-public-url-error">
                                {move || url_error.get()}
                            </p>
                        </Show>
                        <Show when=move || error.with(Option::is_some)>
                            <p class="alert error" role="alert">{move || error.get()}</p>
                        </Show>
                        <Show when=move || notice.with(Option::is_some)>
                            <p class="alert success" role="status" data-testid="portal-saved">{move || notice.get()}</p>
                        </Show>
                        <div class="actions">
                            <button
                                type="submit"
                                class="btn"
                                disabled=move || busy.get() || ticked.with(Option::is_none)
                            >
                                {move || if busy.get() { "Saving…" } else { "Save portal setting" }}
                            </button>
                        </div>
                    </form>
                }
                    .into_any()
            } else {
                view! {
                    <p data-testid="portal-state">{state_words}</p>
                    <Show when=move || error.with(Option::is_some)>
                        <p class="alert error" role="alert">{move || error.get()}</p>
                    </Show>
                }
                    .into_any()
            }}
            <CopyField
                id="portal-address"
                label="Portal address"
                value=this_portal_address()
                test_id="portal-address"
            />
            <Show when=move || saved.get() == Some(false)>
                <p class="hint">"It answers friends once the portal is on."</p>
            </Show>
        </section>
    }
}

/// "Portal: <address>" with a Copy button, for the owner to hand the address to a friend; shown
/// only while the portal is on (the public `GET /api/v1/portal` says).
#[component]
pub fn PortalShare() -> impl IntoView {
    let info = LocalResource::new(api::portal_info);
    let on = move || matches!(info.get(), Some(Ok(PortalSettings { enabled: true, .. })));
    let address = this_portal_address();
    let copied = RwSignal::new(None::<&'static str>);
    let copy = {
        let address = address.clone();
        move |_| {
            let address = address.clone();
            spawn_local(async move {
                copied.try_set(Some(if copy_to_clipboard(&address).await {
                    "Copied."
                } else {
                    "Copy it from the link."
                }));
            });
        }
    };
    view! {
        <Show when=on>
            <p class="portal-share" data-testid="friend-portal">
                "Portal: "
                // `external`: a full page load, since the portal is not a route of this app.
                <a href=address.clone() target="_blank" rel="external noopener">{address.clone()}</a>
                " "
                <button type="button" class="btn ghost small" on:click=copy.clone() data-testid="friend-portal-copy">
                    "Copy"
                </button>
                " "
                <span class="hint" role="status" aria-live="polite">{move || copied.get()}</span>
            </p>
        </Show>
    }
}
