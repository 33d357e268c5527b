//! My account: who I am, my password, two-factor sign-in, my passkeys, where I am signed in, my
//! API tokens.

use chrono::Duration;
use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{ApiTokenResponse, CreateApiTokenRequest, CreatedApiTokenResponse, Role};

use crate::api;
use crate::components::change_password_form::{ChangePasswordForm, field_sentence};
use crate::components::dialog::ConfirmDialog;
use crate::components::form_field::FormField;
use crate::components::my_sessions::MySessions;
use crate::components::passkeys::PasskeySettings;
use crate::components::secret_dialog::SecretDialog;
use crate::components::two_factor::TwoFactorSettings;
use crate::format::{local_time, local_time_or_dash, now};
use crate::session::use_session;

/// Token lifetimes offered (days; none: never expires).
const EXPIRY_CHOICES: [(&str, &str); 5] = [
    ("", "Never"),
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
];

#[component]
pub fn MyAccount() -> impl IntoView {
    let session = use_session();
    let username =
        Signal::derive(move || session.account().map(|a| a.username).unwrap_or_default());
    // Bumped whenever the account's tokens change (made, revoked, or revoked with a password or
    // two-factor change), so the token list and the forms' lists agree.
    let tokens_changed = RwSignal::new(0_u32);
    // Bumped when a passkey is added or removed: the two-factor card's status counts them.
    let mfa_changed = RwSignal::new(0_u32);
    view! {
        <h1 class="page-title">"My account"</h1>
        {move || {
            session
                .account()
                .map(|account| {
                    view! {
                        <section class="card glass" aria-labelledby="me-title">
                            <h2 id="me-title">"Account"</h2>
                            <dl class="facts">
                                <dt>"Username"</dt>
                                <dd data-testid="me-username">{account.username}</dd>
                                <dt>"Role"</dt>
                                <dd>{account.role.as_str()}</dd>
                                <dt>"Created"</dt>
                                <dd>{local_time(&account.created_at)}</dd>
                                <dt>"Last sign-in"</dt>
                                <dd>{local_time_or_dash(account.last_login_at.as_ref())}</dd>
                            </dl>
                        </section>
                    }
                })
        }}
        <section class="card glass" aria-labelledby="password-title">
            <h2 id="password-title">"Change password"</h2>
            <p class="muted">"This session stays signed in."</p>
            <ChangePasswordForm
                username
                submit_label="Change password"
                on_done=Callback::new(|()| ())
                tokens_changed
            />
        </section>
        <TwoFactorSettings username tokens_changed changed=mfa_changed />
        <PasskeySettings username tokens_changed mfa_changed />
        <MySessions />
        <Tokens changed=tokens_changed />
    }
}

