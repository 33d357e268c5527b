//! Passkeys on My account: the list (name, the host name each works at, when added and last
//! used), adding one (a name, then the browser's prompt; the first second factor of an account
//! also brings its recovery codes), renaming and removing. The add flow is its own component:
//! the page a role that requires two-factor sign-in is sent to offers it too.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    PASSKEY_NAME_MAX, PasskeyRegisterRequest, PasskeyRegisteredResponse, PasskeyRenameRequest,
    PasskeyResponse,
};

use crate::api::{self, ApiError};
use crate::components::dialog::{ConfirmDialog, Dialog};
use crate::components::form_field::FormField;
use crate::components::recovery_codes::RecoveryCodes;
use crate::components::sign_out_choices::SignOutChoices;
use crate::format::{local_time, local_time_or_dash};
use crate::passkey_text::{DEFAULT_NAME, RegisterProblem, checked_name, register_problem};
use crate::webauthn;

/// What the recovery codes are for, here.
const IF_LOST: &str = "If you lose your passkey, each of these signs you in once in its place.";

/// A refused call to the registration routes, said where it belongs (the name field or the
/// form). The field reasons are looked at in this order: the name is the one the user can fix.
fn api_problem(e: &ApiError) -> RegisterProblem {
    let field = ["name", "ceremony_id", "credential"]
        .into_iter()
        .find_map(|key| e.fields.get(key).map(|reason| (key, reason.as_str())));
    register_problem(&e.code, &e.message, field)
}

/// The whole registration: Plexward's options, the browser's prompt, the new credential back to
/// Plexward under `name`.
async fn register(
    name: String,
    end_sessions: bool,
    revoke_tokens: bool,
) -> Result<PasskeyRegisteredResponse, RegisterProblem> {
    let ceremony = api::start_passkey_registration()
        .await
        .map_err(|e| api_problem(&e))?;
    let credential = webauthn::create(&ceremony.options)
        .await
        .map_err(RegisterProblem::Form)?;
    let body = PasskeyRegisterRequest {
        ceremony_id: ceremony.ceremony_id,
        name,
        credential,
        end_other_sessions: Some(end_sessions),
        revoke_tokens: Some(revoke_tokens),
    };
    api::register_passkey(&body)
        .await
        .map_err(|e| api_problem(&e))
}

/// Adding a passkey: its name and what else to end, the browser's prompt, then — for the
/// account's first second factor — the recovery codes.
#[component]
pub fn PasskeyAdd(
    /// The account's name (for the recovery codes file).
    #[prop(into)]
    username: Signal<String>,
    /// Bumped when the account's tokens change (see `SignOutChoices`); `None`: they cannot be
    /// listed from here.
    tokens_changed: Option<RwSignal<u32>>,
    /// Registered: the passkey as the server has it now (any recovery codes show next).
    on_added: Callback<PasskeyResponse>,
    /// The recovery codes are on the screen now.
    #[prop(optional)]
    on_codes: Option<Callback<()>>,
    /// Over: added, and any recovery codes saved.
    on_finished: Callback<()>,
    /// Gives up before adding; `None`: no way back from here.
    #[prop(optional)]
    on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let name = RwSignal::new(DEFAULT_NAME.to_owned());
    let name_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let codes = RwSignal::new(None::<Vec<String>>);
    // Adding a passkey is not about a leak: the other sessions and tokens stay unless asked.
    let end_sessions = RwSignal::new(false);
    let revoke_tokens = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        name_error.set(None);
        let given = match checked_name(&name.get_untracked()) {
            Ok(given) => given,
            Err(why) => {
                name_error.set(Some(why));
                return;
            }
        };
        let revoke = revoke_tokens.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match register(given, end_sessions.get_untracked(), revoke).await {
                Ok(answer) => {
                    name.try_set(DEFAULT_NAME.to_owned());
                    if let Some(changed) = tokens_changed
                        && revoke
                    {
                        changed.try_update(|n| *n += 1);
                    }
                    on_added.run(answer.passkey);
                    match answer.recovery_codes {
                        Some(list) if !list.is_empty() => {
                            codes.try_set(Some(list));
                            if let Some(shown) = on_codes {
                                shown.run(());
                            }
                        }
                        _ => on_finished.run(()),
                    }
                }
                Err(RegisterProblem::Name(why)) => {
                    name_error.try_set(Some(why));
                }
                Err(RegisterProblem::Form(why)) => {
                    error.try_set(Some(why));
                }
            }
            busy.try_set(false);
        });
    };

    let on_saved = Callback::new(move |()| {
        codes.set(None);
        on_finished.run(());
    });

    let form = move || {
        view! {
            <form class="form narrow" on:submit=submit novalidate aria-label="Add a passkey" data-testid="passkey-add">
                <p class="muted">
                    "Your browser asks where to keep the new passkey: this device (unlocked with \
                     your fingerprint, face or PIN), your phone, a security key, or a password \
                     manager."
                </p>
                <FormField
                    id="passkey-name"
                    label="Passkey name"
                    error=name_error
                    hint="So you can tell your passkeys apart, e.g. “Phone” or “YubiKey”."
                >
                    <input
                        type="text"
                        maxlength=PASSKEY_NAME_MAX.to_string()
                        autocomplete="off"
                        required
                        prop:value=move || name.get()
                        on:input:target=move |ev| name.set(ev.target().value())
                    />
                </FormField>
                <SignOutChoices id="passkey-ends" end_sessions revoke_tokens tokens_changed />
                <Show when=move || error.with(Option::is_some)>
                    <p class="alert error" role="alert" data-testid="passkey-add-error">{move || error.get()}</p>
                </Show>
                <div class="actions">
                    {on_cancel.map(|cancel| {
                        view! {
                            <button type="button" class="btn ghost" on:click=move |_| cancel.run(())>"Cancel"</button>
                        }
                    })}
                    <button type="submit" class="btn" disabled=move || busy.get()>
                        {move || if busy.get() { "Waiting for your browser…" } else { "Create passkey" }}
                    </button>
                </div>
            </form>
        }
    };

    move || match codes.get() {
        Some(list) => view! {
            <RecoveryCodes username codes=list if_lost=IF_LOST on_saved />
        }
        .into_any(),
        None => form().into_any(),
    }
}

