//! Changing one's own password: current, new (with the strength meter) and confirmation; on My
//! account also what else ends with it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::ChangePasswordRequest;
use plexward_shared::password::length_problem;

use crate::api;
use crate::components::password_input::PasswordInput;
use crate::components::sign_out_choices::SignOutChoices;
use crate::components::strength_meter::StrengthMeter;

/// The form; `on_done` runs once the server has accepted the new password.
#[component]
pub fn ChangePasswordForm(
    /// The account's name, for the strength check.
    #[prop(into)]
    username: Signal<String>,
    submit_label: &'static str,
    on_done: Callback<()>,
    /// My account's: bumped when the change revoked the account's tokens (and read to list them
    /// afresh); with it the form asks what else ends. Without it (the forced change) the
    /// server's defaults apply: the account has no tokens then (the API refuses them to a
    /// session that must change its password, and the reset that flags it revoked them).
    #[prop(optional)]
    tokens_changed: Option<RwSignal<u32>>,
) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let current_error = RwSignal::new(None::<String>);
    let new_error = RwSignal::new(None::<String>);
    let confirm_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    // A new password is usually about a leak: ending the rest is the default.
    let end_sessions = RwSignal::new(true);
    let revoke_tokens = RwSignal::new(true);
    let asks = tokens_changed.is_some();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        current_error.set(None);
        new_error.set(None);
        confirm_error.set(None);
        error.set(None);
        done.set(false);
        let body = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
            revoke_tokens: asks.then(|| revoke_tokens.get_untracked()),
            end_other_sessions: asks.then(|| end_sessions.get_untracked()),
        };
        // The length rule is checked here; the rest of the policy is the server's (its 422).
        if let Some(problem) = length_problem(&body.new_password) {
            new_error.set(Some(problem));
            return;
        }
        if body.new_password != confirm.get_untracked() {
            confirm_error.set(Some("The two new passwords differ.".into()));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::change_password(&body).await {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                    done.set(true);
                    if let Some(changed) = tokens_changed
                        && revoke_tokens.get_untracked()
                    {
                        changed.update(|n| *n += 1);
                    }
                    on_done.run(());
                }
                Err(e) => {
                    let current_reason = e.field("current_password");
                    let new_reason = e.field("new_password");
                    if current_reason.is_none() && new_reason.is_none() {
                        error.set(Some(e.message));
                    }
                    current_error
                        .set(current_reason.map(|r| field_sentence("The current password", &r)));
                    new_error.set(new_reason.map(|r| field_sentence("The new password", &r)));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <form class="form narrow" on:submit=submit novalidate>
            <PasswordInput
                id="current-password"
                label="Current password"
                value=current
                autocomplete="current-password"
                error=current_error
            />
            <PasswordInput
                id="new-password"
                label="New password"
                value=new
                autocomplete="new-password"
                error=new_error
                described_by="new-password-strength"
            />
            <StrengthMeter id="new-password-strength" password=new username />
            <PasswordInput
                id="confirm-password"
                label="Repeat the new password"
                value=confirm
                autocomplete="new-password"
                error=confirm_error
            />
            <p class="hint">"At least 12 characters; a few unrelated words make a strong, memorable password."</p>
            {tokens_changed.map(|changed| {
                view! {
                    <SignOutChoices
                        id="password-ends"
                        end_sessions
                        revoke_tokens
                        tokens_changed=Some(changed)
                    />
                }
            })}
            <Show when=move || error.with(Option::is_some)>
                <p class="alert error" role="alert">{move || error.get()}</p>
            </Show>
            <Show when=move || done.get()>
                <p class="alert success" role="status">"Your password has been changed."</p>
            </Show>
            <div class="actions">
                <button type="submit" class="btn" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { submit_label }}
                </button>
            </div>
        </form>
    }
}

/// Turns a field reason from the API into a sentence: `is required` → `The X is required.`; a
/// reason that is a sentence already stays as it is.
pub fn field_sentence(subject: &str, reason: &str) -> String {
    let starts_lower = reason.chars().next().is_some_and(char::is_lowercase);
    let mut text = if starts_lower {
        format!("{subject} {reason}")
    } else {
        reason.to_owned()
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::field_sentence;

    #[test]
    fn api_reasons_become_sentences() {
        assert_eq!(
            field_sentence("The current password", "is not your current password"),
            "The current password is not your current password."
        );
        assert_eq!(
            field_sentence("The new password", "This password is too easy to guess."),
            "This password is too easy to guess."
        );
    }
}