/// The signed-in account's API tokens: create (secret shown once), list, revoke.
#[component]
fn Tokens(changed: RwSignal<u32>) -> impl IntoView {
    let session = use_session();
    let tokens = LocalResource::new(move || {
        changed.track();
        api::my_tokens()
    });

    let name = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::new());
    let name_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let created = RwSignal::new(None::<CreatedApiTokenResponse>);
    let show_secret = RwSignal::new(false);

    // Roles a token may have: those the account's role covers, its own first.
    let roles = move || {
        session
            .role()
            .map(|mine| {
                Role::ALL
                    .into_iter()
                    .filter(|r| mine.covers(*r))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        name_error.set(None);
        error.set(None);
        notice.set(None);
        let token_name = name.get_untracked().trim().to_owned();
        if token_name.is_empty() {
            name_error.set(Some(
                "Give the token a name, e.g. the script that uses it.".into(),
            ));
            return;
        }
        let body = CreateApiTokenRequest {
            name: token_name,
            role: role.get_untracked().parse::<Role>().ok(),
            expires_at: expiry
                .get_untracked()
                .parse::<i64>()
                .ok()
                .map(|days| now() + Duration::days(days)),
        };
        busy.set(true);
        spawn_local(async move {
            match api::create_token(&body).await {
                Ok(answer) => {
                    name.set(String::new());
                    created.set(Some(answer));
                    show_secret.set(true);
                    changed.update(|n| *n += 1);
                }
                Err(e) => match e.field("name") {
                    Some(reason) => name_error.set(Some(field_sentence("The name", &reason))),
                    None => error.set(Some(e.message)),
                },
            }
            busy.set(false);
        });
    };

    let revoking = RwSignal::new(None::<ApiTokenResponse>);
    let confirm_open = RwSignal::new(false);
    let revoke = Callback::new(move |()| {
        let Some(token) = revoking.get_untracked() else {
            return;
        };
        error.set(None);
        notice.set(None);
        spawn_local(async move {
            match api::revoke_my_token(token.id).await {
                Ok(()) => notice.set(Some(format!("Token “{}” revoked.", token.name))),
                Err(e) => error.set(Some(e.message)),
            }
            changed.update(|n| *n += 1);
        });
    });
    let ask_revoke = move |token: ApiTokenResponse| {
        revoking.set(Some(token));
        confirm_open.set(true);
    };

    view! {
        <section class="card glass" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <p class="muted">
                "For scripts: send a token as " <code>"Authorization: Bearer <token>"</code>
                ". A token can do at most what its role allows, and never more than your account."
            </p>
            <form class="form" on:submit=create novalidate aria-label="Create an API token">
                <div class="form-grid">
                    <FormField id="token-name" label="Name" error=name_error>
                        <input
                            type="text"
                            maxlength="64"
                            autocomplete="off"
                            required
                            prop:value=move || name.get()
                            on:input:target=move |ev| name.set(ev.target().value())
                        />
                    </FormField>
                    <div class="field">
                        <label for="token-role">"Role"</label>
                        <select id="token-role" on:change:target=move |ev| role.set(ev.target().value())>
                            {move || {
                                roles()
                                    .into_iter()
                                    .map(|r| {
                                        view! {
                                            <option value=r.as_str() selected=move || role.get() == r.as_str()>
                                                {r.as_str()}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </select>
                    </div>
                    <div class="field">
                        <label for="token-expiry">"Expires"</label>
                        <select id="token-expiry" on:change:target=move |ev| expiry.set(ev.target().value())>
                            {EXPIRY_CHOICES
                                .into_iter()
                                .map(|(value, label)| view! { <option value=value>{label}</option> })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <div class="actions">
                    <button type="submit" class="btn" disabled=move || busy.get()>"Create token"</button>
                </div>
            </form>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert error" role="alert">{move || error.get()}</p>
            </Show>
            <Show when=move || notice.with(Option::is_some)>
                <p class="alert success" role="status">{move || notice.get()}</p>
            </Show>
            <Suspense fallback=|| view! { <p class="muted">"Loading tokens…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.items.is_empty() => {
                            view! { <p class="muted" data-testid="no-tokens">"No API tokens yet."</p> }.into_any()
                        }
                        Ok(list) => view! { <TokenTable tokens=list.items on_revoke=ask_revoke /> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <SecretDialog open=show_secret created />
        <ConfirmDialog
            id="revoke-token"
            open=confirm_open
            title="Revoke this token?"
            message=Signal::derive(move || {
                revoking
                    .with(|t| t.as_ref().map(|t| t.name.clone()))
                    .map(|n| format!("Scripts using “{n}” will stop working at once. This cannot be undone."))
                    .unwrap_or_default()
            })
            confirm_label="Revoke"
            on_confirm=revoke
        />
    }
}

/// A table of API tokens; `on_revoke` asks to revoke one. Shows the owner when `show_owner`.
#[component]
pub fn TokenTable(
    tokens: Vec<ApiTokenResponse>,
    on_revoke: impl Fn(ApiTokenResponse) + Clone + Send + Sync + 'static,
    #[prop(optional)] show_owner: bool,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="tokens">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        {show_owner.then(|| view! { <th scope="col">"Account"</th> })}
                        <th scope="col">"Prefix"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {tokens
                        .into_iter()
                        .map(|token| {
                            let on_revoke = on_revoke.clone();
                            let label = format!("Revoke token {}", token.name);
                            let for_click = token.clone();
                            view! {
                                <tr>
                                    <td>{token.name.clone()}</td>
                                    {show_owner.then(|| view! { <td>{token.account_username.clone()}</td> })}
                                    <td><code>{format!("{}…", token.prefix)}</code></td>
                                    <td>{token.role.as_str()}</td>
                                    <td>{local_time(&token.created_at)}</td>
                                    <td>{token.expires_at.as_ref().map_or_else(|| "Never".to_owned(), local_time)}</td>
                                    <td>{local_time_or_dash(token.last_used_at.as_ref())}</td>
                                    <td class="actions-cell">
                                        <button
                                            type="button"
                                            class="btn danger small"
                                            aria-label=label
                                            on:click=move |_| on_revoke(for_click.clone())
                                        >
                                            "Revoke"
                                        </button>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
