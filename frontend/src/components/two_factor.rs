//! Two-factor sign-in on My account: whether it is on, setting up an authenticator app (QR code,
//! the key to type, a code to prove it), the recovery codes shown once, and turning it off with
//! the password. Also the pure helpers the sign-in step shares.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    MfaStatusResponse, TotpConfirmRequest, TotpDisableRequest, TotpEnrolmentResponse,
};

use crate::api;
use crate::components::change_password_form::field_sentence;
use crate::components::form_field::FormField;
use crate::components::password_input::PasswordInput;
use crate::components::secret_dialog::copy_to_clipboard;

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

/// What the status line says.
pub fn status_text(status: &MfaStatusResponse) -> String {
    if !status.totp {
        return "Off: signing in takes only your password.".into();
    }
    let left = match status.recovery_codes_left {
        0 => "No recovery codes left: turn two-factor sign-in off and on again for new ones."
            .to_owned(),
        1 => "1 recovery code left.".to_owned(),
        n => format!("{n} recovery codes left."),
    };
    format!("On: signing in asks for a code from your authenticator app. {left}")
}

/// The recovery codes as a text file, one a line, with what they are.
pub fn recovery_codes_file(username: &str, codes: &[String]) -> String {
    let mut text = format!(
        "Plexward recovery codes for {username}\n\
         Each works once, in place of a code from your authenticator app.\n\n"
    );
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
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
) -> impl IntoView {
    let changed = RwSignal::new(0_u32);
    let status = LocalResource::new(move || {
        changed.track();
        api::my_mfa()
    });
    let enrolment = RwSignal::new(None::<TotpEnrolmentResponse>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let turning_off = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let password = RwSignal::new(String::new());
    let password_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let copied = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);

    let clear_messages = move || {
        error.set(None);
        notice.set(None);
        code_error.set(None);
        password_error.set(None);
    };

    let set_up = move |_| {
        if busy.get_untracked() {
            return;
        }
        clear_messages();
        busy.set(true);
        spawn_local(async move {
            match api::enrol_totp().await {
                Ok(answer) => {
                    code.set(String::new());
                    enrolment.set(Some(answer));
                }
                Err(e) => {
                    error.set(Some(e.message));
                    changed.update(|n| *n += 1);
                }
            }
            busy.set(false);
        });
    };

    let cancel_setup = move |_| {
        clear_messages();
        enrolment.set(None);
        code.set(String::new());
    };

    let turn_on = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        clear_messages();
        let Some(digits) = totp_digits(&code.get_untracked()) else {
            code_error.set(Some(
                "Enter the 6-digit code your authenticator app shows.".into(),
            ));
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match api::confirm_totp(&TotpConfirmRequest {
                code: digits,
                end_other_sessions: None,
                revoke_tokens: None,
            })
            .await
            {
                Ok(answer) => {
                    enrolment.set(None);
                    code.set(String::new());
                    copied.set(None);
                    codes.set(Some(answer.recovery_codes));
                    changed.update(|n| *n += 1);
                }
                Err(e) => match e.field("code") {
                    Some(reason) => code_error.set(Some(field_sentence("The code", &reason))),
                    None => error.set(Some(e.message)),
                },
            }
            busy.set(false);
        });
    };

    let copy_codes = move |_| {
        let text = codes.with_untracked(|c| c.as_deref().map(|c| c.join("\n")).unwrap_or_default());
        spawn_local(async move {
            let status = if copy_to_clipboard(&text).await {
                "Copied to the clipboard."
            } else {
                "The browser gives no clipboard here: download them, or select and copy them."
            };
            copied.try_set(Some(status));
        });
    };

    let saved = move |_| {
        codes.set(None);
        copied.set(None);
        notice.set(Some("Two-factor sign-in is on.".into()));
    };

    let ask_off = move |_| {
        clear_messages();
        password.set(String::new());
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
        busy.set(true);
        spawn_local(async move {
            match api::disable_totp(&TotpDisableRequest {
                password: given,
                end_other_sessions: None,
                revoke_tokens: None,
            })
            .await
            {
                Ok(()) => {
                    password.set(String::new());
                    turning_off.set(false);
                    notice.set(Some("Two-factor sign-in is off.".into()));
                    changed.update(|n| *n += 1);
                }
                Err(e) => match e.field("password") {
                    Some(reason) => {
                        password_error.set(Some(field_sentence("That", &reason)));
                    }
                    None if e.status == 401 => {
                        password_error.set(Some("That is not your password.".into()));
                    }
                    None => error.set(Some(e.message)),
                },
            }
            busy.set(false);
        });
    };

    let recovery_view = move |list: Vec<String>| {
        let file = text_data_uri(&recovery_codes_file(&username.get_untracked(), &list));
        view! {
            <div class="two-factor-codes">
                <p class="alert success" role="status">"Two-factor sign-in is on."</p>
                <h3>"Your recovery codes"</h3>
                <p class="warning-text">"Save them now: you won't see them again."</p>
                <p class="hint">
                    "If you lose your phone, each of these signs you in once in place of a code. \
                     Copy them or download them as a file, and keep them somewhere safe, like a \
                     password manager."
                </p>
                <ol class="recovery-codes" data-testid="recovery-codes">
                    {list
                        .into_iter()
                        .map(|c| view! { <li><code>{c}</code></li> })
                        .collect_view()}
                </ol>
                <p class="hint" role="status" aria-live="polite">{move || copied.get()}</p>
                <div class="actions">
                    <button type="button" class="btn ghost" on:click=copy_codes>"Copy"</button>
                    <a class="btn ghost" href=file download="plexward-recovery-codes.txt">"Download"</a>
                    <button type="button" class="btn" on:click=saved>"I have saved them"</button>
                </div>
            </div>
        }
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
                    <div class="actions">
                        <button type="button" class="btn ghost" on:click=cancel_setup>"Cancel"</button>
                        <button type="submit" class="btn" disabled=move || busy.get()>"Turn on"</button>
                    </div>
                </form>
            </div>
        }
    };

    let off_form = move || {
        view! {
            <form class="form narrow" on:submit=turn_off novalidate aria-label="Turn off two-factor sign-in">
                <p>"Enter your password to turn two-factor sign-in off. Your recovery codes stop working too."</p>
                <PasswordInput
                    id="mfa-password"
                    label="Password"
                    value=password
                    autocomplete="current-password"
                    error=password_error
                />
                <div class="actions">
                    <button type="button" class="btn ghost" on:click=cancel_off>"Cancel"</button>
                    <button type="submit" class="btn danger" disabled=move || busy.get()>"Turn off"</button>
                </div>
            </form>
        }
    };

    let body = move || {
        if let Some(list) = codes.get() {
            return recovery_view(list).into_any();
        }
        if let Some(setup) = enrolment.get() {
            return enrol_view(setup).into_any();
        }
        match status.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => {
                view! { <p class="alert error" role="alert">{e.message}</p> }.into_any()
            }
            Some(Ok(s)) => {
                let on = s.totp;
                view! {
                    <p data-testid="mfa-status">
                        <span class=if on { "pill ok" } else { "pill warn" }>{if on { "On" } else { "Off" }}</span>
                        " "
                        {status_text(&s)}
                    </p>
                    {if !on {
                        view! {
                            <div class="actions">
                                <button type="button" class="btn" on:click=set_up disabled=move || busy.get()>"Set up"</button>
                            </div>
                        }
                        .into_any()
                    } else if turning_off.get() {
                        off_form().into_any()
                    } else {
                        view! {
                            <div class="actions">
                                <button type="button" class="btn danger" on:click=ask_off>"Turn off"</button>
                            </div>
                        }
                        .into_any()
                    }}
                }
                .into_any()
            }
        }
    };

    view! {
        <section class="card glass" aria-labelledby="mfa-title">
            <h2 id="mfa-title">"Two-factor sign-in"</h2>
            <p class="muted">
                "With it on, signing in asks for a code from an authenticator app on your phone \
                 after your password, so a stolen password alone is not enough."
            </p>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert error" role="alert">{move || error.get()}</p>
            </Show>
            <Show when=move || notice.with(Option::is_some)>
                <p class="alert success" role="status">{move || notice.get()}</p>
            </Show>
            {body}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use plexward_shared::MfaStatusResponse;

    use super::{
        base64, group_secret, recovery_codes_file, recovery_input, sign_in_problem, status_text,
        svg_data_uri, text_data_uri, totp_digits,
    };

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
        let off = MfaStatusResponse {
            required_by_role: false,
            totp: false,
            recovery_codes_left: 0,
        };
        assert!(status_text(&off).starts_with("Off"));
        let on = |left| MfaStatusResponse {
            required_by_role: false,
            totp: true,
            recovery_codes_left: left,
        };
        assert!(status_text(&on(10)).ends_with("10 recovery codes left."));
        assert!(status_text(&on(1)).ends_with("1 recovery code left."));
        assert!(status_text(&on(0)).contains("No recovery codes left"));
    }

    #[test]
    fn the_codes_file_lists_every_code() {
        let codes = vec!["aaaaa-bbbbb".to_owned(), "ccccc-ddddd".to_owned()];
        let file = recovery_codes_file("admin", &codes);
        assert!(file.starts_with("Plexward recovery codes for admin\n"));
        assert!(file.ends_with("\naaaaa-bbbbb\nccccc-ddddd\n"));
    }

    #[test]
    fn sign_in_problems_in_words() {
        assert!(sign_in_problem("invalid_code", "x", false).starts_with("That code is wrong"));
        assert!(
            sign_in_problem("invalid_code", "x", true).starts_with("That recovery code is wrong")
        );
        assert!(sign_in_problem("mfa_expired", "x", false).contains("expired"));
        assert_eq!(
            sign_in_problem("account_disabled", "Disabled.", false),
            "Disabled."
        );
    }
}
