//! Accounts (admins): create, change role, disable/enable, reset password or two-factor sign-in,
//! see and end sessions, delete; the sign-in rules; and every account's API tokens.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::password::length_problem;
use plexward_shared::{
    AccountResponse, ApiTokenResponse, CreateAccountRequest, Role, UpdateAccountRequest,
};

use crate::api::{self, ApiError};
use crate::components::account_sessions::AccountSessions;
use crate::components::change_password_form::field_sentence;
use crate::components::dialog::{ConfirmDialog, Dialog};
use crate::components::form_field::FormField;
use crate::components::password_input::PasswordInput;
use crate::components::sign_in_rules::SignInRules;
use crate::components::strength_meter::StrengthMeter;
use crate::format::local_time_or_dash;
use crate::pages::account::TokenTable;
use crate::session::use_session;

/// What the page reports after an action: a success, or the API's refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Done(String),
    Failed(String),
}

fn failed(outcome: RwSignal<Option<Outcome>>, e: &ApiError) {
    outcome.set(Some(Outcome::Failed(e.message.clone())));
}

#[component]
pub fn Accounts() -> impl IntoView {
    let accounts = LocalResource::new(api::accounts);
    let outcome = RwSignal::new(None::<Outcome>);

    // The account a dialog is about.
    let target = RwSignal::new(None::<AccountResponse>);
    let reset_open = RwSignal::new(false);
    let reset_mfa_open = RwSignal::new(false);
    let sessions_open = RwSignal::new(false);
    let delete_open = RwSignal::new(false);

    let update = move |account: AccountResponse, body: UpdateAccountRequest, done: String| {
        outcome.set(None);
        spawn_local(async move {
            match api::update_account(account.id, &body, &account.version).await {
                Ok(_) => outcome.set(Some(Outcome::Done(done))),
                Err(e) => failed(outcome, &e),
            }
            // Also after a refusal: puts a role picker back to the stored role.
            accounts.refetch();
        });
    };
    let actions = RowActions {
        set_role: Callback::new(move |(account, role): (AccountResponse, Role)| {
            let done = format!("{} is now {}.", account.username, role.as_str());
            update(
                account,
                UpdateAccountRequest {
                    role: Some(role),
                    ..UpdateAccountRequest::default()
                },
                done,
            );
        }),
        set_disabled: Callback::new(move |(account, disabled): (AccountResponse, bool)| {
            let done = if disabled {
                format!(
                    "{} is disabled; its sessions and tokens stopped working.",
                    account.username
                )
            } else {
                format!("{} is enabled again.", account.username)
            };
            update(
                account,
                UpdateAccountRequest {
                    disabled: Some(disabled),
                    ..UpdateAccountRequest::default()
                },
                done,
            );
        }),
        reset: Callback::new(move |account: AccountResponse| {
            target.set(Some(account));
            reset_open.set(true);
        }),
        reset_mfa: Callback::new(move |account: AccountResponse| {
            target.set(Some(account));
            reset_mfa_open.set(true);
        }),
        sessions: Callback::new(move |account: AccountResponse| {
            target.set(Some(account));
            sessions_open.set(true);
        }),
        delete: Callback::new(move |account: AccountResponse| {
            target.set(Some(account));
            delete_open.set(true);
        }),
    };
    let reset_mfa = Callback::new(move |()| {
        let Some(account) = target.get_untracked() else {
            return;
        };
        outcome.set(None);
        spawn_local(async move {
            match api::reset_account_mfa(account.id).await {
                Ok(()) => outcome.set(Some(Outcome::Done(format!(
                    "Two-factor sign-in of {} removed; its sessions ended.",
                    account.username
                )))),
                Err(e) => failed(outcome, &e),
            }
            accounts.refetch();
        });
    });
    let delete = Callback::new(move |()| {
        let Some(account) = target.get_untracked() else {
            return;
        };
        outcome.set(None);
        spawn_local(async move {
            match api::delete_account(account.id).await {
                Ok(()) => outcome.set(Some(Outcome::Done(format!(
                    "{} was deleted.",
                    account.username
                )))),
                Err(e) => failed(outcome, &e),
            }
            accounts.refetch();
        });
    });

    view! {
        <h1 class="page-title">"Accounts"</h1>
        <CreateAccount on_created=Callback::new(move |account: AccountResponse| {
            outcome.set(Some(Outcome::Done(format!("Account {} created.", account.username))));
            accounts.refetch();
        }) />
        <section class="card glass" aria-labelledby="accounts-title">
            <h2 id="accounts-title">"All accounts"</h2>
            {move || {
                outcome
                    .get()
                    .map(|o| match o {
                        Outcome::Done(text) => {
                            view! { <p class="alert success" role="status">{text}</p> }.into_any()
                        }
                        Outcome::Failed(text) => {
                            view! { <p class="alert error" role="alert" data-testid="accounts-error">{text}</p> }
                                .into_any()
                        }
                    })
            }}
            <Suspense fallback=|| view! { <p class="muted">"Loading accounts…"</p> }>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Ok(list) => view! { <AccountTable accounts=list.items actions /> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <SignInRules />
        <AllTokens />
        <ResetPassword open=reset_open target outcome on_done=Callback::new(move |()| accounts.refetch()) />
        <AccountSessions open=sessions_open target />
        <ConfirmDialog
            id="reset-mfa"
            open=reset_mfa_open
            title=Signal::derive(move || {
                target
                    .with(|t| t.as_ref().map(|a| format!("Reset the two-factor sign-in of {}?", a.username)))
                    .unwrap_or_default()
            })
            message="For someone who lost their phone and recovery codes. All their sessions end at \
                     once; they sign in next with the password alone (or set two-factor sign-in up \
                     again first, if their role requires it)."
            confirm_label="Reset two-factor"
            on_confirm=reset_mfa
        />
        <ConfirmDialog
            id="delete-account"
            open=delete_open
            title=Signal::derive(move || {
                target.with(|t| t.as_ref().map(|a| format!("Delete {}?", a.username)).unwrap_or_default())
            })
            message="The account, its sessions and its API tokens are removed for good. The audit log keeps its name."
            confirm_label="Delete"
            on_confirm=delete
        />
    }
}

/// What a row's buttons ask the page to do.
#[derive(Debug, Clone, Copy)]
struct RowActions {
    set_role: Callback<(AccountResponse, Role)>,
    set_disabled: Callback<(AccountResponse, bool)>,
    reset: Callback<AccountResponse>,
    reset_mfa: Callback<AccountResponse>,
    sessions: Callback<AccountResponse>,
    delete: Callback<AccountResponse>,
}

#[component]
fn AccountTable(accounts: Vec<AccountResponse>, actions: RowActions) -> impl IntoView {
    let session = use_session();
    let me = session.account().map(|a| a.id);
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="accounts">
                <thead>
                    <tr>
                        <th scope="col">"Username"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Two-factor"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {accounts
                        .into_iter()
                        .map(|account| {
                            let is_me = me == Some(account.id);
                            view! { <AccountRow account actions is_me /> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AccountRow(account: AccountResponse, actions: RowActions, is_me: bool) -> impl IntoView {
    let role_id = format!("role-{}", account.id);
    let role_label = format!("Role of {}", account.username);
    let (status_class, status) = match (account.disabled, account.must_change_password) {
        (true, _) => ("pill bad", "disabled"),
        (false, true) => ("pill warn", "must change password"),
        (false, false) => ("pill ok", "active"),
    };
    let for_role = account.clone();
    let for_disable = account.clone();
    let for_reset = account.clone();
    let for_reset_mfa = account.clone();
    let for_sessions = account.clone();
    let for_delete = account.clone();
    let (mfa_class, mfa) = if account.mfa_enabled {
        ("pill ok", "On")
    } else {
        ("pill warn", "Off")
    };
    // Nothing to reset without it; one's own is turned off under My account (the API refuses).
    let mfa_reset_refused = if is_me {
        Some("Turn your own off under My account.")
    } else if !account.mfa_enabled {
        Some("Two-factor sign-in is off for this account.")
    } else {
        None
    };
    let disabled = account.disabled;
    let own = "You cannot change this for your own account.";
    view! {
        <tr data-testid=format!("account-{}", account.username)>
            <th scope="row">
                {account.username.clone()}
                {is_me.then(|| view! { " " <span class="muted">"(you)"</span> })}
            </th>
            <td>
                <label for=role_id.clone() class="visually-hidden">{role_label}</label>
                <select
                    id=role_id
                    disabled=is_me
                    title=is_me.then_some(own)
                    on:change:target=move |ev| {
                        if let Ok(role) = ev.target().value().parse::<Role>() {
                            actions.set_role.run((for_role.clone(), role));
                        }
                    }
                >
                    {Role::ALL
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str() selected=r == account.role>{r.as_str()}</option> })
                        .collect_view()}
                </select>
            </td>
            <td><span class=status_class>{status}</span></td>
            <td><span class=mfa_class data-testid="mfa">{mfa}</span></td>
            <td>{local_time_or_dash(account.last_login_at.as_ref())}</td>
            <td class="actions-cell">
                <button
                    type="button"
                    class="btn ghost small"
                    disabled=is_me
                    title=is_me.then_some(own)
                    on:click=move |_| actions.set_disabled.run((for_disable.clone(), !disabled))
                >
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <button
                    type="button"
                    class="btn ghost small"
                    disabled=is_me
                    title=is_me.then_some("Change your own password under My account.")
                    on:click=move |_| actions.reset.run(for_reset.clone())
                >
                    "Reset password"
                </button>
                <button
                    type="button"
                    class="btn ghost small"
                    disabled=mfa_reset_refused.is_some()
                    title=mfa_reset_refused
                    on:click=move |_| actions.reset_mfa.run(for_reset_mfa.clone())
                >
                    "Reset two-factor"
                </button>
                <button
                    type="button"
                    class="btn ghost small"
                    disabled=is_me
                    title=is_me.then_some("Your own are under My account.")
                    on:click=move |_| actions.sessions.run(for_sessions.clone())
                >
                    "Sessions"
                </button>
                <button
                    type="button"
                    class="btn danger small"
                    disabled=is_me
                    title=is_me.then_some(own)
                    on:click=move |_| actions.delete.run(for_delete.clone())
                >
                    "Delete"
                </button>
            </td>
        </tr>
    }
}

#[component]
fn CreateAccount(on_created: Callback<AccountResponse>) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Auditor.as_str().to_owned());
    let password = RwSignal::new(String::new());
    let must_change = RwSignal::new(true);
    let username_error = RwSignal::new(None::<String>);
    let password_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        username_error.set(None);
        password_error.set(None);
        error.set(None);
        let name = username.get_untracked().trim().to_owned();
        if name.is_empty() {
            username_error.set(Some("Enter a username.".into()));
            return;
        }
        // The length rule is checked here; the rest of the policy is the server's (its 422).
        if let Some(problem) = length_problem(&password.get_untracked()) {
            password_error.set(Some(problem));
            return;
        }
        let body = CreateAccountRequest {
            username: name,
            password: password.get_untracked(),
            role: role.get_untracked().parse().unwrap_or(Role::Auditor),
            must_change_password: Some(must_change.get_untracked()),
        };
        busy.set(true);
        spawn_local(async move {
            match api::create_account(&body).await {
                Ok(account) => {
                    username.set(String::new());
                    password.set(String::new());
                    on_created.run(account);
                }
                Err(e) if e.code == "username_taken" => username_error.set(Some(e.message)),
                Err(e) => {
                    let user_reason = e.field("username");
                    let pass_reason = e.field("password");
                    if user_reason.is_none() && pass_reason.is_none() {
                        error.set(Some(e.message));
                    }
                    username_error
                        .set(user_reason.map(|r| field_sentence("The username must", &r)));
                    password_error.set(pass_reason.map(|r| field_sentence("The password", &r)));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card glass" aria-labelledby="create-title">
            <h2 id="create-title">"New account"</h2>
            <form class="form" on:submit=submit novalidate>
                <div class="form-grid">
                    <FormField id="new-username" label="Username" error=username_error>
                        <input
                            type="text"
                            maxlength="64"
                            autocomplete="off"
                            autocapitalize="off"
                            spellcheck="false"
                            required
                            prop:value=move || username.get()
                            on:input:target=move |ev| username.set(ev.target().value())
                        />
                    </FormField>
                    <div class="field">
                        <label for="new-role">"Role"</label>
                        <select id="new-role" on:change:target=move |ev| role.set(ev.target().value())>
                            {Role::ALL
                                .into_iter()
                                .map(|r| {
                                    view! {
                                        <option value=r.as_str() selected=move || role.get() == r.as_str()>
                                            {r.as_str()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <PasswordInput
                    id="new-account-password"
                    label="Initial password"
                    value=password
                    autocomplete="new-password"
                    error=password_error
                    described_by="new-account-strength"
                />
                <StrengthMeter id="new-account-strength" password username />
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || must_change.get()
                        on:change:target=move |ev| must_change.set(ev.target().checked())
                    />
                    "Must choose a new password at first sign-in"
                </label>
                <Show when=move || error.with(Option::is_some)>
                    <p class="alert error" role="alert">{move || error.get()}</p>
                </Show>
                <div class="actions">
                    <button type="submit" class="btn" disabled=move || busy.get()>"Create account"</button>
                </div>
            </form>
        </section>
    }
}

/// Sets a new password for another account (which must change it at next sign-in).
#[component]
fn ResetPassword(
    open: RwSignal<bool>,
    target: RwSignal<Option<AccountResponse>>,
    outcome: RwSignal<Option<Outcome>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let username = Signal::derive(move || {
        target.with(|t| t.as_ref().map(|a| a.username.clone()).unwrap_or_default())
    });
    Effect::new(move |_| {
        if !open.get() {
            password.set(String::new());
            error.set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(account) = target.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        if let Some(problem) = length_problem(&password.get_untracked()) {
            error.set(Some(problem));
            return;
        }
        let body = UpdateAccountRequest {
            password: Some(password.get_untracked()),
            ..UpdateAccountRequest::default()
        };
        busy.set(true);
        spawn_local(async move {
            match api::update_account(account.id, &body, &account.version).await {
                Ok(_) => {
                    outcome.set(Some(Outcome::Done(format!(
                        "New password set for {}; they must change it at their next sign-in.",
                        account.username
                    ))));
                    open.set(false);
                    on_done.run(());
                }
                Err(e) => error.set(Some(e.field("password").unwrap_or(e.message))),
            }
            busy.set(false);
        });
    };
    view! {
        <Dialog id="reset-password" open title=Signal::derive(move || format!("Reset the password of {}", username.get()))>
            <form class="form" on:submit=submit novalidate>
                <p class="muted">"Their sessions end at once; they must choose a new password at the next sign-in."</p>
                <PasswordInput
                    id="reset-password-input"
                    label="New password"
                    value=password
                    autocomplete="new-password"
                    error=error
                    described_by="reset-strength"
                />
                <StrengthMeter id="reset-strength" password username />
                <div class="actions">
                    <button type="button" class="btn ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn" disabled=move || busy.get()>"Set password"</button>
                </div>
            </form>
        </Dialog>
    }
}

/// Every account's API tokens, to revoke any of them.
#[component]
fn AllTokens() -> impl IntoView {
    let tokens = LocalResource::new(api::all_tokens);
    let outcome = RwSignal::new(None::<Outcome>);
    let revoking = RwSignal::new(None::<ApiTokenResponse>);
    let confirm_open = RwSignal::new(false);
    let revoke = Callback::new(move |()| {
        let Some(token) = revoking.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match api::revoke_any_token(token.id).await {
                Ok(()) => outcome.set(Some(Outcome::Done(format!(
                    "Token “{}” of {} revoked.",
                    token.name, token.account_username
                )))),
                Err(e) => failed(outcome, &e),
            }
            tokens.refetch();
        });
    });
    let ask = move |token: ApiTokenResponse| {
        outcome.set(None);
        revoking.set(Some(token));
        confirm_open.set(true);
    };
    view! {
        <section class="card glass" aria-labelledby="all-tokens-title">
            <div class="card-head">
                <h2 id="all-tokens-title">"All API tokens"</h2>
                <button type="button" class="btn ghost small" on:click=move |_| tokens.refetch()>"Refresh"</button>
            </div>
            {move || {
                outcome
                    .get()
                    .map(|o| match o {
                        Outcome::Done(text) => view! { <p class="alert success" role="status">{text}</p> }.into_any(),
                        Outcome::Failed(text) => view! { <p class="alert error" role="alert">{text}</p> }.into_any(),
                    })
            }}
            <Suspense fallback=|| view! { <p class="muted">"Loading tokens…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.items.is_empty() => {
                            view! { <p class="muted">"No account has an API token."</p> }.into_any()
                        }
                        Ok(list) => view! { <TokenTable tokens=list.items on_revoke=ask show_owner=true /> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <ConfirmDialog
            id="revoke-any-token"
            open=confirm_open
            title="Revoke this token?"
            message=Signal::derive(move || {
                revoking
                    .with(|t| t.as_ref().map(|t| format!("“{}” of {} stops working at once.", t.name, t.account_username)))
                    .unwrap_or_default()
            })
            confirm_label="Revoke"
            on_confirm=revoke
        />
    }
}
