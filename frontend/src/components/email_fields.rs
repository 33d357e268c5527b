//! An email channel's own fields in the channel form: the SMTP server (host, port, security),
//! the sign-in (username, a write-only password), the sender and recipients, and a certificate
//! to trust. The port's placeholder follows the security chosen.

use leptos::prelude::*;

use crate::components::form_field::FormField;
use crate::notify_text::{
    ChannelFields, EMAIL_RECIPIENTS_MAX, EMAIL_SECURITIES, FieldErrors, default_port,
};

/// The email fields' values, one signal each.
#[derive(Debug, Clone, Copy)]
pub struct EmailForm {
    pub host: RwSignal<String>,
    pub port: RwSignal<String>,
    pub security: RwSignal<String>,
    pub username: RwSignal<String>,
    pub password: RwSignal<String>,
    pub clear_password: RwSignal<bool>,
    pub from: RwSignal<String>,
    pub to: RwSignal<String>,
    pub ca_pem: RwSignal<String>,
}

impl EmailForm {
    pub fn new(fields: &ChannelFields) -> Self {
        Self {
            host: RwSignal::new(fields.host.clone()),
            port: RwSignal::new(fields.port.clone()),
            security: RwSignal::new(fields.security.clone()),
            username: RwSignal::new(fields.username.clone()),
            password: RwSignal::new(String::new()),
            clear_password: RwSignal::new(false),
            from: RwSignal::new(fields.from.clone()),
            to: RwSignal::new(fields.to.clone()),
            ca_pem: RwSignal::new(fields.ca_pem.clone()),
        }
    }

    /// Copies the values into `fields` (for `channel_request`).
    pub fn fill(&self, fields: &mut ChannelFields) {
        fields.host = self.host.get_untracked();
        fields.port = self.port.get_untracked();
        fields.security = self.security.get_untracked();
        fields.username = self.username.get_untracked();
        fields.password = self.password.get_untracked();
        fields.clear_password = self.clear_password.get_untracked();
        fields.from = self.from.get_untracked();
        fields.to = self.to.get_untracked();
        fields.ca_pem = self.ca_pem.get_untracked();
    }
}

#[component]
pub fn EmailFields(
    form: EmailForm,
    /// The form's field errors, keyed as the server keys them (`config.host`, `password`, …).
    errors: RwSignal<FieldErrors>,
    editing: bool,
    /// Editing a channel whose password is saved.
    secret_set: bool,
) -> impl IntoView {
    let error_of =
        move |field: &'static str| Signal::derive(move || errors.with(|e| e.get(field).cloned()));
    let saved_password = editing && secret_set;
    let password_hint = if saved_password {
        "A password is saved (never shown). Leave empty to keep it; type a new one to replace it."
    } else {
        "Only with a username. Stored encrypted; never shown again."
    };
    let chosen = form.security.get_untracked();
    let securities = EMAIL_SECURITIES
        .into_iter()
        .map(|(value, label)| {
            let selected = chosen == value;
            view! { <option value=value selected=selected>{label}</option> }
        })
        .collect_view();
    view! {
        <FormField id="channel-host" label="SMTP server" error=error_of("config.host") hint="Host name or address, e.g. smtp.example.com.">
            <input
                type="text"
                maxlength="253"
                autocomplete="off"
                autocapitalize="off"
                spellcheck="false"
                data-testid="channel-host"
                placeholder="smtp.example.com"
                prop:value=move || form.host.get()
                on:input=move |ev| form.host.set(event_target_value(&ev))
            />
        </FormField>
        <FormField
            id="channel-security"
            label="Security"
            error=error_of("config.security")
            hint="TLS from the first byte (port 465), STARTTLS (port 587, never falls back to plain), or none: plain text, only for a relay on this machine or network."
        >
            <select
                data-testid="channel-security"
                on:change=move |ev| form.security.set(event_target_value(&ev))
            >
                {securities}
            </select>
        </FormField>
        <FormField
            id="channel-port"
            label="Port"
            error=error_of("config.port")
            hint=Signal::derive(move || format!("Empty: {}.", default_port(&form.security.get())))
        >
            <input
                type="text"
                inputmode="numeric"
                maxlength="5"
                autocomplete="off"
                data-testid="channel-port"
                placeholder=move || default_port(&form.security.get()).to_string()
                prop:value=move || form.port.get()
                on:input=move |ev| form.port.set(event_target_value(&ev))
            />
        </FormField>
        <FormField id="channel-username" label="Username (optional)" error=error_of("config.username") hint="Empty: no sign-in. Signing in needs TLS or STARTTLS.">
            <input
                type="text"
                maxlength="320"
                autocomplete="off"
                autocapitalize="off"
                spellcheck="false"
                data-testid="channel-username"
                prop:value=move || form.username.get()
                on:input=move |ev| form.username.set(event_target_value(&ev))
            />
        </FormField>
        <div class="field">
            <FormField id="channel-password" label="Password" error=error_of("password") hint=password_hint>
                <input
                    type="password"
                    maxlength="512"
                    autocomplete="new-password"
                    autocapitalize="off"
                    spellcheck="false"
                    data-testid="channel-password"
                    placeholder=if saved_password { "leave empty to keep" } else { "none" }
                    disabled=move || form.clear_password.get()
                    prop:value=move || form.password.get()
                    on:input=move |ev| form.password.set(event_target_value(&ev))
                />
            </FormField>
            {saved_password.then(|| view! {
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="channel-clear-password"
                        prop:checked=move || form.clear_password.get()
                        on:change=move |ev| form.clear_password.set(event_target_checked(&ev))
                    />
                    "Remove the saved password"
                </label>
            })}
        </div>
        <FormField id="channel-from" label="From" error=error_of("config.from") hint="The sender: an address, or a name and address.">
            <input
                type="text"
                maxlength="320"
                autocomplete="off"
                spellcheck="false"
                data-testid="channel-from"
                placeholder="Plexward <plexward@example.com>"
                prop:value=move || form.from.get()
                on:input=move |ev| form.from.set(event_target_value(&ev))
            />
        </FormField>
        <FormField
            id="channel-to"
            label="To"
            error=error_of("config.to")
            hint=format!("Who gets the events: 1–{EMAIL_RECIPIENTS_MAX} addresses, comma-separated. Friends' own reminders go to each friend instead.")
        >
            <input
                type="text"
                inputmode="email"
                autocomplete="off"
                spellcheck="false"
                data-testid="channel-to"
                placeholder="you@example.com, other@example.com"
                prop:value=move || form.to.get()
                on:input=move |ev| form.to.set(event_target_value(&ev))
            />
        </FormField>
        <FormField
            id="channel-ca-pem"
            label="Trust this certificate (PEM, optional)"
            error=error_of("config.ca_pem")
            hint="For a relay with its own (self-signed) certificate: paste it here, besides the system's."
        >
            <textarea
                rows="3"
                spellcheck="false"
                data-testid="channel-ca-pem"
                placeholder="-----BEGIN CERTIFICATE-----"
                prop:value=move || form.ca_pem.get()
                on:input=move |ev| form.ca_pem.set(event_target_value(&ev))
            ></textarea>
        </FormField>
    }
}
