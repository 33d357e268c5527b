//! The forced password change: an account flagged "must change" can do nothing else first.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::change_password_form::ChangePasswordForm;
use crate::session::{SessionState, first_step, safe_next, use_session, with_next};

#[component]
pub fn ChangePassword() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let next = move || safe_next(query.with_untracked(|q| q.get("next")));

    // Signed out: sign in first. No change due (any more): on to the next first step (setting
    // up two-factor sign-in), or to where the user was going.
    Effect::new(move |_| {
        let target = match session.state() {
            SessionState::SignedOut => Some(with_next("/login", &next())),
            SessionState::SignedIn(account) if !account.must_change_password => {
                Some(first_step(&account).map_or_else(next, |page| with_next(page, &next())))
            }
            _ => None,
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
    view! {
        <section class="card glass auth-card" aria-labelledby="change-title">
            <h1 id="change-title">"Choose a new password"</h1>
            <Show
                when=move || session.must_change_password()
                fallback=|| view! { <p class="muted">"Loading…"</p> }
            >
                <p class="muted">
                    "Before you continue, replace the password you were given with one only you know."
                </p>
                <ChangePasswordForm
                    username
                    submit_label="Change password"
                    on_done=Callback::new(move |()| session.password_changed())
                />
            </Show>
        </section>
    }
}
