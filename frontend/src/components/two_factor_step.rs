//! The second step of signing in with two-factor sign-in on: a code from the authenticator app,
//! one of the account's passkeys, or one of the recovery codes — whichever the server offers.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    LoginResponse, MfaRequest, MfaRequiredResponse, PasskeyAssertion, PasskeyMfaOptionsRequest,
};

use crate::api;
use crate::components::two_factor::{recovery_input, sign_in_problem, totp_digits};
use crate::passkey_text::{Refusal, second_step_problem};
use crate::webauthn;

/// The passkey as the second step: a ceremony for this sign-in (`mfa_token`), the browser's
/// prompt, and its answer to `POST /api/v1/auth/mfa`.
async fn passkey_step(mfa_token: String) -> Result<LoginResponse, Refusal> {
    let refused = |e: api::ApiError| Refusal::from_api(&e, second_step_problem);
    let ceremony = api::mfa_passkey_options(&PasskeyMfaOptionsRequest {
        mfa_token: mfa_token.clone(),
    })
    .await
    .map_err(refused)?;
    let credential = webauthn::get(&ceremony.options)
        .await
        .map_err(Refusal::Say)?;
    let body = MfaRequest {
        mfa_token,
        code: None,
        recovery_code: None,
        passkey: Some(PasskeyAssertion {
            ceremony_id: ceremony.ceremony_id,
            credential,
        }),
    };
    api::complete_sign_in(&body).await.map_err(refused)
}

