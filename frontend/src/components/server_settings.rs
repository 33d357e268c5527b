//! Settings → Server (admins only): port, HTTPS mode and the self-signed certificate's hostnames;
//! what runs now and whether a restart is needed; the certificate; a loud banner when HTTPS was
//! asked for but Plexward fell back to plain HTTP; the certificate upload and the restart. Values
//! pinned by the environment are read only and say so. Saved values apply at the next restart.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::server_settings::MIN_PORT;
use plexward_shared::{
    CertificateInfo, CertificateKind, HttpsMode, Scheme, ServerSettingsResponse, SettingSource,
    UpdateServerSettingsRequest,
};

use crate::api;
use crate::components::certificate_upload::CertificateUpload;
use crate::components::form_field::FormField;
use crate::components::restart_server::RestartServer;
use crate::format::local_time;

/// Entries typed one a line or separated by commas.
pub fn parse_hostnames(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

fn https_words(mode: HttpsMode) -> &'static str {
    match mode {
        HttpsMode::Off => "Off (plain HTTP)",
        HttpsMode::SelfSigned => "Self-signed certificate",
        HttpsMode::Custom => "Your own certificate",
    }
}

fn source_words(source: SettingSource) -> &'static str {
    match source {
        SettingSource::Environment => "set by environment",
        SettingSource::Database => "saved in Plexward",
        SettingSource::Default | SettingSource::Unset => "default",
    }
}

/// The hint under a field: pinned ones say where to change them.
fn pinned_hint(source: SettingSource, variable: &str, otherwise: &str) -> String {
    if source == SettingSource::Environment {
        format!("Set by environment ({variable}); change it there.")
    } else {
        otherwise.to_owned()
    }
}

