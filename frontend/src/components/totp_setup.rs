//! Setting up an authenticator app, start to end: the QR code and the key (asked for on
//! arrival), a current code to prove the app has it, then the recovery codes, shown once. Both
//! My account's "Two-factor sign-in" card and the page a role that requires it is sent to use it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{TotpConfirmRequest, TotpEnrolmentResponse};

use crate::api;
use crate::components::change_password_form::field_sentence;
use crate::components::form_field::FormField;
use crate::components::recovery_codes::RecoveryCodes;
use crate::components::sign_out_choices::SignOutChoices;
use crate::components::two_factor::totp_digits;

/// Standard base64 (RFC 4648, padded).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [n >> 18, n >> 12, n >> 6, n];
        for (i, sextet) in sextets.into_iter().enumerate() {
            // Chunk of 1 byte: 2 characters, of 2: 3, of 3: 4; the rest is padding.
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(sextet & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The QR code (an SVG document from the server) as an image address. The page's CSP allows
/// `data:` images (`img-src 'self' data:`), and an `<img>` never runs what an SVG holds.
pub fn svg_data_uri(svg: &str) -> String {
    format!("data:image/svg+xml;base64,{}", base64(svg.as_bytes()))
}

/// A text file's content as an address a download link can point at.
pub fn text_data_uri(text: &str) -> String {
    format!(
        "data:text/plain;charset=utf-8;base64,{}",
        base64(text.as_bytes())
    )
}

/// The base32 key in groups of four, easier to type by hand (apps ignore the spaces).
pub fn group_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The recovery codes as a text file, one a line, with what they are.
pub fn recovery_codes_file(username: &str, codes: &[String]) -> String {
    let mut text = format!(
        "Plexward recovery codes for {username}\n\
         Each works once, in place of a code from your authenticator app or a passkey.\n\n"
    );
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

/// What the recovery codes are for, here.
const IF_LOST: &str = "If you lose your phone, each of these signs you in once in place of a code.";

/// The setup. It asks the server for a new key as it appears, so show it only when setting up
/// is what the user chose (or must do).
#[component]
pub fn TotpSetup(
    /// The account's name (for the recovery codes file).
    #[prop(into)]
    username: Signal<String>,
    /// Bumped when the account's tokens change (see `SignOutChoices`); `None`: they cannot be
    /// listed from here.
    tokens_changed: Option<RwSignal<u32>>,
    /// The server turned it on; the recovery codes show now.
    on_confirmed: Callback<()>,
    /// The user has saved the recovery codes: the setup is over.
    on_saved: Callback<()>,
    /// Gives up before it is on; `None`: no way back (a role that requires it).
    #[prop(optional)]
    on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let enrolment = LocalResource::new(api::enrol_totp);
    let codes = RwSignal::new(None::<Vec<String>>);
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Turning it on is not about a leak: the other sessions and tokens stay unless asked.
    let end_sessions = RwSignal::new(false);
    let revoke_tokens = RwSignal::new(false);

    let turn_on = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        code_error.set(None);
        let Some(digits) = totp_digits(&code.get_untracked()) else {
            code_error.set(Some(
                "Enter the 6-digit code your authenticator app shows.".into(),
            ));
            return;
        };
        let body = TotpConfirmRequest {
            code: digits,
            end_other_sessions: Some(end_sessions.get_untracked()),
            revoke_tokens: Some(revoke_tokens.get_untracked()),
        };
        busy.set(true);
        spawn_local(async move {
            match api::confirm_totp(&body).await {
                Ok(answer) => {
                    code.set(String::new());
                    codes.set(Some(answer.recovery_codes));
                    if let Some(changed) = tokens_changed
                        && body.revoke_tokens == Some(true)
                    {
                        changed.update(|n| *n += 1);
                    }
                    on_confirmed.run(());
                }
                Err(e) => match e.field("code") {
                    Some(reason) => code_error.set(Some(field_sentence("The code", &reason))),
                    None => error.set(Some(e.message)),
                },
            }
            busy.set(false);
        });
    };

    let cancel_button = move || {
        on_cancel.map(|cancel| {
            view! {
                <button type="button" class="btn ghost" on:click=move |_| cancel.run(())>"Cancel"</button>
            }
        })
    };

    let enrol_view = move |setup: TotpEnrolmentResponse| {
        view! {
            <div class="two-factor-setup" data-testid="totp-setup">
                <ol class="steps">
                    <li>
                        <p>"Scan this QR code with your authenticator app (e.g. Aegis, Google Authenticator, 1Password):"</p>
                        <img
                            class="qr"
                            src=svg_data_uri(&setup.qr_svg)
                            alt="QR code to add Plexward to your authenticator app"
                            width="200"
                            height="200"
                            data-testid="totp-qr"
                        />
                    </li>
                    <li>
                        <p>"Can't scan it? Enter this key in the app instead (time-based, 6 digits):"</p>
                        <p><code class="mono secret-key" data-testid="totp-secret">{group_secret(&setup.secret)}</code></p>
                    </li>
                    <li><p>"Enter the code the app now shows for Plexward:"</p></li>
                </ol>
                <form class="form narrow" on:submit=turn_on novalidate aria-label="Turn on two-factor sign-in">
                    <FormField id="totp-code" label="Code" error=code_error>
                        <input
                            type="text"
                            inputmode="numeric"
                            autocomplete="one-time-code"
                            autocapitalize="off"
                            spellcheck="false"
                            required
                            prop:value=move || code.get()
                            on:input:target=move |ev| code.set(ev.target().value())
                        />
                    </FormField>
                    <p class="hint">"Your other sessions signed in without a code; ending them makes them sign in again with one."</p>
                    <SignOutChoices id="totp-on-ends" end_sessions revoke_tokens tokens_changed />
                    <Show when=move || error.with(Option::is_some)>
                        <p class="alert error" role="alert">{move || error.get()}</p>
                    </Show>
                    <div class="actions">
                        {cancel_button}
                        <button type="submit" class="btn" disabled=move || busy.get()>"Turn on"</button>
                    </div>
                </form>
            </div>
        }
    };

    move || {
        if let Some(list) = codes.get() {
            return view! { <RecoveryCodes username codes=list if_lost=IF_LOST on_saved /> }
                .into_any();
        }
        match enrolment.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! {
                <p class="alert error" role="alert">{e.message}</p>
                <div class="actions">
                    {cancel_button}
                    <button type="button" class="btn" on:click=move |_| enrolment.refetch()>"Try again"</button>
                </div>
            }
            .into_any(),
            Some(Ok(setup)) => enrol_view(setup).into_any(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{base64, group_secret, recovery_codes_file, svg_data_uri, text_data_uri};

    #[test]
    fn base64_matches_rfc_4648() {
        // RFC 4648 §10's test vectors.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn data_uris_carry_their_type() {
        assert_eq!(svg_data_uri("<svg/>"), "data:image/svg+xml;base64,PHN2Zy8+");
        assert_eq!(
            text_data_uri("é"),
            "data:text/plain;charset=utf-8;base64,w6k="
        );
    }

    #[test]
    fn secrets_show_in_groups_of_four() {
        assert_eq!(group_secret("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(group_secret("ABCDEF"), "ABCD EF");
        assert_eq!(group_secret(""), "");
    }

    #[test]
    fn the_codes_file_lists_every_code() {
        let codes = vec!["aaaaa-bbbbb".to_owned(), "ccccc-ddddd".to_owned()];
        let file = recovery_codes_file("admin", &codes);
        assert!(file.starts_with("Plexward recovery codes for admin\n"));
        assert!(file.ends_with("\naaaaa-bbbbb\nccccc-ddddd\n"));
    }
}