/// The second step's card ("Two-factor code", or "Two-factor sign-in" when no app is set up:
/// then a passkey comes first). `wait` is the sign-in page's countdown after a 429 (shared with
/// the password step); `on_back` returns to the password step; `on_signed_in` gets the session.
#[component]
pub fn TwoFactorStep(
    challenge: MfaRequiredResponse,
    wait: RwSignal<u64>,
    on_back: Callback<()>,
    on_signed_in: Callback<LoginResponse>,
) -> impl IntoView {
    let offers = |method: &str| challenge.methods.iter().any(|m| m == method);
    let can_totp = offers("totp") || challenge.methods.is_empty();
    let can_recovery = offers("recovery_code");
    let offers_passkey = offers("passkey");
    let can_passkey = offers_passkey && webauthn::supported();
    // Without the app, a passkey is the everyday way and recovery codes the fallback: they wait
    // behind a link.
    let passkey_first = can_passkey && !can_totp;
    let token = StoredValue::new(challenge.mfa_token);

    let show_codes = RwSignal::new(can_totp || (can_recovery && !passkey_first));
    let recovery = RwSignal::new(!can_totp && can_recovery);
    let code = RwSignal::new(String::new());
    let recovery_code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let code_input = NodeRef::<html::Input>::new();
    let recovery_code_input = NodeRef::<html::Input>::new();
    let passkey_button = NodeRef::<html::Button>::new();

    // The field shown gets the focus (on arrival, and after switching); the passkey button when
    // it comes first.
    Effect::new(move |_| {
        if !show_codes.get() {
            if let Some(el) = passkey_button.get() {
                let _ = el.focus();
            }
            return;
        }
        let target = if recovery.get() {
            recovery_code_input.get()
        } else {
            code_input.get()
        };
        if let Some(el) = target {
            let _ = el.focus();
        }
    });

    let use_passkey = move |_| {
        if busy.get_untracked() || wait.get_untracked() > 0 {
            return;
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match passkey_step(token.get_value()).await {
                Ok(answer) => on_signed_in.run(answer),
                Err(Refusal::Wait(secs)) => {
                    wait.try_set(secs);
                }
                Err(Refusal::Say(why)) => {
                    error.try_set(Some(why));
                }
            }
            busy.try_set(false);
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || wait.get_untracked() > 0 {
            return;
        }
        let using_recovery = recovery.get_untracked();
        let mut body = MfaRequest {
            mfa_token: token.get_value(),
            code: None,
            recovery_code: None,
            passkey: None,
        };
        if using_recovery {
            let Some(given) = recovery_input(&recovery_code.get_untracked()) else {
                error.set(Some("Enter one of your recovery codes.".into()));
                return;
            };
            body.recovery_code = Some(given);
        } else {
            let Some(given) = totp_digits(&code.get_untracked()) else {
                error.set(Some(
                    "Enter the 6-digit code your authenticator app shows.".into(),
                ));
                return;
            };
            body.code = Some(given);
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::complete_sign_in(&body).await {
                Ok(answer) => on_signed_in.run(answer),
                Err(e) if e.status == 429 => match e.retry_after {
                    Some(secs) => {
                        wait.try_set(secs.max(1));
                    }
                    None => {
                        error.try_set(Some(e.message));
                    }
                },
                Err(e) => {
                    error.try_set(Some(sign_in_problem(&e.code, &e.message, using_recovery)));
                    if e.code == "invalid_code" {
                        code.try_set(String::new());
                        recovery_code.try_set(String::new());
                    }
                }
            }
            busy.try_set(false);
        });
    };

    let switch = move |_| {
        error.set(None);
        recovery.update(|r| *r = !*r);
    };

    let message = move || {
        let secs = wait.get();
        if secs > 0 {
            Some(format!("Too many attempts, try again in {secs} s."))
        } else {
            error.get()
        }
    };

    let heading = if can_totp {
        "Two-factor code"
    } else {
        "Two-factor sign-in"
    };

    let passkey_block = move || {
        let class = if passkey_first { "btn" } else { "btn ghost" };
        view! {
            <div class="passkey-step">
                {if passkey_first {
                    view! { <p class="muted">"Confirm it is you with one of your passkeys."</p> }.into_any()
                } else {
                    view! { <p class="muted">"or"</p> }.into_any()
                }}
                <div class="actions">
                    // Back sits beside the passkey while no code form (with its own Back) shows.
                    <Show when=move || passkey_first && !show_codes.get()>
                        <button type="button" class="btn ghost" on:click=move |_| on_back.run(())>"Back"</button>
                    </Show>
                    <button
                        type="button"
                        class=class
                        node_ref=passkey_button
                        on:click=use_passkey
                        disabled=move || { busy.get() || wait.get() > 0 }
                    >
                        "Use a passkey"
                    </button>
                </div>
            </div>
        }
    };

    let code_form = move || {
        view! {
            <form class="form" on:submit=submit novalidate>
                <Show
                    when=move || recovery.get()
                    fallback=move || {
                        view! {
                            <p class="muted" id="mfa-code-hint">
                                "Enter the 6-digit code your authenticator app shows for Plexward."
                            </p>
                            <div class="field">
                                <label for="mfa-code">"Code"</label>
                                <input
                                    id="mfa-code"
                                    name="code"
                                    type="text"
                                    inputmode="numeric"
                                    autocomplete="one-time-code"
                                    autocapitalize="off"
                                    spellcheck="false"
                                    required
                                    aria-describedby="mfa-code-hint"
                                    node_ref=code_input
                                    prop:value=move || code.get()
                                    on:input:target=move |ev| code.set(ev.target().value())
                                />
                            </div>
                        }
                    }
                >
                    <p class="muted" id="mfa-recovery-hint">
                        "Enter one of the recovery codes you saved when you set up two-factor \
                         sign-in. Each works once."
                    </p>
                    <div class="field">
                        <label for="mfa-recovery-code">"Recovery code"</label>
                        <input
                            id="mfa-recovery-code"
                            name="recovery_code"
                            type="text"
                            autocomplete="off"
                            autocapitalize="off"
                            spellcheck="false"
                            required
                            aria-describedby="mfa-recovery-hint"
                            node_ref=recovery_code_input
                            prop:value=move || recovery_code.get()
                            on:input:target=move |ev| recovery_code.set(ev.target().value())
                        />
                    </div>
                </Show>
                {(can_totp && can_recovery)
                    .then(|| {
                        view! {
                            <p>
                                <button type="button" class="link-button" on:click=switch>
                                    {move || {
                                        if recovery.get() {
                                            "Use a code from the app instead"
                                        } else {
                                            "Use a recovery code instead"
                                        }
                                    }}
                                </button>
                            </p>
                        }
                    })}
                <div class="actions">
                    <button type="button" class="btn ghost" on:click=move |_| on_back.run(())>
                        "Back"
                    </button>
                    <button type="submit" class="btn" disabled=move || { busy.get() || wait.get() > 0 }>
                        {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </div>
            </form>
        }
    };

    // While no code form shows: the way to the recovery codes; and Back, when the passkey's
    // button is not there to sit beside (a browser that cannot use passkeys).
    let no_codes = move || {
        view! {
            {can_recovery.then(|| view! {
                <p>
                    <button
                        type="button"
                        class="link-button"
                        on:click=move |_| {
                            error.set(None);
                            show_codes.set(true);
                        }
                    >
                        "Use a recovery code instead"
                    </button>
                </p>
            })}
            {(!passkey_first).then(|| view! {
                <div class="actions">
                    <button type="button" class="btn ghost" on:click=move |_| on_back.run(())>"Back"</button>
                </div>
            })}
        }
    };

    view! {
        <section class="card glass auth-card" aria-labelledby="mfa-step-title">
            <h1 id="mfa-step-title">{heading}</h1>
            <Show when=move || message().is_some()>
                <p class="alert error" role="alert" data-testid="mfa-error">{message}</p>
            </Show>
            {(offers_passkey && !can_passkey).then(|| view! {
                <p class="alert info" data-testid="mfa-passkey-unsupported">
                    "One of your passkeys could finish this sign-in, but this browser cannot use \
                     passkeys: use a newer browser, or another way below."
                </p>
            })}
            {passkey_first.then(passkey_block)}
            <Show when=move || show_codes.get() fallback=no_codes>
                {code_form}
            </Show>
            {(can_passkey && !passkey_first).then(passkey_block)}
        </section>
    }
}