/// The "Passkeys" card of My account.
#[component]
pub fn PasskeySettings(
    /// The account's name (for the recovery codes file).
    #[prop(into)]
    username: Signal<String>,
    /// Bumped when the account's tokens change (adding a passkey may revoke them).
    tokens_changed: RwSignal<u32>,
    /// Bumped when the account's second factors change, so the two-factor card says so.
    mfa_changed: RwSignal<u32>,
) -> impl IntoView {
    let changed = RwSignal::new(0_u32);
    let passkeys = LocalResource::new(move || {
        changed.track();
        api::my_passkeys()
    });
    let supported = webauthn::supported();
    let adding = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    // `try_`: also called when an answer arrives after the page was left.
    let reread = move || {
        changed.try_update(|n| *n += 1);
        mfa_changed.try_update(|n| *n += 1);
    };

    let start_adding = move |_| {
        error.set(None);
        notice.set(None);
        adding.set(true);
    };
    let on_added = Callback::new(move |passkey: PasskeyResponse| {
        notice.try_set(Some(format!("Passkey “{}” added.", passkey.name)));
        reread();
    });
    let on_finished = Callback::new(move |()| adding.set(false));
    let on_cancel = Callback::new(move |()| adding.set(false));

    // Renaming: the passkey in the dialog.
    let renaming = RwSignal::new(None::<PasskeyResponse>);
    let rename_open = RwSignal::new(false);
    let on_renamed = Callback::new(move |passkey: PasskeyResponse| {
        notice.try_set(Some(format!("Renamed to “{}”.", passkey.name)));
        changed.try_update(|n| *n += 1);
    });

    // Removing: the passkey asked about.
    let removing = RwSignal::new(None::<PasskeyResponse>);
    let remove_open = RwSignal::new(false);
    let remove = Callback::new(move |()| {
        let Some(passkey) = removing.get_untracked() else {
            return;
        };
        error.set(None);
        notice.set(None);
        spawn_local(async move {
            match api::delete_passkey(passkey.id).await {
                Ok(()) => {
                    notice.try_set(Some(format!("Passkey “{}” removed.", passkey.name)));
                }
                // 409 `mfa_required`: the message names the role that requires a second factor.
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
            reread();
        });
    });

    let ask_rename = Callback::new(move |passkey: PasskeyResponse| {
        error.set(None);
        notice.set(None);
        renaming.set(Some(passkey));
        rename_open.set(true);
    });
    let ask_remove = Callback::new(move |passkey: PasskeyResponse| {
        error.set(None);
        notice.set(None);
        removing.set(Some(passkey));
        remove_open.set(true);
    });

    let list_view = move || match passkeys.get() {
        None => view! { <p class="muted">"Loading passkeys…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => {
            view! { <p class="muted" data-testid="no-passkeys">"No passkeys yet."</p> }.into_any()
        }
        Some(Ok(list)) => view! {
            <PasskeyTable passkeys=list.items on_rename=ask_rename on_remove=ask_remove />
        }
        .into_any(),
    };

    let add_view = move || {
        if !supported {
            return view! {
                <p class="alert info" data-testid="passkeys-unsupported">
                    "Passkeys need a newer browser: this one cannot create or use them. The \
                     passkeys listed here keep working in browsers that can."
                </p>
            }
            .into_any();
        }
        view! {
            <Show
                when=move || adding.get()
                fallback=move || view! {
                    <div class="actions">
                        <button type="button" class="btn" on:click=start_adding>"Add a passkey"</button>
                    </div>
                }
            >
                <PasskeyAdd
                    username
                    tokens_changed=Some(tokens_changed)
                    on_added
                    on_finished
                    on_cancel
                />
            </Show>
        }
        .into_any()
    };

    view! {
        <section class="card glass" aria-labelledby="passkeys-title">
            <h2 id="passkeys-title">"Passkeys"</h2>
            <p class="muted">
                "A passkey signs you in with your fingerprint, face or device PIN instead of your \
                 password, and cannot be phished. After a password sign-in it also serves as the \
                 second step. Each passkey works only at the host name it was made at."
            </p>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert error" role="alert" data-testid="passkeys-error">{move || error.get()}</p>
            </Show>
            <Show when=move || notice.with(Option::is_some)>
                <p class="alert success" role="status">{move || notice.get()}</p>
            </Show>
            {list_view}
            {add_view}
        </section>
        // Mounted only while open: its "Passkey name" field would otherwise sit (hidden) beside
        // the token form's "Name" for anyone looking fields up by label.
        <Show when=move || rename_open.get()>
            <RenameDialog open=rename_open passkey=renaming on_renamed />
        </Show>
        <ConfirmDialog
            id="remove-passkey"
            open=remove_open
            title="Remove this passkey?"
            message=Signal::derive(move || {
                removing
                    .with(|p| p.as_ref().map(|p| p.name.clone()))
                    .map(|n| {
                        format!(
                            "“{n}” will no longer sign you in. Delete it from your device or \
                             password manager too, so it is not offered here any more."
                        )
                    })
                    .unwrap_or_default()
            })
            confirm_label="Remove"
            on_confirm=remove
        />
    }
}

/// The passkeys as a table, each with Rename and Remove.
#[component]
fn PasskeyTable(
    passkeys: Vec<PasskeyResponse>,
    on_rename: Callback<PasskeyResponse>,
    on_remove: Callback<PasskeyResponse>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="passkeys">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Works at"</th>
                        <th scope="col">"Added"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {passkeys
                        .into_iter()
                        .map(|passkey| {
                            let rename_label = format!("Rename passkey {}", passkey.name);
                            let remove_label = format!("Remove passkey {}", passkey.name);
                            let (for_rename, for_remove) = (passkey.clone(), passkey.clone());
                            view! {
                                <tr data-testid="passkey">
                                    <th scope="row">{passkey.name}</th>
                                    <td><code>{passkey.rp_id}</code></td>
                                    <td>{local_time(&passkey.created_at)}</td>
                                    <td>{local_time_or_dash(passkey.last_used_at.as_ref())}</td>
                                    <td class="actions-cell">
                                        <button
                                            type="button"
                                            class="btn ghost small"
                                            aria-label=rename_label
                                            on:click=move |_| on_rename.run(for_rename.clone())
                                        >
                                            "Rename"
                                        </button>
                                        " "
                                        <button
                                            type="button"
                                            class="btn danger small"
                                            aria-label=remove_label
                                            on:click=move |_| on_remove.run(for_remove.clone())
                                        >
                                            "Remove"
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

/// A new name for `passkey`, in a dialog (mounted while `open`).
#[component]
fn RenameDialog(
    open: RwSignal<bool>,
    passkey: RwSignal<Option<PasskeyResponse>>,
    on_renamed: Callback<PasskeyResponse>,
) -> impl IntoView {
    // Mounted for each opening: it starts from the passkey's name as it is now.
    let name = RwSignal::new(
        passkey.with_untracked(|p| p.as_ref().map(|p| p.name.clone()).unwrap_or_default()),
    );
    let name_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(id) = passkey.with_untracked(|p| p.as_ref().map(|p| p.id)) else {
            return;
        };
        error.set(None);
        name_error.set(None);
        let given = match checked_name(&name.get_untracked()) {
            Ok(given) => given,
            Err(why) => {
                name_error.set(Some(why));
                return;
            }
        };
        busy.set(true);
        spawn_local(async move {
            match api::rename_passkey(id, &PasskeyRenameRequest { name: given }).await {
                Ok(renamed) => {
                    open.try_set(false);
                    on_renamed.run(renamed);
                }
                Err(e) => match api_problem(&e) {
                    RegisterProblem::Name(why) => {
                        name_error.try_set(Some(why));
                    }
                    // 404: removed meanwhile (elsewhere); the message says so.
                    RegisterProblem::Form(why) => {
                        error.try_set(Some(why));
                    }
                },
            }
            busy.try_set(false);
        });
    };

    view! {
        <Dialog id="rename-passkey" open title="Rename passkey">
            <form class="form" on:submit=submit novalidate>
                <FormField id="passkey-rename" label="Passkey name" error=name_error>
                    <input
                        type="text"
                        maxlength=PASSKEY_NAME_MAX.to_string()
                        autocomplete="off"
                        required
                        prop:value=move || name.get()
                        on:input:target=move |ev| name.set(ev.target().value())
                    />
                </FormField>
                <Show when=move || error.with(Option::is_some)>
                    <p class="alert error" role="alert">{move || error.get()}</p>
                </Show>
                <div class="actions">
                    <button type="button" class="btn ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn" disabled=move || busy.get()>"Save"</button>
                </div>
            </form>
        </Dialog>
    }
}
