//! Settings → Server → your own certificate: two PEM files (the chain and the private key) sent
//! together. The server checks the pair before saving anything; its 422 names the part and why,
//! and that reason is shown under the file it is about.

use std::collections::BTreeMap;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::ServerSettingsResponse;
use plexward_shared::server_settings::MAX_PEM_BYTES;

use crate::api;
use crate::components::form_field::FormField;

fn chosen_file(input: NodeRef<html::Input>) -> Option<web_sys::File> {
    input.get_untracked()?.files()?.get(0)
}

#[component]
pub fn CertificateUpload(current: RwSignal<ServerSettingsResponse>) -> impl IntoView {
    let cert_input = NodeRef::<html::Input>::new();
    let key_input = NodeRef::<html::Input>::new();
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
        errors.set(BTreeMap::new());
        failure.set(None);
        saved.set(None);
        let (cert, key) = (chosen_file(cert_input), chosen_file(key_input));
        let (Some(cert), Some(key)) = (cert.clone(), key.clone()) else {
            let mut missing = BTreeMap::new();
            if cert.is_none() {
                missing.insert("cert".to_owned(), "choose the certificate file".to_owned());
            }
            if key.is_none() {
                missing.insert("key".to_owned(), "choose the private key file".to_owned());
            }
            errors.set(missing);
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match api::upload_certificate(&cert, &key).await {
                Ok(now) => {
                    let subject = now
                        .certificate
                        .as_ref()
                        .map(|c| c.subject.clone())
                        .unwrap_or_default();
                    saved.try_set(Some(format!(
                        "Certificate saved ({subject}). Choose HTTPS “Your own certificate”, save, \
                         and restart to serve it."
                    )));
                    current.try_set(now);
                }
                // `form` is about the request as a whole; it is shown with the general failures.
                Err(e) if e.fields.contains_key("cert") || e.fields.contains_key("key") => {
                    errors.try_set(e.fields);
                }
                Err(e) => {
                    let message = e.field("form").unwrap_or(e.message);
                    failure.try_set(Some(message));
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <form class="form settings-form" on:submit=submit novalidate aria-label="Upload a certificate">
            <h3>"Your own certificate"</h3>
            <p class="hint">
                {format!(
                    "PEM files of at most {} KiB each. The chain starts with the server's certificate, \
                     followed by each issuer; the key is unencrypted. Nothing is saved unless both fit \
                     together and are valid now.",
                    MAX_PEM_BYTES / 1024
                )}
            </p>
            <div class="form-grid">
                <FormField id="server-cert" label="Certificate chain (PEM)" error=error_of("cert")>
                    <input
                        type="file"
                        accept=".pem,.crt,.cer,application/x-pem-file"
                        node_ref=cert_input
                    />
                </FormField>
                <FormField id="server-key" label="Private key (PEM)" error=error_of("key")>
                    <input type="file" accept=".pem,.key,application/x-pem-file" node_ref=key_input />
                </FormField>
            </div>
            <div aria-live="polite">
                <Show when=move || saved.with(Option::is_some)>
                    <p class="alert success" role="status" data-testid="certificate-saved">{move || saved.get()}</p>
                </Show>
                <Show when=move || failure.with(Option::is_some)>
                    <p class="alert error" role="alert">{move || failure.get()}</p>
                </Show>
            </div>
            <div class="actions">
                <button type="submit" class="btn ghost" disabled=move || busy.get()>
                    {move || if busy.get() { "Uploading…" } else { "Upload certificate" }}
                </button>
            </div>
        </form>
    }
}
