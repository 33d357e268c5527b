//! Sign-in: the password, then (with two-factor sign-in on) a code or a passkey; or a passkey
//! alone ("Sign in with a passkey": the browser offers the passkeys it holds for this site, no
//! username needed). After signing in: the forced password change or two-factor setup when due,
//! else where the user was going. With single sign-on on, "Sign in with …" under the form goes
//! through the provider instead; a sign-in that failed there comes back here with
//! `?sso_error=<code>`, said in words.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use plexward_shared::{
    LoginAnswer, LoginRequest, LoginResponse, MfaRequiredResponse, PasskeyAssertion,
};

use crate::api;
use crate::components::password_input::PasswordInput;
use crate::components::two_factor_step::TwoFactorStep;
use crate::passkey_text::{Refusal, sign_in_problem};
use crate::session::{SessionState, first_step, safe_next, use_session, with_next};
use crate::sso_text::{button_text, sso_error_sentence};
use crate::webauthn;

/// Signing in with a passkey alone: a discoverable ceremony (the browser lets the user pick any
/// passkey it holds for this site), the browser's prompt, and its answer to Plexward.
async fn passkey_sign_in() -> Result<LoginResponse, Refusal> {
    let refused = |e: api::ApiError| Refusal::from_api(&e, sign_in_problem);
    let ceremony = api::passkey_sign_in_options().await.map_err(refused)?;
    let credential = webauthn::get(&ceremony.options)
        .await
        .map_err(Refusal::Say)?;
    api::passkey_sign_in(&PasskeyAssertion {
        ceremony_id: ceremony.ceremony_id,
        credential,
    })
    .await
    .map_err(refused)
}

