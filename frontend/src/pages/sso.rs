//! Settings → Single sign-on (`/settings/sso`, admins: `ManageAccounts`, like the accounts it
//! creates): the OpenID provider (issuer, client id, client secret), the scopes, which groups give
//! which role, whether unknown people get an account and with what role, and the login button's
//! words. The redirect URI to register at the provider is shown first, with a copy button, since
//! that is where setting it up starts. The client secret is write-only: the page only ever learns
//! whether one is saved.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{Role, SsoRoleRule, SsoSettingsRequest, SsoSettingsResponse};

use crate::api;
use crate::components::copy_field::CopyField;
use crate::components::field_error::FieldError;
use crate::components::form_field::FormField;
use crate::sso_text::{
    button_text, default_role_value, parse_default_role, parse_scopes, redirect_uri, scopes_text,
};

#[component]
pub fn SingleSignOn() -> impl IntoView {
    let settings = LocalResource::new(api::sso_settings);
    view! {
        <p><a href=api::href("/settings") data-testid="sso-back">"← Settings"</a></p>
        <h1 class="page-title">"Single sign-on"</h1>
        <p class="hint">
            "People sign in through your identity provider (Authentik, Authelia, Keycloak, any OpenID Connect provider) \
             with “Sign in with …” on the login page; their role follows their groups there at every sign-in."
        </p>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! {
                        <RedirectUri callback_path=settings.callback_path.clone() />
                        <SsoForm settings />
                    }
                    .into_any(),
                    Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The address the provider must send people back to: as this browser reaches Plexward (its
/// origin and base path), which is what the server builds it from too.
#[component]
fn RedirectUri(callback_path: String) -> impl IntoView {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let uri = redirect_uri(&origin, &api::base_path(), &callback_path);
    view! {
        <section class="card glass" aria-labelledby="sso-redirect-title">
            <h2 id="sso-redirect-title">"At the provider"</h2>
            <p class="hint">
                "Register Plexward there as a confidential OpenID Connect client (authorization code, PKCE S256) \
                 with this redirect URI; behind a reverse proxy it is the address people type."
            </p>
            <div class="sso-redirect">
                <CopyField
                    id="sso-redirect-uri"
                    label="Redirect URI"
                    value=uri
                    test_id="sso-redirect-uri"
                />
            </div>
        </section>
    }
}

/// One group → role rule as edited; `key` tells the rows apart while some are added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RuleRow {
    key: u32,
    rule: SsoRoleRule,
}

/// The saved rules as rows, keyed from `first_key` on.
fn rows_of(rules: &[SsoRoleRule], first_key: u32) -> Vec<RuleRow> {
    (first_key..)
        .zip(rules)
        .map(|(key, rule)| RuleRow {
            key,
            rule: rule.clone(),
        })
        .collect()
}

#[component]
fn SsoForm(settings: SsoSettingsResponse) -> impl IntoView {
    // What is saved now: the secret's placeholder and the outcome line follow it.
    let current = RwSignal::new(settings.clone());
    let enabled = RwSignal::new(settings.enabled);
    let issuer = RwSignal::new(settings.issuer.clone());
    let client_id = RwSignal::new(settings.client_id.clone());
    let secret = RwSignal::new(String::new());
    let remove_secret = RwSignal::new(false);
    let scopes = RwSignal::new(scopes_text(&settings.scopes));
    let next_key = StoredValue::new(settings.role_mapping.len() as u32);
    let rules = RwSignal::new(rows_of(&settings.role_mapping, 0));
    let create_unknown = RwSignal::new(settings.create_unknown_users);
    let default_role = RwSignal::new(settings.default_role);
    let label = RwSignal::new(settings.button_label.clone());

    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let failure = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let error_of =
        move |name: &'static str| Signal::derive(move || errors.with(|e| e.get(name).cloned()));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let new_secret = secret.get_untracked().trim().to_owned();
        // The whole form is sent (it is all of the settings), except the write-only secret,
        // which is only sent to replace or remove it.
        let body = SsoSettingsRequest {
            enabled: Some(enabled.get_untracked()),
            issuer: Some(issuer.get_untracked().trim().to_owned()),
            client_id: Some(client_id.get_untracked().trim().to_owned()),
            client_secret: if remove_secret.get_untracked() {
                Some(String::new())
            } else {
                (!new_secret.is_empty()).then_some(new_secret)
            },
            scopes: Some(parse_scopes(&scopes.get_untracked())),
            role_mapping: Some(rules.with_untracked(|rows| {
                rows.iter()
                    .map(|row| SsoRoleRule {
                        group: row.rule.group.trim().to_owned(),
                        role: row.rule.role,
                    })
                    .collect()
            })),
            create_unknown_users: Some(create_unknown.get_untracked()),
            default_role: Some(default_role.get_untracked()),
            button_label: Some(label.get_untracked().trim().to_owned()),
        };
        errors.set(BTreeMap::new());
        failure.set(None);
        saved.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::save_sso_settings(&body).await {
                Ok(now) => {
                    enabled.set(now.enabled);
                    issuer.set(now.issuer.clone());
                    client_id.set(now.client_id.clone());
                    secret.set(String::new());
                    remove_secret.set(false);
                    scopes.set(scopes_text(&now.scopes));
                    let first = next_key.get_value();
                    next_key.set_value(first + now.role_mapping.len() as u32);
                    rules.set(rows_of(&now.role_mapping, first));
                    create_unknown.set(now.create_unknown_users);
                    default_role.set(now.default_role);
                    label.set(now.button_label.clone());
                    saved.set(Some(if now.enabled {
                        format!(
                            "Single sign-on saved. The login page offers “{}”.",
                            button_text(&now.button_label)
                        )
                    } else {
                        "Single sign-on saved. It is off: the login page offers passwords only."
                            .to_owned()
                    }));
                    current.set(now);
                }
                Err(e) if !e.fields.is_empty() => errors.set(e.fields),
                Err(e) => failure.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    let secret_set = move || current.with(|s| s.client_secret_set);
    view! {
        <section class="card glass" aria-labelledby="sso-title">
            <div class="card-head">
                <h2 id="sso-title">"OpenID provider"</h2>
                {move || if current.with(|s| s.enabled) {
                    view! { <span class="pill ok" data-testid="sso-state">"On"</span> }.into_any()
                } else {
                    view! { <span class="pill warn" data-testid="sso-state">"Off"</span> }.into_any()
                }}
            </div>
            <form class="form settings-form" on:submit=submit novalidate aria-label="Single sign-on settings">
                <div class="field">
                    <label class="check">
                        <input
                            id="sso-enabled"
                            type="checkbox"
                            aria-describedby="sso-enabled-error"
                            aria-invalid=move || error_of("enabled").with(Option::is_some).then_some("true")
                            prop:checked=move || enabled.get()
                            on:change:target=move |ev| enabled.set(ev.target().checked())
                        />
                        "Offer single sign-on on the login page"
                    </label>
                    <FieldError id="sso-enabled-error" error=error_of("enabled") />
                </div>
                <div class="form-grid">
                    <FormField
                        id="sso-issuer"
                        label="Issuer URL"
                        error=error_of("issuer")
                        hint="Exactly as the provider's discovery document (…/.well-known/openid-configuration) says it, trailing slash and all."
                    >
                        <input
                            type="text"
                            inputmode="url"
                            maxlength="2048"
                            autocomplete="off"
                            autocapitalize="off"
                            spellcheck="false"
                            placeholder="https://auth.example.com/application/o/plexward/"
                            prop:value=move || issuer.get()
                            on:input:target=move |ev| issuer.set(ev.target().value())
                        />
                    </FormField>
                    <FormField id="sso-client-id" label="Client ID" error=error_of("client_id")>
                        <input
                            type="text"
                            maxlength="512"
                            autocomplete="off"
                            autocapitalize="off"
                            spellcheck="false"
                            prop:value=move || client_id.get()
                            on:input:target=move |ev| client_id.set(ev.target().value())
                        />
                    </FormField>
                    <div class="field">
                        <FormField
                            id="sso-client-secret"
                            label="Client secret"
                            error=error_of("client_secret")
                            hint=move || if secret_set() {
                                "A secret is saved (never shown). Leave empty to keep it; type a new one to replace it."
                            } else {
                                "From the provider. Stored encrypted; never shown again."
                            }
                        >
                            <input
                                type="password"
                                maxlength="1024"
                                autocomplete="new-password"
                                autocapitalize="off"
                                spellcheck="false"
                                placeholder=move || if secret_set() { "saved" } else { "not set" }
                                disabled=move || remove_secret.get()
                                prop:value=move || secret.get()
                                on:input:target=move |ev| secret.set(ev.target().value())
                            />
                        </FormField>
                        <Show when=secret_set>
                            <label class="check">
                                <input
                                    type="checkbox"
                                    data-testid="sso-remove-secret"
                                    prop:checked=move || remove_secret.get()
                                    on:change:target=move |ev| remove_secret.set(ev.target().checked())
                                />
                                "Remove the saved secret"
                            </label>
                        </Show>
                    </div>
                    <FormField
                        id="sso-scopes"
                        label="Scopes"
                        error=error_of("scopes")
                        hint="Besides openid (always asked), separated by spaces. Roles follow the groups claim, so ask for the scope that carries it."
                    >
                        <input
                            type="text"
                            maxlength="1024"
                            autocomplete="off"
                            autocapitalize="off"
                            spellcheck="false"
                            placeholder="profile email groups"
                            prop:value=move || scopes.get()
                            on:input:target=move |ev| scopes.set(ev.target().value())
                        />
                    </FormField>
                </div>
                <RoleRules rules next_key error=error_of("role_mapping") />
                <div class="field">
                    <label class="check">
                        <input
                            id="sso-create-unknown"
                            type="checkbox"
                            aria-describedby="sso-create-unknown-hint sso-create-unknown-error"
                            prop:checked=move || create_unknown.get()
                            on:change:target=move |ev| create_unknown.set(ev.target().checked())
                        />
                        "Create an account for someone new"
                    </label>
                    <p class="hint" id="sso-create-unknown-hint">
                        "Off: only people who signed in this way before get in. People are matched by the provider's \
                         issuer and subject; a local account of the same name is never taken over."
                    </p>
                    <FieldError id="sso-create-unknown-error" error=error_of("create_unknown_users") />
                </div>
                <div class="form-grid">
                    <FormField
                        id="sso-default-role"
                        label="Role when no group matches"
                        error=error_of("default_role")
                        hint="None: someone whose groups match no rule is refused."
                    >
                        <select on:change:target=move |ev| default_role.set(parse_default_role(&ev.target().value()))>
                            <option value=default_role_value(None) selected=move || default_role.get().is_none()>"None (refused)"</option>
                            {Role::ALL
                                .into_iter()
                                .map(|r| view! {
                                    <option value=default_role_value(Some(r)) selected=move || default_role.get() == Some(r)>
                                        {r.as_str()}
                                    </option>
                                })
                                .collect_view()}
                        </select>
                    </FormField>
                    <FormField
                        id="sso-button-label"
                        label="Button label"
                        error=error_of("button_label")
                        hint=move || {
                            // Empty is the server's default label.
                            let text = label.get();
                            let text = text.trim();
                            let text = if text.is_empty() { "single sign-on" } else { text };
                            format!("The login page shows “{}”.", button_text(text))
                        }
                    >
                        <input
                            type="text"
                            maxlength="40"
                            autocomplete="off"
                            placeholder="Authentik"
                            prop:value=move || label.get()
                            on:input:target=move |ev| label.set(ev.target().value())
                        />
                    </FormField>
                </div>
                <div aria-live="polite">
                    <Show when=move || saved.with(Option::is_some)>
                        <p class="alert success" role="status" data-testid="sso-saved">{move || saved.get()}</p>
                    </Show>
                    <Show when=move || failure.with(Option::is_some)>
                        <p class="alert error" role="alert">{move || failure.get()}</p>
                    </Show>
                    <Show when=move || errors.with(|e| !e.is_empty())>
                        <p class="alert error" role="alert" data-testid="sso-errors">"Some fields need attention; see below each one."</p>
                    </Show>
                </div>
                <div class="actions">
                    <button type="submit" class="btn" data-testid="sso-save" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// The group → role rules: a row each (the group's name as the provider's groups claim spells
/// it, and the role it gives), added and removed here, saved with the form.
#[component]
fn RoleRules(
    rules: RwSignal<Vec<RuleRow>>,
    next_key: StoredValue<u32>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let edit = move |key: u32, change: &dyn Fn(&mut SsoRoleRule)| {
        rules.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|r| r.key == key) {
                change(&mut row.rule);
            }
        });
    };
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rules.update(|rows| {
            rows.push(RuleRow {
                key,
                rule: SsoRoleRule {
                    group: String::new(),
                    role: Role::Auditor,
                },
            });
        });
    };
    view! {
        <fieldset class="field sso-rules" aria-describedby="sso-rules-hint sso-rules-error" data-testid="sso-rules">
            <legend class="label">"Roles from groups"</legend>
            <p class="hint" id="sso-rules-hint">
                "Someone in several of these groups gets the highest role they give; the role is set again at every sign-in."
            </p>
            <Show when=move || rules.with(Vec::is_empty)>
                <p class="muted" data-testid="sso-no-rules">"No rules: everyone gets the role below (or is refused)."</p>
            </Show>
            <For each=move || rules.get() key=|row| row.key let:row>
                {
                    let key = row.key;
                    let group_id = format!("sso-rule-{key}-group");
                    let role_id = format!("sso-rule-{key}-role");
                    let role = row.rule.role;
                    view! {
                        <div class="sso-rule" data-testid="sso-rule">
                            <label for=group_id.clone() class="visually-hidden">"Group"</label>
                            <input
                                id=group_id
                                type="text"
                                maxlength="256"
                                autocomplete="off"
                                autocapitalize="off"
                                spellcheck="false"
                                placeholder="Group, e.g. plex-admins"
                                prop:value=row.rule.group.clone()
                                on:input:target=move |ev| {
                                    let value = ev.target().value();
                                    edit(key, &|rule| rule.group.clone_from(&value));
                                }
                            />
                            <label for=role_id.clone() class="visually-hidden">"Role"</label>
                            <select
                                id=role_id
                                on:change:target=move |ev| {
                                    if let Ok(r) = ev.target().value().parse::<Role>() {
                                        edit(key, &|rule| rule.role = r);
                                    }
                                }
                            >
                                {Role::ALL
                                    .into_iter()
                                    .map(|r| view! { <option value=r.as_str() selected=r == role>{r.as_str()}</option> })
                                    .collect_view()}
                            </select>
                            <button
                                type="button"
                                class="btn ghost small"
                                on:click=move |_| rules.update(|rows| rows.retain(|r| r.key != key))
                            >
                                "Remove"
                            </button>
                        </div>
                    }
                }
            </For>
            <FieldError id="sso-rules-error" error />
            <div>
                <button type="button" class="btn ghost small" on:click=add data-testid="sso-add-rule">"Add a rule"</button>
            </div>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use plexward_shared::{Role, SsoRoleRule};

    use super::rows_of;

    #[test]
    fn rows_get_keys_of_their_own() {
        let rules = [
            SsoRoleRule {
                group: "plex-admins".into(),
                role: Role::Admin,
            },
            SsoRoleRule {
                group: "plex-mods".into(),
                role: Role::Moderator,
            },
        ];
        let rows = rows_of(&rules, 5);
        assert_eq!(rows.iter().map(|r| r.key).collect::<Vec<_>>(), [5, 6]);
        assert_eq!(rows[1].rule, rules[1]);
    }
}
