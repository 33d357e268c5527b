//! Two-factor sign-in on My account: whether it is on, setting it up (`totp_setup.rs`), and
//! turning it off with the password. Also the pure helpers the sign-in step shares.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{MfaStatusResponse, TotpDisableRequest};

use crate::api;
use crate::components::change_password_form::field_sentence;
use crate::components::password_input::PasswordInput;
use crate::components::sign_out_choices::SignOutChoices;
use crate::components::totp_setup::TotpSetup;

/// A code from the app as typed (spaces and dashes aside): the six digits, or `None`.
pub fn totp_digits(input: &str) -> Option<String> {
    let digits: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// A recovery code as typed, trimmed and lower-cased (the server ignores case, spaces and
/// dashes too): `None` when nothing was typed.
pub fn recovery_input(input: &str) -> Option<String> {
    let code = input.trim().to_ascii_lowercase();
    code.chars()
        .any(|c| c.is_ascii_alphanumeric())
        .then_some(code)
}

/// What asks for the second step, in words: `None` when nothing does (two-factor sign-in is off).
fn second_factors(status: &MfaStatusResponse) -> Option<&'static str> {
    match (status.totp, status.passkeys) {
        (false, 0) => None,
        (true, 0) => Some("a code from your authenticator app"),
        (false, 1) => Some("your passkey"),
        (false, _) => Some("one of your passkeys"),
        (true, 1) => Some("a code from your authenticator app or your passkey"),
        (true, _) => Some("a code from your authenticator app or one of your passkeys"),
    }
}

/// Whether two-factor sign-in is on: an authenticator app or any passkey makes a password
/// sign-in ask for a second step.
pub fn is_on(status: &MfaStatusResponse) -> bool {
    second_factors(status).is_some()
}

/// What the status line says.
pub fn status_text(status: &MfaStatusResponse) -> String {
    let Some(factors) = second_factors(status) else {
        return "Off: signing in takes only your password.".into();
    };
    let left = match status.recovery_codes_left {
        0 => "No recovery codes left: turn two-factor sign-in off and on again for new ones."
            .to_owned(),
        1 => "1 recovery code left.".to_owned(),
        n => format!("{n} recovery codes left."),
    };
    format!("On: after your password, signing in asks for {factors}. {left}")
}

/// Why the second step of a sign-in failed, in words.
pub fn sign_in_problem(code: &str, message: &str, recovery: bool) -> String {
    match code {
        "invalid_code" if recovery => {
            "That recovery code is wrong or was already used: each works once.".into()
        }
        "invalid_code" => {
            "That code is wrong or was already used: enter the code your app shows now.".into()
        }
        "invalid_passkey" => crate::passkey_text::second_step_problem(code, message),
        "mfa_expired" => {
            "This sign-in has expired (after 5 minutes, or too many wrong codes): go back and \
             sign in again with your password."
                .into()
        }
        _ => message.to_owned(),
    }
}

