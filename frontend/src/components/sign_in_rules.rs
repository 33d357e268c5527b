//! Accounts → Sign-in rules (admins): which roles must use two-factor sign-in, and whether the
//! password form signs people in at all (off only with single sign-on for an admin). Next to the
//! accounts it governs, and behind the same permission (`ManageAccounts`), rather than on
//! Settings, which moderators and auditors may read.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{Role, SignInSettings};

use crate::api;

/// The box's words: `Require two-factor sign-in for moderators`.
fn rule_label(role: Role) -> String {
    format!("Require two-factor sign-in for {}s", role.as_str())
}

#[component]
pub fn SignInRules() -> impl IntoView {
    let saved = LocalResource::new(api::sign_in_settings);
    // The boxes as ticked, once the rules are read.
    let required = RwSignal::new(None::<Vec<Role>>);
    let local = RwSignal::new(None::<bool>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    Effect::new(move |_| match saved.get() {
        Some(Ok(rules)) => {
            local.set(Some(rules.local_sign_in != Some(false)));
            required.set(Some(rules.mfa_required_roles));
        }
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });

    let toggle = move |role: Role, on: bool| {
        notice.set(None);
        required.update(|r| {
            if let Some(roles) = r {
                roles.retain(|x| *x != role);
                if on {
                    roles.push(role);
                }
            }
        });
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(roles) = required.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        notice.set(None);
        busy.set(true);
        spawn_local(async move {
            let body = SignInSettings {
                mfa_required_roles: roles,
                local_sign_in: local.get_untracked(),
            };
            match api::save_sign_in_settings(&body).await {
                Ok(now) => {
                    local.set(Some(now.local_sign_in != Some(false)));
                    required.set(Some(now.mfa_required_roles));
                    notice.set(Some(
                        "Saved. It applies at each account's next sign-in.".into(),
                    ));
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card glass" aria-labelledby="sign-in-rules-title">
            <h2 id="sign-in-rules-title">"Sign-in rules"</h2>
            <p class="muted">
                "Roles whose accounts must sign in with a code from an authenticator app. A rule \
                 applies at each account's next sign-in: one of such a role without two-factor \
                 sign-in must set it up then, before anything else, and cannot turn it off. \
                 Sessions signed in already are not affected."
            </p>
            <form class="form" on:submit=save novalidate aria-label="Sign-in rules">
                {Role::ALL
                    .into_iter()
                    .map(|role| {
                        let id = format!("mfa-required-{}", role.as_str());
                        let label_for = id.clone();
                        view! {
                            <label class="check" for=label_for>
                                <input
                                    id=id
                                    type="checkbox"
                                    disabled=move || required.with(Option::is_none)
                                    prop:checked=move || {
                                        required.with(|r| r.as_ref().is_some_and(|r| r.contains(&role)))
                                    }
                                    on:change:target=move |ev| toggle(role, ev.target().checked())
                                />
                                {rule_label(role)}
                            </label>
                        }
                    })
                    .collect_view()}
                <label class="check" for="local-sign-in">
                    <input
                        id="local-sign-in"
                        type="checkbox"
                        disabled=move || local.with(Option::is_none)
                        prop:checked=move || local.get().unwrap_or(true)
                        on:change:target=move |ev| {
                            notice.set(None);
                            local.set(Some(ev.target().checked()));
                        }
                    />
                    "Allow signing in with a username and password"
                </label>
                <p class="muted small">
                    "Untick it to use single sign-on only: possible once single sign-on is on and \
                     an admin has signed in through it. The command-line password reset turns it \
                     back on."
                </p>
                <Show when=move || error.with(Option::is_some)>
                    <p class="alert error" role="alert">{move || error.get()}</p>
                </Show>
                <Show when=move || notice.with(Option::is_some)>
                    <p class="alert success" role="status">{move || notice.get()}</p>
                </Show>
                <div class="actions">
                    <button
                        type="submit"
                        class="btn"
                        disabled=move || busy.get() || required.with(Option::is_none)
                    >
                        "Save sign-in rules"
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use plexward_shared::Role;

    use super::rule_label;

    #[test]
    fn labels_name_the_role() {
        assert_eq!(
            rule_label(Role::Admin),
            "Require two-factor sign-in for admins"
        );
        assert_eq!(
            rule_label(Role::Auditor),
            "Require two-factor sign-in for auditors"
        );
    }
}
