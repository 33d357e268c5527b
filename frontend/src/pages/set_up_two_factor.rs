//! The forced two-factor setup: an admin requires two-factor sign-in for the account's role, and
//! it signed in without it. The server refuses this session everything else (403
//! `mfa_enrolment_required`) until it is on, so the app shows only this.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::totp_setup::TotpSetup;
use crate::session::{
    SET_UP_TWO_FACTOR, SessionState, first_step, safe_next, use_session, with_next,
};

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
                         continue, add Plexward to an authenticator app on your phone: from now \
                         on, signing in asks for a code from it after your password.",
                        role()
                    )}
                </p>
                <TotpSetup username tokens_changed=None on_confirmed on_saved />
            </Show>
        </section>
    }
}