/// The "Two-factor sign-in" card of My account.
#[component]
pub fn TwoFactorSettings(
    /// The account's name (for the recovery codes file).
    #[prop(into)]
    username: Signal<String>,
    /// Bumped when the account's tokens change (turning it on or off may revoke them).
    tokens_changed: RwSignal<u32>,
    /// Bumped when the account's second factors change here or elsewhere on the page (a passkey
    /// added or removed): the status is read again.
    changed: RwSignal<u32>,
) -> impl IntoView {
    let status = LocalResource::new(move || {
        changed.track();
        api::my_mfa()
    });
    let setting_up = RwSignal::new(false);
    let turning_off = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let password_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Turning it off is not about a leak either: the rest stays unless asked.
    let end_sessions = RwSignal::new(false);
    let revoke_tokens = RwSignal::new(false);

    let clear_messages = move || {
        error.set(None);
        notice.set(None);
        password_error.set(None);
    };

    let set_up = move |_| {
        clear_messages();
        setting_up.set(true);
    };
    let on_confirmed = Callback::new(move |()| changed.update(|n| *n += 1));
    let on_saved = Callback::new(move |()| {
        setting_up.set(false);
        notice.set(Some("Two-factor sign-in is on.".into()));
    });
    // Also re-reads the status: it may have been turned on elsewhere meanwhile.
    let on_cancel = Callback::new(move |()| {
        setting_up.set(false);
        changed.update(|n| *n += 1);
    });

    let ask_off = move |_| {
        clear_messages();
        password.set(String::new());
        end_sessions.set(false);
        revoke_tokens.set(false);
        turning_off.set(true);
    };

    let cancel_off = move |_| {
        clear_messages();
        password.set(String::new());
        turning_off.set(false);
    };

    let turn_off = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        clear_messages();
        let given = password.get_untracked();
        if given.is_empty() {
            password_error.set(Some("Enter your password.".into()));
            return;
        }
        let revoke = revoke_tokens.get_untracked();
        // With passkeys left, two-factor sign-in stays on: only the app's codes go.
        let passkeys_left = status
            .get_untracked()
            .and_then(Result::ok)
            .is_some_and(|s| s.passkeys > 0);
        let body = TotpDisableRequest {
            password: given,
            end_other_sessions: Some(end_sessions.get_untracked()),
            revoke_tokens: Some(revoke),
        };
        busy.set(true);
        spawn_local(async move {
            match api::disable_totp(&body).await {
                Ok(()) => {
                    password.set(String::new());
                    turning_off.set(false);
                    notice.set(Some(if passkeys_left {
                        "Codes from the app are off; your passkeys still work as the second step."
                            .into()
                    } else {
                        "Two-factor sign-in is off.".into()
                    }));
                    changed.update(|n| *n += 1);
                    if revoke {
                        tokens_changed.update(|n| *n += 1);
                    }
                }
                Err(e) => match e.field("password") {
                    Some(reason) => {
                        password_error.set(Some(field_sentence("That", &reason)));
                    }
                    None if e.status == 401 => {
                        password_error.set(Some("That is not your password.".into()));
                    }
                    // 409 `mfa_required`: the message names the role that requires it.
                    None => error.set(Some(e.message)),
                },
            }
            busy.set(false);
        });
    };

    let off_form = move |passkeys: u32| {
        let words = if passkeys == 0 {
            "Enter your password to turn two-factor sign-in off. Your recovery codes stop working too."
        } else {
            "Enter your password to stop asking for codes from the app. Your passkeys keep \
             working as the second step."
        };
        view! {
            <form class="form narrow" on:submit=turn_off novalidate aria-label="Turn off codes from the app">
                <p>{words}</p>
                <PasswordInput
                    id="mfa-password"
                    label="Password"
                    value=password
                    autocomplete="current-password"
                    error=password_error
                />
                <SignOutChoices
                    id="totp-off-ends"
                    end_sessions
                    revoke_tokens
                    tokens_changed=Some(tokens_changed)
                />
                <div class="actions">
                    <button type="button" class="btn ghost" on:click=cancel_off>"Cancel"</button>
                    <button type="submit" class="btn danger" disabled=move || busy.get()>"Turn off"</button>
                </div>
            </form>
        }
    };

    let status_view = move || match status.get() {
        None => view! { <p class="muted">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
        Some(Ok(s)) => {
            let on = is_on(&s);
            view! {
                <p data-testid="mfa-status">
                    <span class=if on { "pill ok" } else { "pill warn" }>{if on { "On" } else { "Off" }}</span>
                    " "
                    {status_text(&s)}
                </p>
                {if !s.totp {
                    // Passkeys are added in their own card below; with one there, the app is
                    // the lesser choice.
                    let class = if on { "btn ghost" } else { "btn" };
                    view! {
                        <div class="actions">
                            <button type="button" class=class on:click=set_up>"Set up an authenticator app"</button>
                        </div>
                    }
                    .into_any()
                } else if s.required_by_role && s.passkeys == 0 {
                    // The server would refuse (409 `mfa_required`): say so before a password is
                    // typed. With a passkey left, the app's codes may go.
                    view! {
                        <p class="muted" data-testid="mfa-required">
                            "An admin requires two-factor sign-in for your role, so it stays on."
                        </p>
                    }
                    .into_any()
                } else if turning_off.get() {
                    off_form(s.passkeys).into_any()
                } else {
                    let label = if s.passkeys == 0 { "Turn off" } else { "Turn off codes from the app" };
                    view! {
                        <div class="actions">
                            <button type="button" class="btn danger" on:click=ask_off>{label}</button>
                        </div>
                    }
                    .into_any()
                }}
            }
            .into_any()
        }
    };

    view! {
        <section class="card glass" aria-labelledby="mfa-title">
            <h2 id="mfa-title">"Two-factor sign-in"</h2>
            <p class="muted">
                "With it on, signing in asks for a code from an authenticator app on your phone, or \
                 for one of your passkeys, after your password, so a stolen password alone is not \
                 enough."
            </p>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert error" role="alert">{move || error.get()}</p>
            </Show>
            <Show when=move || notice.with(Option::is_some)>
                <p class="alert success" role="status">{move || notice.get()}</p>
            </Show>
            // A `Show`, not a branch of the status view: the setup must not start over (with a
            // new key) when the status is read again.
            <Show when=move || setting_up.get() fallback=status_view>
                <TotpSetup
                    username
                    tokens_changed=Some(tokens_changed)
                    on_confirmed
                    on_saved
                    on_cancel
                />
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use plexward_shared::MfaStatusResponse;

    use super::{is_on, recovery_input, sign_in_problem, status_text, totp_digits};

    #[test]
    fn codes_are_six_digits_as_typed() {
        assert_eq!(totp_digits("123456").as_deref(), Some("123456"));
        assert_eq!(totp_digits(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(totp_digits("123-456").as_deref(), Some("123456"));
        assert_eq!(totp_digits("12345"), None);
        assert_eq!(totp_digits("1234567"), None);
        assert_eq!(totp_digits("12345a"), None);
        assert_eq!(totp_digits("١٢٣٤٥٦"), None, "ASCII digits only");
    }

    #[test]
    fn recovery_codes_are_trimmed_and_lower_cased() {
        assert_eq!(
            recovery_input("  ABCDE-fghij ").as_deref(),
            Some("abcde-fghij")
        );
        assert_eq!(recovery_input("   "), None);
        assert_eq!(recovery_input(" - "), None);
    }

    #[test]
    fn status_says_on_off_and_codes_left() {
        let status = |totp, passkeys, left| MfaStatusResponse {
            required_by_role: false,
            totp,
            passkeys,
            recovery_codes_left: left,
        };
        let off = status(false, 0, 0);
        assert!(status_text(&off).starts_with("Off"));
        assert!(!is_on(&off));
        let on = |left| status(true, 0, left);
        assert!(status_text(&on(10)).ends_with("10 recovery codes left."));
        assert!(status_text(&on(1)).ends_with("1 recovery code left."));
        assert!(status_text(&on(0)).contains("No recovery codes left"));
        assert!(status_text(&on(10)).contains("a code from your authenticator app."));
    }

    #[test]
    fn passkeys_alone_turn_it_on() {
        let status = |totp, passkeys| MfaStatusResponse {
            required_by_role: false,
            totp,
            passkeys,
            recovery_codes_left: 10,
        };
        assert!(is_on(&status(false, 1)));
        assert_eq!(
            status_text(&status(false, 1)),
            "On: after your password, signing in asks for your passkey. 10 recovery codes left."
        );
        assert!(status_text(&status(false, 3)).contains("one of your passkeys."));
        assert!(
            status_text(&status(true, 2))
                .contains("a code from your authenticator app or one of your passkeys.")
        );
    }

    #[test]
    fn sign_in_problems_in_words() {
        assert!(sign_in_problem("invalid_code", "x", false).starts_with("That code is wrong"));
        assert!(
            sign_in_problem("invalid_code", "x", true).starts_with("That recovery code is wrong")
        );
        assert!(sign_in_problem("mfa_expired", "x", false).contains("expired"));
        assert!(sign_in_problem("invalid_passkey", "x", false).contains("passkey"));
        assert_eq!(
            sign_in_problem("account_disabled", "Disabled.", false),
            "Disabled."
        );
    }
}
