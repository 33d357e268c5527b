//! The second step of signing in with two-factor sign-in on: a code from the authenticator app,
//! or one of the recovery codes.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{LoginResponse, MfaRequest, MfaRequiredResponse};

use crate::api;
use crate::components::two_factor::{recovery_input, sign_in_problem, totp_digits};

/// The "Two-factor code" card. `wait` is the sign-in page's countdown after a 429 (shared with
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
    let token = StoredValue::new(challenge.mfa_token);

    let recovery = RwSignal::new(!can_totp && can_recovery);
    let code = RwSignal::new(String::new());
    let recovery_code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let code_input = NodeRef::<html::Input>::new();
    let recovery_code_input = NodeRef::<html::Input>::new();

    // The field shown gets the focus (on arrival, and after switching).
    Effect::new(move |_| {
        let target = if recovery.get() {
            recovery_code_input.get()
        } else {
            code_input.get()
        };
        if let Some(el) = target {
            let _ = el.focus();
        }
    });

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

    view! {
        <section class="card glass auth-card" aria-labelledby="mfa-step-title">
            <h1 id="mfa-step-title">"Two-factor code"</h1>
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
                <Show when=move || message().is_some()>
                    <p class="alert error" role="alert" data-testid="mfa-error">{message}</p>
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
        </section>
    }
}