#[component]
pub fn ServerSettings() -> impl IntoView {
    let settings = LocalResource::new(api::server_settings);
    view! {
        <section class="card glass" aria-labelledby="server-settings-title" data-testid="server-settings">
            <div class="card-head">
                <h2 id="server-settings-title">"Server"</h2>
            </div>
            <p class="hint">"Where and how Plexward serves this page. Changes apply at the next restart."</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(s) => {
                            let current = RwSignal::new(s);
                            view! {
                                <ServerStatus current />
                                <ServerForm current />
                                <CertificateUpload current />
                                <RestartServer current />
                            }.into_any()
                        }
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// What runs now, problems first, then the certificate.
#[component]
fn ServerStatus(current: RwSignal<ServerSettingsResponse>) -> impl IntoView {
    let tls_problem = move || current.with(|c| c.tls_problem.clone());
    let running = move || {
        current.with(|c| {
            let host = web_sys::window()
                .and_then(|w| w.location().hostname().ok())
                .unwrap_or_default();
            format!(
                "{}://{host}:{} — HTTPS {}",
                c.running.scheme.as_str(),
                c.running.port,
                https_words(c.running.https).to_lowercase()
            )
        })
    };
    view! {
        {move || tls_problem().map(|problem| {
            let fell_back = current.with(|c| c.running.scheme == Scheme::Http && c.https != HttpsMode::Off);
            view! {
                <div class="alert error tls-problem" role="alert" data-testid="tls-problem">
                    <p><strong>
                        {if fell_back {
                            "HTTPS is not served: Plexward is serving plain HTTP because of a certificate problem."
                        } else {
                            "There is a problem with the certificate."
                        }}
                    </strong></p>
                    <p>{problem}</p>
                </div>
            }
        })}
        <Show when=move || current.with(|c| c.restart_required)>
            <p class="alert info" role="status" data-testid="restart-required">
                <strong>"Restart required: "</strong>
                "the saved settings differ from what runs now. Restart Plexward (below) to apply them."
            </p>
        </Show>
        <dl class="facts" data-testid="server-running">
            <dt>"Running now"</dt>
            <dd>{running}</dd>
            <dt>"Certificate"</dt>
            <dd data-testid="server-certificate">
                {move || match current.with(|c| c.certificate.clone()) {
                    Some(info) => view! { <CertificateFacts info /> }.into_any(),
                    None => view! { <span class="muted">"none yet"</span> }.into_any(),
                }}
            </dd>
        </dl>
    }
}

#[component]
fn CertificateFacts(info: CertificateInfo) -> impl IntoView {
    let kind = match info.kind {
        CertificateKind::SelfSigned => "self-signed",
        CertificateKind::Custom => "uploaded",
    };
    let usage = if info.in_use {
        "in use"
    } else {
        "not in use yet"
    };
    view! {
        <dl class="facts certificate">
            <dt>"Subject"</dt>
            <dd class="mono">{info.subject.clone()}</dd>
            <dt>"Names (SANs)"</dt>
            <dd>{if info.sans.is_empty() { "—".to_owned() } else { info.sans.join(", ") }}</dd>
            <dt>"Expires"</dt>
            <dd>
                {local_time(&info.not_after)}
                {info.expires_soon.then(|| view! { " " <span class="warning-text">"in less than 30 days"</span> })}
            </dd>
            <dt>"Kind"</dt>
            <dd>{format!("{kind}, {usage}")}</dd>
        </dl>
    }
}

#[component]
fn ServerForm(current: RwSignal<ServerSettingsResponse>) -> impl IntoView {
    let initial = current.get_untracked();
    let (port_source, https_source, hostnames_source) = (
        initial.port_source,
        initial.https_source,
        initial.hostnames_source,
    );
    let port_pinned = port_source == SettingSource::Environment;
    let https_pinned = https_source == SettingSource::Environment;
    let hostnames_pinned = hostnames_source == SettingSource::Environment;

    let port = RwSignal::new(initial.port.to_string());
    let https = RwSignal::new(initial.https);
    let hostnames = RwSignal::new(initial.hostnames.join("\n"));

    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let failure = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
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
        saved.set(false);
        let before = current.get_untracked();
        // Only what cannot be sent at all is caught here; the range is the server's to judge.
        let new_port = match port.get_untracked().trim().parse::<u16>() {
            Ok(p) => p,
            Err(_) if port_pinned => before.port,
            Err(_) => {
                errors.set(BTreeMap::from([(
                    "port".to_owned(),
                    format!("must be a whole number from {MIN_PORT} to 65535"),
                )]));
                return;
            }
        };
        let new_hostnames = parse_hostnames(&hostnames.get_untracked());
        // Only what changed is sent, and never a pinned value.
        let body = UpdateServerSettingsRequest {
            port: (!port_pinned && new_port != before.port).then_some(new_port),
            https: (!https_pinned && https.get_untracked() != before.https)
                .then(|| https.get_untracked()),
            hostnames: (!hostnames_pinned && new_hostnames != before.hostnames)
                .then_some(new_hostnames),
        };
        let version = current.with_untracked(|c| c.version.clone());
        busy.set(true);
        spawn_local(async move {
            match api::update_server_settings(&body, &version).await {
                Ok(now) => {
                    port.try_set(now.port.to_string());
                    https.try_set(now.https);
                    hostnames.try_set(now.hostnames.join("\n"));
                    current.try_set(now);
                    saved.try_set(true);
                }
                Err(e) if !e.fields.is_empty() => {
                    errors.try_set(e.fields);
                }
                Err(e) => {
                    failure.try_set(Some(e.message));
                }
            }
            busy.try_set(false);
        });
    };

    let https_option = move |mode: HttpsMode| {
        view! {
            <option value=mode.as_str() selected=move || https.get() == mode>{https_words(mode)}</option>
        }
    };

    view! {
        <form class="form settings-form" on:submit=submit novalidate aria-label="Server settings">
            <div class="form-grid">
                <FormField
                    id="server-port"
                    label="Port"
                    error=error_of("port")
                    hint=move || format!(
                        "{} ({}).",
                        pinned_hint(port_source, "PLEXWARD_PORT or --port", &format!("{MIN_PORT}–65535")),
                        source_words(current.with(|c| c.port_source))
                    )
                >
                    <input
                        type="number"
                        inputmode="numeric"
                        min=MIN_PORT.to_string()
                        max="65535"
                        step="1"
                        readonly=port_pinned
                        prop:value=move || port.get()
                        on:input:target=move |ev| port.set(ev.target().value())
                    />
                </FormField>
                <FormField
                    id="server-https"
                    label="HTTPS"
                    error=error_of("https")
                    hint=move || format!(
                        "{} ({}).",
                        pinned_hint(
                            https_source,
                            "PLEXWARD_HTTPS",
                            "Self-signed: browsers warn until you trust it. Your own: upload it below first",
                        ),
                        source_words(current.with(|c| c.https_source))
                    )
                >
                    <select
                        disabled=https_pinned
                        on:change:target=move |ev| {
                            if let Ok(mode) = ev.target().value().parse() {
                                https.set(mode);
                            }
                        }
                    >
                        {https_option(HttpsMode::Off)}
                        {https_option(HttpsMode::SelfSigned)}
                        {https_option(HttpsMode::Custom)}
                    </select>
                </FormField>
            </div>
            <FormField
                id="server-hostnames"
                label="Hostnames"
                error=error_of("hostnames")
                hint=move || format!(
                    "{} ({}).",
                    pinned_hint(
                        hostnames_source,
                        "PLEXWARD_HOSTNAMES",
                        "Names and IP addresses the self-signed certificate covers, one a line or \
                         comma separated, at most 20; localhost, 127.0.0.1 and ::1 are always included",
                    ),
                    source_words(current.with(|c| c.hostnames_source))
                )
            >
                <textarea
                    rows="3"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    placeholder="plex.example.com, 192.168.1.10"
                    readonly=hostnames_pinned
                    prop:value=move || hostnames.get()
                    on:input:target=move |ev| hostnames.set(ev.target().value())
                ></textarea>
            </FormField>
            <div aria-live="polite">
                <Show when=move || saved.get()>
                    <p class="alert success" role="status" data-testid="server-saved">
                        {move || if current.with(|c| c.restart_required) {
                            "Server settings saved. They apply when Plexward restarts."
                        } else {
                            "Server settings saved."
                        }}
                    </p>
                </Show>
                <Show when=move || failure.with(Option::is_some)>
                    <p class="alert error" role="alert">{move || failure.get()}</p>
                </Show>
                <Show when=move || errors.with(|e| !e.is_empty())>
                    <p class="alert error" role="alert">"Some fields need attention; see below each one."</p>
                </Show>
            </div>
            <div class="actions">
                <button type="submit" class="btn" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save server settings" }}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_hostnames;

    #[test]
    fn hostnames_split_on_commas_and_lines() {
        assert_eq!(
            parse_hostnames(" plex.lan, 192.168.1.10\n\n nas ,\n"),
            vec!["plex.lan", "192.168.1.10", "nas"]
        );
        assert!(parse_hostnames(" ,\n ").is_empty());
    }
}
