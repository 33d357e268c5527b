//! The portal's "Sign in with Plex", for a friend: Plex's page in a pop-up (a link to it when the
//! browser blocks pop-ups), the PIN's code in case they open Plex by hand, and a poll every second
//! until the sign-in is decided, the code runs out, or the page is left.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::PortalSignInState;

use crate::api;
use crate::format;
use crate::jobs::sleep;

/// How often the sign-in is asked about while Plex's page is open (about once a second).
const POLL_MS: i32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Idle,
    Starting,
    Waiting {
        code: String,
        auth_url: String,
        expires_ms: i64,
        /// The browser refused the pop-up: the link is the way to Plex.
        blocked: bool,
    },
    Expired,
    Failed(String),
}

/// Opens an empty pop-up inside the click (browsers block pop-ups opened later, after an
/// `await`); its address is set once Plexward has the PIN.
fn open_popup() -> Option<web_sys::Window> {
    web_sys::window()?
        .open_with_url_and_target_and_features("", "plex-sign-in", "popup,width=720,height=760")
        .ok()
        .flatten()
}

#[component]
pub fn PortalSignIn(
    /// The portal cookie is set: load the friend's access.
    on_signed_in: Callback<()>,
    /// The Plex account is not a friend of this server.
    on_refused: Callback<()>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Idle);
    let now_ms = RwSignal::new(format::now().timestamp_millis());
    let popup = StoredValue::new_local(None::<web_sys::Window>);
    // Bumped by Cancel and by every new sign-in: the poll loop of an older one stops.
    let generation = RwSignal::new(0_u32);

    let close_popup = move || {
        if let Some(Some(w)) = popup.try_get_value() {
            let _ = w.close();
        }
        popup.try_set_value(None);
    };

    let start = move |_| {
        let this = generation.get_untracked() + 1;
        generation.set(this);
        popup.set_value(open_popup());
        step.set(Step::Starting);
        spawn_local(async move {
            let started = match api::start_portal_sign_in().await {
                Ok(started) => started,
                Err(e) => {
                    close_popup();
                    step.try_set(Step::Failed(e.message));
                    return;
                }
            };
            let opened = popup.try_get_value().flatten();
            if let Some(w) = &opened {
                let _ = w.location().set_href(&started.auth_url);
            }
            let expires_ms = started.expires_at.timestamp_millis();
            step.try_set(Step::Waiting {
                code: started.code.clone(),
                auth_url: started.auth_url.clone(),
                expires_ms,
                blocked: opened.is_none(),
            });
            loop {
                sleep(POLL_MS).await;
                // Left (the signals are gone with the page) or cancelled or started again.
                if generation.try_get_untracked() != Some(this) {
                    return;
                }
                let now = format::now().timestamp_millis();
                now_ms.try_set(now);
                if now >= expires_ms {
                    close_popup();
                    step.try_set(Step::Expired);
                    return;
                }
                let answer = api::portal_sign_in(&started.id).await;
                if generation.try_get_untracked() != Some(this) {
                    return;
                }
                match answer.map(|s| s.state) {
                    Ok(PortalSignInState::Waiting) => {}
                    Ok(PortalSignInState::SignedIn) => {
                        close_popup();
                        on_signed_in.run(());
                        return;
                    }
                    Ok(PortalSignInState::NotAFriend) => {
                        close_popup();
                        on_refused.run(());
                        return;
                    }
                    Ok(PortalSignInState::Expired) => {
                        close_popup();
                        step.try_set(Step::Expired);
                        return;
                    }
                    Err(e) => {
                        close_popup();
                        step.try_set(Step::Failed(e.message));
                        return;
                    }
                }
            }
        });
    };

    let cancel = move |_| {
        generation.update(|g| *g += 1);
        close_popup();
        step.set(Step::Idle);
    };

    let button = move || {
        view! {
            <button type="button" class="btn portal-sign-in-button" on:click=start>
                "Sign in with Plex"
            </button>
        }
    };

    view! {
        <div class="portal-sign-in" data-testid="portal-sign-in">
            {move || match step.get() {
                Step::Idle => button().into_any(),
                Step::Starting => view! { <p class="muted" role="status">"Asking Plex…"</p> }.into_any(),
                Step::Expired => view! {
                    <p class="alert warning" role="status">
                        "The sign-in code ran out before it was approved. Start again."
                    </p>
                    {button()}
                }
                    .into_any(),
                Step::Failed(message) => view! {
                    <p class="alert error" role="alert">{message}</p>
                    {button()}
                }
                    .into_any(),
                Step::Waiting { code, auth_url, expires_ms, blocked } => view! {
                    <div class="alert info" role="status" data-testid="portal-sign-in-waiting">
                        <p>
                            {if blocked {
                                "Your browser blocked the pop-up: open Plex's page with the link below and approve the sign-in there."
                            } else {
                                "Approve the sign-in on Plex's page, in the window that just opened."
                            }}
                        </p>
                        <p>
                            <a href=auth_url target="_blank" rel="noopener" data-testid="portal-auth-link">
                                "Open Plex's sign-in page"
                            </a>
                        </p>
                        <p>"Your code: " <strong class="portal-code" data-testid="portal-code">{code}</strong></p>
                        <p class="hint">
                            "Waiting — the code expires in "
                            {move || format::duration_words(format::seconds_until(expires_ms, now_ms.get()))}
                            "."
                        </p>
                        <button type="button" class="btn ghost small" on:click=cancel>"Cancel"</button>
                    </div>
                }
                    .into_any(),
            }}
        </div>
    }
}
