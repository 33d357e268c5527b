//! The forced two-factor setup: an admin requires two-factor sign-in for the account's role, and
//! it signed in without it. The server refuses this session everything else (403
//! `mfa_enrolment_required`) until it is on, so the app shows only this: an authenticator app,
//! or a passkey instead.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::components::passkeys::PasskeyAdd;
use crate::components::totp_setup::TotpSetup;
use crate::session::{
    SET_UP_TWO_FACTOR, SessionState, first_step, safe_next, use_session, with_next,
};
use crate::webauthn;

#[component]
pub fn SetUpTwoFactor() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let next = move || safe_next(query.with_untracked(|q| q.get("next")));
    // While the recovery codes are on the screen the page stays, even though the server (and a
    // session refresh meanwhile) already says the setup is done: they are shown only this once.
    let showing_codes = RwSignal::new(false);

    // Signed out: sign in first. A password change due: that first. Nothing due (any more): on to
    // where the user was going.
    Effect::new(move |_| {
        let target = match session.state() {
            SessionState::Checking => None,
            SessionState::SignedOut => Some(with_next("/login", &next())),
            SessionState::SignedIn(account) => match first_step(&account) {
                Some(SET_UP_TWO_FACTOR) => None,
                Some(page) => Some(with_next(page, &next())),
                None if showing_codes.get() => None,
                None => Some(next()),
            },
        };
        if let Some(target) = target {
            navigate(
                &target,
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
        }
    });

    let username =
        Signal::derive(move || session.account().map(|a| a.username).unwrap_or_default());
    let role = move || {
        session
            .role()
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default()
    };
    let on_confirmed = Callback::new(move |()| showing_codes.set(true));
    let on_saved = Callback::new(move |()| {
        showing_codes.set(false);
        session.mfa_set_up();
    });

    // A passkey instead of the app: one at a time, so the page holds one form.
    let with_passkey = RwSignal::new(false);
    let on_added = Callback::new(|_| ());
    let on_passkey_codes = Callback::new(move |()| showing_codes.set(true));
    // Added (and its recovery codes saved): the account as the server has it now, which lets the
    // session go on.
    let on_passkey_done = Callback::new(move |()| {
        spawn_local(async move {
            match api::me().await {
                Ok(account) => session.signed_in(account),
                Err(_) => session.mfa_set_up(),
            }
            showing_codes.try_set(false);
        });
    });
    let on_passkey_cancel = Callback::new(move |()| with_passkey.set(false));
    let passkey_offer = move || {
        (webauthn::supported() && !showing_codes.get()).then(|| {
            view! {
                <div class="passkey-offer">
                    <p class="muted">
                        "Or use a passkey instead: your fingerprint, face or device PIN, a \
                         security key or a password manager."
                    </p>
                    <div class="actions">
                        <button type="button" class="btn ghost" on:click=move |_| with_passkey.set(true)>
                            "Add a passkey instead"
                        </button>
                    </div>
                </div>
            }
        })
    };

    view! {
        <section class="card glass auth-card setup-card" aria-labelledby="setup-title">
            <h1 id="setup-title">"Set up two-factor sign-in"</h1>
            <Show
                when=move || session.mfa_enrolment_required() || showing_codes.get()
                fallback=|| view! { <p class="muted">"Loading…"</p> }
            >
                <p class="muted" data-testid="setup-why">
                    {move || format!(
                        "An admin requires two-factor sign-in for the {} role. Before you \
                         continue, add Plexward to an authenticator app on your phone, or add a \
                         passkey: from now on, signing in asks for one of them after your \
                         password.",
                        role()
                    )}
                </p>
                <Show
                    when=move || with_passkey.get()
                    fallback=move || view! {
                        <TotpSetup username tokens_changed=None on_confirmed on_saved />
                        {passkey_offer}
                    }
                >
                    <PasskeyAdd
                        username
                        tokens_changed=None
                        on_added
                        on_codes=on_passkey_codes
                        on_finished=on_passkey_done
                        on_cancel=on_passkey_cancel
                    />
                </Show>
            </Show>
        </section>
    }
}
