//! The friend portal (`/portal`): a friend of the server signs in with their own Plex account and
//! sees their own access. It is for friends, not Plexward's accounts, so it lives outside the
//! admin app (see `app.rs`): no shell, no session provider, and only `/api/v1/portal…` calls — a
//! portal session is refused everywhere else, and a friend has no admin session to refresh.
//! Phone-first: one narrow column.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::PortalAccessResponse;

use crate::api;
use crate::components::portal_access::PortalAccess;
use crate::components::portal_sign_in::PortalSignIn;

/// Where the page stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Loading,
    /// The admin has not switched the portal on.
    Off,
    /// Not signed in to the portal (with a notice, e.g. after signing out).
    SignedOut(Option<&'static str>),
    SignedIn(Box<PortalAccessResponse>),
    /// Plex says the account is not a friend of this server: a polite no, and nothing else.
    Refused,
    Failed(String),
}

/// Whether the portal is on and, if so, whether this browser is signed in to it. Both asked at
/// once: without the portal cookie `/portal/me` answers 401 whatever the switch says.
async fn stage_now() -> Stage {
    let (info, me) = futures::join!(api::portal_info(), api::portal_me());
    match (info, me) {
        (Ok(info), _) if !info.enabled => Stage::Off,
        (_, Err(e)) if e.code == "portal_off" => Stage::Off,
        (Ok(_), Ok(access)) => Stage::SignedIn(Box::new(access)),
        (Ok(_), Err(e)) if e.status == 401 => Stage::SignedOut(None),
        (Err(e), _) | (_, Err(e)) => Stage::Failed(e.message),
    }
}

#[component]
pub fn Portal() -> impl IntoView {
    let stage = RwSignal::new(Stage::Loading);
    let load = move || {
        spawn_local(async move {
            let now = stage_now().await;
            stage.try_set(now);
        });
    };
    load();
    let on_signed_in = Callback::new(move |()| {
        stage.set(Stage::Loading);
        load();
    });
    let on_refused = Callback::new(move |()| stage.set(Stage::Refused));
    let on_signed_out =
        Callback::new(move |()| stage.set(Stage::SignedOut(Some("You have signed out."))));
    // The session ran out (or the portal was switched off) under an open page: ask again where
    // things stand, which shows the sign-in (or "not available").
    let on_ended = Callback::new(move |()| {
        stage.set(Stage::Loading);
        load();
    });
    view! {
        <main class="portal">
            <p class="portal-brand">
                <img src="favicon.svg" alt="" width="24" height="24" />
                <span>"Plexward"</span>
            </p>
            {move || match stage.get() {
                Stage::Loading => view! { <p class="muted" aria-live="polite">"Loading…"</p> }.into_any(),
                Stage::Off => view! {
                    <section class="card glass" data-testid="portal-off">
                        <h1>"Not available"</h1>
                        <p>"The friend portal is not available on this server."</p>
                    </section>
                }
                    .into_any(),
                Stage::SignedOut(notice) => view! {
                    <section class="card glass">
                        <h1>"Your access to this Plex server"</h1>
                        <p class="muted">
                            "Sign in with your Plex account to see which libraries are shared with you, and until when."
                        </p>
                        {notice.map(|n| view! { <p class="alert success" role="status">{n}</p> })}
                        <PortalSignIn on_signed_in on_refused />
                    </section>
                }
                    .into_any(),
                Stage::SignedIn(access) => view! { <PortalAccess access=*access on_signed_out on_ended /> }.into_any(),
                Stage::Refused => view! {
                    <section class="card glass" data-testid="portal-refused">
                        <h1>"No access"</h1>
                        <p>
                            "This Plex account doesn't have access to this server. If you think it should, ask the server's owner."
                        </p>
                    </section>
                }
                    .into_any(),
                Stage::Failed(message) => view! {
                    <section class="card glass">
                        <p class="alert error" role="alert">{message}</p>
                        <button type="button" class="btn ghost" on:click=move |_| {
                            stage.set(Stage::Loading);
                            load();
                        }>
                            "Try again"
                        </button>
                    </section>
                }
                    .into_any(),
            }}
        </main>
    }
}
