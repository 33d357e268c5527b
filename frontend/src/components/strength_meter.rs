//! Live password strength, by the same policy the server enforces (`plexward_shared::password`).

use leptos::prelude::*;
use plexward_shared::password::{MIN_SCORE, check_password};

const LABELS: [&str; 5] = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];

/// A five-step bar, a word for the score and the policy's message, updated as the user types.
/// Nothing shows while `password` is empty.
#[component]
pub fn StrengthMeter(
    /// The id other elements refer to (`aria-describedby` on the password field).
    id: &'static str,
    #[prop(into)] password: Signal<String>,
    /// The account's name: a password built on it is weak.
    #[prop(into)]
    username: Signal<String>,
) -> impl IntoView {
    let check = Memo::new(move |_| {
        let password = password.get();
        (!password.is_empty()).then(|| check_password(&password, &username.get()))
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
