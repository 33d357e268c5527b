//! Live password strength, scored by the server (`POST /api/v1/password/strength`) with the very
//! policy it enforces; the SPA carries no word lists. Asked at most once per pause in typing.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::password::{
    MIN_SCORE, PasswordCheck, PasswordStrengthRequest, length_problem,
};

use crate::api;
use crate::jobs::sleep;

const LABELS: [&str; 5] = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];

/// How long typing must pause before the server is asked.
const DEBOUNCE_MS: i32 = 300;

/// A five-step bar, a word for the score and the policy's message, updated as the user types.
/// Nothing shows while `password` is empty. A wrong length is told at once (no request); anything
/// else once the server has scored what was typed last.
#[component]
pub fn StrengthMeter(
    /// The id other elements refer to (`aria-describedby` on the password field).
    id: &'static str,
    #[prop(into)] password: Signal<String>,
    /// The account's name: a password built on it is weak.
    #[prop(into)]
    username: Signal<String>,
) -> impl IntoView {
    let check = RwSignal::new(None::<PasswordCheck>);
    // Bumped on every edit: an answer (or a pause) belonging to an older one is dropped.
    let latest = Rc::new(Cell::new(0_u64));
    Effect::new(move |_| {
        let password = password.get();
        let username = username.get();
        let asked = latest.get() + 1;
        latest.set(asked);
        if password.is_empty() {
            check.set(None);
            return;
        }
        if let Some(message) = length_problem(&password) {
            check.set(Some(PasswordCheck {
                score: 0,
                acceptable: false,
                message,
            }));
            return;
        }
        let latest = Rc::clone(&latest);
        spawn_local(async move {
            sleep(DEBOUNCE_MS).await;
            if latest.get() != asked {
                return;
            }
            let body = PasswordStrengthRequest {
                password,
                username: (!username.trim().is_empty()).then_some(username),
            };
            // A failed call leaves the last verdict; the server still judges on submit.
            if let Ok(verdict) = api::password_strength(&body).await
                && latest.get() == asked
            {
                check.try_set(Some(verdict));
            }
        });
    });
    let score = move || check.with(|c| c.as_ref().map_or(0, |c| c.score));
    let label = move || {
        LABELS
            .get(usize::from(score()))
            .copied()
            .unwrap_or_default()
    };
    let level = move || match check.with(|c| c.as_ref().map(|c| (c.acceptable, c.score))) {
        Some((true, s)) if s > MIN_SCORE => "strength very-strong",
        Some((true, _)) => "strength strong",
        Some((false, s)) if s >= 2 => "strength fair",
        _ => "strength weak",
    };
    let message = move || {
        check.with(|c| match c {
            Some(c) if c.acceptable => "Strong enough.".to_owned(),
            Some(c) => c.message.clone(),
            None => String::new(),
        })
    };
    view! {
        <div id=id class=level aria-live="polite" data-testid="strength">
            <Show when=move || check.with(Option::is_some)>
                <div
                    class="strength-bar"
                    role="meter"
                    aria-label="Password strength"
                    aria-valuemin="0"
                    aria-valuemax="4"
                    aria-valuenow=move || score().to_string()
                    aria-valuetext=label
                >
                    {(0..5u8)
                        .map(|i| view! { <span class="seg" class:on=move || i <= score()></span> })
                        .collect_view()}
                </div>
                <p class="strength-text">
                    <strong>{label}</strong>
                    " — "
                    <span data-testid="strength-message">{message}</span>
                </p>
            </Show>
        </div>
    }
}