#[component]
pub fn Login() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let next = move || safe_next(query.with_untracked(|q| q.get("next")));
    // Why the provider's round trip ended here; put away once a password sign-in is tried, so
    // only the newest problem shows.
    let sso_error = RwSignal::new(
        query
            .with_untracked(|q| q.get("sso_error"))
            .map(|code| sso_error_sentence(&code)),
    );

    // Signed in (now, or already when arriving here): move on.
    Effect::new(move |_| {
        if let SessionState::SignedIn(account) = session.state() {
            let target = match first_step(&account) {
                Some(page) => with_next(page, &next()),
                None => next(),
            };
            navigate(
                &target,
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
        }
    });

    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // With two-factor sign-in on: the second step, after the password was right.
    let challenge = RwSignal::new(None::<MfaRequiredResponse>);
    // Seconds left before the server accepts another attempt (after a 429).
    let wait = RwSignal::new(0u64);
    if let Ok(ticker) = set_interval_with_handle(
        move || {
            if wait.get_untracked() > 0 {
                wait.update(|w| *w -= 1);
            }
        },
        Duration::from_secs(1),
    ) {
        on_cleanup(move || ticker.clear());
    }

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || wait.get_untracked() > 0 {
            return;
        }
        let body = LoginRequest {
            username: username.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        if body.username.is_empty() || body.password.is_empty() {
            error.set(Some("Enter your username and password.".into()));
            return;
        }
        error.set(None);
        sso_error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::login(&body).await {
                Ok(LoginAnswer::Session(answer)) => {
                    password.set(String::new());
                    session.signed_in(answer.account);
                }
                Ok(LoginAnswer::Mfa(step)) => {
                    password.set(String::new());
                    challenge.set(Some(step));
                }
                Err(e) if e.status == 429 => match e.retry_after {
                    Some(secs) => wait.set(secs.max(1)),
                    None => error.set(Some(e.message)),
                },
                Err(e) if e.code == "invalid_credentials" => {
                    error.set(Some("Wrong username or password.".into()));
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    // Only where a passkey can work: a browser with WebAuthn's JSON helpers, at a host name
    // (WebAuthn refuses IP addresses, so the button could only fail there).
    let passkeys_here = webauthn::supported() && !webauthn::at_ip_address();
    let passkey_busy = RwSignal::new(false);
    let use_passkey = move |_| {
        if busy.get_untracked() || passkey_busy.get_untracked() || wait.get_untracked() > 0 {
            return;
        }
        error.set(None);
        sso_error.set(None);
        passkey_busy.set(true);
        spawn_local(async move {
            match passkey_sign_in().await {
                // The same path as a password sign-in: the effect above moves on (to a forced
                // password change or two-factor setup first, when due).
                Ok(answer) => session.signed_in(answer.account),
                Err(Refusal::Wait(secs)) => {
                    wait.try_set(secs);
                }
                Err(Refusal::Say(why)) => {
                    error.try_set(Some(why));
                }
            }
            passkey_busy.try_set(false);
        });
    };

    let message = move || {
        let secs = wait.get();
        if secs > 0 {
            Some(format!("Too many attempts, try again in {secs} s."))
        } else {
            error.get()
        }
    };

    let on_back = Callback::new(move |()| {
        error.set(None);
        challenge.set(None);
    });
    let on_signed_in = Callback::new(move |answer: LoginResponse| {
        session.signed_in(answer.account);
    });

    // Single sign-on only: no password form (the server would refuse it anyway).
    let info = LocalResource::new(api::sso_info);
    let local_allowed = move || {
        info.get()
            .and_then(Result::ok)
            .is_none_or(|i| i.local_sign_in)
    };

    view! {
        <Show
            when=move || challenge.with(Option::is_none)
            fallback=move || {
                challenge
                    .get()
                    .map(|challenge| view! { <TwoFactorStep challenge wait on_back on_signed_in /> })
            }
        >
            <section class="card glass auth-card" aria-labelledby="login-title">
                <h1 id="login-title">"Sign in"</h1>
                <Show when=move || session.notice().is_some()>
                    <p class="alert info" role="status">{move || session.notice()}</p>
                </Show>
                <Show when=move || sso_error.with(Option::is_some)>
                    <p class="alert error" role="alert" data-testid="sso-error">{move || sso_error.get()}</p>
                </Show>
                <Show when=move || local_allowed()>
                <form class="form" on:submit=submit novalidate>
                    <div class="field">
                        <label for="username">"Username"</label>
                        <input
                            id="username"
                            name="username"
                            type="text"
                            autocomplete="username"
                            autocapitalize="off"
                            spellcheck="false"
                            required
                            autofocus
                            prop:value=move || username.get()
                            on:input:target=move |ev| username.set(ev.target().value())
                        />
                    </div>
                    <PasswordInput id="password" label="Password" value=password autocomplete="current-password" />
                    <Show when=move || message().is_some()>
                        <p class="alert error" role="alert" data-testid="login-error">{message}</p>
                    </Show>
                    <div class="actions">
                        <button
                            type="submit"
                            class="btn"
                            disabled=move || { busy.get() || passkey_busy.get() || wait.get() > 0 }
                        >
                            {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                        </button>
                    </div>
                </form>
                {passkeys_here.then(|| view! {
                    <div class="passkey-sign-in">
                        <p class="muted">"or"</p>
                        <button
                            type="button"
                            class="btn ghost"
                            on:click=use_passkey
                            disabled=move || { busy.get() || passkey_busy.get() || wait.get() > 0 }
                        >
                            {move || {
                                if passkey_busy.get() { "Waiting for your passkey…" } else { "Sign in with a passkey" }
                            }}
                        </button>
                    </div>
                })}
                </Show>
                <SsoSignIn />
            </section>
        </Show>
    }
}

/// "Sign in with …" under the password form, while single sign-on is on. A plain link, not a
/// `fetch`: the server answers it with redirects to the provider and back (`rel="external"` keeps
/// the router out of it). Nothing shows when the server cannot say: the password form still works.
#[component]
fn SsoSignIn() -> impl IntoView {
    let info = LocalResource::new(api::sso_info);
    move || {
        info.get()
            .and_then(Result::ok)
            .filter(|i| i.enabled)
            .map(|i| {
                view! {
                    <div class="sso-sign-in">
                        <p class="muted">"or"</p>
                        <a class="btn ghost" href=api::sso_start_url() rel="external" data-testid="sso-sign-in">
                            {button_text(&i.button_label)}
                        </a>
                    </div>
                }
            })
    }
}
