//! Settings → Plex: "Sign in with Plex" (see `components/plex_sign_in.rs`), or by hand the
//! connection (server URL, token) with "Test connection"; the anchor library,
//! the time zone and the drift policy. Admins edit; moderators and auditors see the same form read
//! only. Values pinned by environment variables are read only for everyone and say so. The token
//! is write-only: the page only ever learns whether one is set.
//!
//! Settings → Scheduler: when the reconcile runs (see `components/scheduler_form.rs`).
//!
//! Settings → Notifications: links to the channels page (`pages/notifications.rs`) and the
//! message templates (`pages/templates.rs`).
//!
//! Settings → Friend portal: the switch for `/portal` and its address (see
//! `components/portal_settings.rs`).
//!
//! Settings → Inactivity: the inactivity policy (see `components/inactivity_settings.rs`).
//!
//! Settings → Single sign-on (admins only, like the accounts it creates): a link to its page
//! (`pages/sso.rs`).
//!
//! Settings → Server (admins only): port, HTTPS, certificate and restart (see
//! `components/server_settings.rs`).

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    DriftPolicy, EndPolicy, LibraryResponse, Permission, PlexSettingsResponse, PlexTestResponse,
    SettingSource, UpdatePlexSettingsRequest,
};

use crate::api;
use crate::components::backups::Backups;
use crate::components::field_error::FieldError;
use crate::components::form_field::FormField;
use crate::components::inactivity_settings::InactivitySettingsCard;
use crate::components::plex_sign_in::PlexSignIn;
use crate::components::portal_settings::PortalSettingsCard;
use crate::components::scheduler_form::SchedulerSettings;
use crate::components::server_settings::ServerSettings;
use crate::session::use_session;

const URL_ENV: &str = "PLEXWARD_PLEX_URL";
const TOKEN_ENV: &str = "PLEXWARD_PLEX_TOKEN";

/// Suggestions for the time zone field; any IANA name is accepted (the server checks).
const COMMON_TIME_ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Zurich",
    "Europe/Vienna",
    "Europe/Rome",
    "Europe/Madrid",
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/Warsaw",
    "Europe/Prague",
    "Europe/Athens",
    "Europe/Istanbul",
    "Europe/Kyiv",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Toronto",
    "America/Vancouver",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Pacific/Honolulu",
    "Africa/Johannesburg",
    "Africa/Cairo",
    "Africa/Lagos",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Perth",
    "Australia/Sydney",
    "Pacific/Auckland",
];

#[component]
pub fn Settings() -> impl IntoView {
    // Only admins may change how Plexward serves; nobody else is shown the section.
    let show_server = use_session().allows(Permission::ManageSettings);
    let show_backups = use_session().allows(Permission::ManageBackups);
    // Single sign-on creates accounts and gives roles: for those who manage accounts.
    let show_sso = use_session().allows(Permission::ManageAccounts);
    let settings = LocalResource::new(api::plex_settings);
    let libraries = LocalResource::new(api::libraries);
    view! {
        <h1 class="page-title">"Settings"</h1>
        <section class="card glass" aria-labelledby="plex-title">
            <div class="card-head">
                <h2 id="plex-title">"Plex connection"</h2>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    // Without libraries (none synced yet, or an error) the anchor offers "None" only.
                    let libraries = libraries.await.map(|l| l.items).unwrap_or_default();
                    match settings.await {
                        Ok(s) => view! { <PlexSettingsForm settings=s libraries /> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <SchedulerSettings />
        <section class="card glass" aria-labelledby="notifications-title">
            <div class="card-head">
                <h2 id="notifications-title">"Notifications"</h2>
                <a class="btn ghost" href=api::href("/settings/notifications") data-testid="settings-notifications-link">
                    "Manage channels"
                </a>
            </div>
            <p class="hint">
                "Send events — access granted, started, ending and ended, invites, failures — to a signed webhook, Discord, ntfy or email, with reminders before access ends (to friends too) and the messages' "
                <a href=api::href("/settings/templates") data-testid="settings-templates-link">"templates"</a>
                "."
            </p>
        </section>
        <PortalSettingsCard />
        <InactivitySettingsCard />
        {show_sso.then(|| view! {
            <section class="card glass" aria-labelledby="sso-link-title">
                <div class="card-head">
                    <h2 id="sso-link-title">"Single sign-on"</h2>
                    <a class="btn ghost" href=api::href("/settings/sso") data-testid="settings-sso-link">
                        "Set up single sign-on"
                    </a>
                </div>
                <p class="hint">
                    "Let people sign in through your identity provider (OpenID Connect: Authentik, Authelia, Keycloak…), their role following their groups there."
                </p>
            </section>
        })}
        {show_server.then(|| view! { <ServerSettings /> })}
        {show_backups.then(|| view! { <Backups /> })}
    }
}

fn source_text(source: SettingSource, env: &str) -> String {
    match source {
        SettingSource::Environment => format!("set by environment ({env})"),
        SettingSource::Database => "saved in Plexward".into(),
        SettingSource::Unset => "not set".into(),
        SettingSource::Default => "default".into(),
    }
}

/// What is in effect now, above the form.
#[component]
fn CurrentConnection(current: RwSignal<PlexSettingsResponse>) -> impl IntoView {
    view! {
        <dl class="facts" data-testid="plex-settings">
            <dt>"Server URL"</dt>
            <dd>
                {move || current.with(|s| s.server_url.clone().unwrap_or_else(|| "—".into()))}
                " "
                <span class="muted">
                    {move || current.with(|s| format!("({})", source_text(s.server_url_source, URL_ENV)))}
                </span>
            </dd>
            <dt>"Token"</dt>
            <dd>
                {move || current.with(|s| if s.token_set { "set (never shown)" } else { "not set" })}
                " "
                <span class="muted">
                    {move || current.with(|s| format!("({})", source_text(s.token_source, TOKEN_ENV)))}
                </span>
            </dd>
            <dt>"plex.tv"</dt>
            <dd>{move || current.with(|s| s.plextv_url.clone())}</dd>
        </dl>
    }
}

#[component]
fn PlexSettingsForm(
    settings: PlexSettingsResponse,
    libraries: Vec<LibraryResponse>,
) -> impl IntoView {
    let session = use_session();
    let can_edit = session.allows(Permission::ManageSettings);
    let url_pinned = settings.server_url_source == SettingSource::Environment;
    let token_pinned = settings.token_source == SettingSource::Environment;

    let current = RwSignal::new(settings.clone());
    let url = RwSignal::new(settings.server_url.clone().unwrap_or_default());
    let token = RwSignal::new(String::new());
    let clear_token = RwSignal::new(false);
    let anchor = RwSignal::new(settings.anchor_library_id.unwrap_or(0));
    let time_zone = RwSignal::new(settings.time_zone.clone());
    let drift = RwSignal::new(settings.drift_policy);
    let end_policy = RwSignal::new(settings.end_policy);
    let anchor_titles: Vec<(i64, String)> =
        libraries.iter().map(|l| (l.id, l.title.clone())).collect();
    let end_words = move || {
        let anchor = anchor.get();
        let title = anchor_titles
            .iter()
            .find(|(id, _)| *id == anchor && anchor != 0)
            .map(|(_, t)| t.as_str());
        end_policy.get().words("a friend", title)
    };

    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let failure = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error_of =
        move |name: &'static str| Signal::derive(move || errors.with(|e| e.get(name).cloned()));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !can_edit {
            return;
        }
        // Only what changed is sent: an untouched field keeps its value (and an untouched time
        // zone stays "the host's" instead of being pinned to today's host zone).
        let before = current.get_untracked();
        let new_url = url.get_untracked().trim().to_owned();
        let new_token = token.get_untracked().trim().to_owned();
        let new_tz = time_zone.get_untracked().trim().to_owned();
        let new_anchor = anchor.get_untracked();
        let body = UpdatePlexSettingsRequest {
            server_url: (!url_pinned && new_url != before.server_url.clone().unwrap_or_default())
                .then_some(new_url),
            token: if token_pinned {
                None
            } else if clear_token.get_untracked() {
                Some(String::new())
            } else {
                (!new_token.is_empty()).then_some(new_token)
            },
            anchor_library_id: (Some(new_anchor).filter(|a| *a != 0) != before.anchor_library_id)
                .then_some(new_anchor),
            time_zone: (new_tz != before.time_zone).then_some(new_tz),
            drift_policy: (drift.get_untracked() != before.drift_policy)
                .then(|| drift.get_untracked()),
            end_policy: (end_policy.get_untracked() != before.end_policy)
                .then(|| end_policy.get_untracked()),
            pin_id: None,
        };
        errors.set(BTreeMap::new());
        failure.set(None);
        saved.set(false);
        let version = current.with_untracked(|c| c.version.clone());
        busy.set(true);
        spawn_local(async move {
            match api::update_plex_settings(&body, &version).await {
                Ok(now) => {
                    url.set(now.server_url.clone().unwrap_or_default());
                    token.set(String::new());
                    clear_token.set(false);
                    anchor.set(now.anchor_library_id.unwrap_or(0));
                    time_zone.set(now.time_zone.clone());
                    drift.set(now.drift_policy);
                    end_policy.set(now.end_policy);
                    current.set(now);
                    saved.set(true);
                }
                Err(e) if !e.fields.is_empty() => errors.set(e.fields),
                Err(e) => failure.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    let anchor_options = libraries
        .into_iter()
        .filter(|l| !l.removed || Some(l.id) == settings.anchor_library_id)
        .map(|l| {
            let id = l.id;
            let label = if l.removed {
                format!("{} (removed from Plex)", l.title)
            } else {
                l.title
            };
            view! { <option value=id.to_string() selected=move || anchor.get() == id>{label}</option> }
        })
        .collect_view();

    let on_connected = Callback::new(move |saved: PlexSettingsResponse| {
        url.set(saved.server_url.clone().unwrap_or_default());
        current.set(saved);
    });
    view! {
        <CurrentConnection current />
        {(can_edit && !token_pinned).then(|| view! {
            <PlexSignIn on_connected />
            <p class="hint">"Or connect by hand: paste a token and the server's URL below (advanced)."</p>
        })}
        <form class="form settings-form" on:submit=submit novalidate aria-label="Plex settings">
            {(!can_edit).then(|| view! { <p class="hint">"Only admins can change these settings."</p> })}
            <div class="form-grid">
                <FormField
                    id="plex-url"
                    label="Server URL"
                    error=error_of("server_url")
                    hint={if url_pinned {
                            format!("Set by environment ({URL_ENV}); change it there.")
                        } else {
                            "Your Plex Media Server, e.g. http://192.168.1.10:32400. Empty removes it.".to_owned()
                        }}
                >
                    <input
                        type="text"
                        inputmode="url"
                        maxlength="2048"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        placeholder="http://192.168.1.10:32400"
                        readonly=url_pinned
                        disabled=!can_edit
                        prop:value=move || url.get()
                        on:input:target=move |ev| url.set(ev.target().value())
                    />
                </FormField>
                <div class="field">
                    <label for="plex-token">"Plex token"</label>
                    <input
                        id="plex-token"
                        type="password"
                        maxlength="512"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        placeholder=move || if current.with(|s| s.token_set) { "set (never shown)" } else { "not set" }
                        readonly=token_pinned
                        disabled=move || !can_edit || clear_token.get()
                        aria-invalid=move || error_of("token").with(Option::is_some).then_some("true")
                        aria-describedby="plex-token-hint plex-token-error"
                        prop:value=move || token.get()
                        on:input:target=move |ev| token.set(ev.target().value())
                    />
                    <p class="hint" id="plex-token-hint">
                        {move || if token_pinned {
                            format!("Set by environment ({TOKEN_ENV}); never shown.")
                        } else if current.with(|s| s.token_set) {
                            "A token is set (never shown). Leave empty to keep it; type a new one to replace it.".to_owned()
                        } else {
                            "The server owner's Plex token. Stored encrypted; never shown again.".to_owned()
                        }}
                    </p>
                    <FieldError id="plex-token-error" error=error_of("token") />
                    <Show when=move || can_edit && !token_pinned && current.with(|s| s.token_set)>
                        <label class="check">
                            <input
                                type="checkbox"
                                prop:checked=move || clear_token.get()
                                on:change:target=move |ev| clear_token.set(ev.target().checked())
                            />
                            "Clear token"
                        </label>
                    </Show>
                </div>
                <FormField
                    id="plex-anchor"
                    label="Anchor library"
                    error=error_of("anchor_library_id")
                    hint="Every shared friend keeps it, so losing their last library does not end the share. \
                         With none, a friend left without libraries is unshared (a later grant sends a new invite)."
                >
                    <select
                        disabled=!can_edit
                        on:change:target=move |ev| anchor.set(ev.target().value().parse().unwrap_or(0))
                    >
                        <option value="0" selected=move || anchor.get() == 0>"None"</option>
                        {anchor_options}
                    </select>
                </FormField>
                <FormField
                    id="plex-tz"
                    label="Time zone"
                    error=error_of("time_zone")
                    hint="Access times are shown and entered in it (an IANA name such as Europe/Berlin). Empty = the server's own."
                >
                    <input
                        type="text"
                        list="plex-tz-list"
                        maxlength="64"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        disabled=!can_edit
                        prop:value=move || time_zone.get()
                        on:input:target=move |ev| time_zone.set(ev.target().value())
                    />
                </FormField>
                <datalist id="plex-tz-list">
                    {COMMON_TIME_ZONES.iter().map(|tz| view! { <option value=*tz></option> }).collect_view()}
                </datalist>
            </div>
            <fieldset class="field drift-choices" disabled=!can_edit>
                <legend class="label">"Drift policy"</legend>
                <p class="hint">"When someone changes a friend's libraries in Plex directly:"</p>
                <label class="check">
                    <input
                        type="radio"
                        name="drift-policy"
                        value="enforce"
                        prop:checked=move || drift.get() == DriftPolicy::Enforce
                        on:change=move |_| drift.set(DriftPolicy::Enforce)
                    />
                    <span><strong>"Enforce"</strong>" — put Plex back to the plan and record it in the audit log."</span>
                </label>
                <label class="check">
                    <input
                        type="radio"
                        name="drift-policy"
                        value="report"
                        prop:checked=move || drift.get() == DriftPolicy::Report
                        on:change=move |_| drift.set(DriftPolicy::Report)
                    />
                    <span><strong>"Report"</strong>" — only show the difference; Plex is left as it is."</span>
                </label>
                <FieldError id="plex-drift-error" error=error_of("drift_policy") />
            </fieldset>
            <fieldset disabled=!can_edit>
                <legend>"When a friend's access ends"</legend>
                <label for="plex-end-policy">"Unless the friend or their plan says otherwise"</label>
                <select
                    id="plex-end-policy"
                    data-testid="plex-end-policy"
                    prop:value=move || end_policy.get().as_str()
                    on:change=move |ev| {
                        if let Some(p) = EndPolicy::parse(&event_target_value(&ev)) {
                            end_policy.set(p);
                        }
                    }
                >
                    {EndPolicy::ALL
                        .into_iter()
                        .map(|p| view! { <option value=p.as_str()>{p.label()}</option> })
                        .collect_view()}
                </select>
                <p class="hint" data-testid="plex-end-policy-words">{end_words}</p>
                <FieldError id="plex-end-policy-error" error=error_of("end_policy") />
            </fieldset>
            <div aria-live="polite">
                <Show when=move || saved.get()>
                    <p class="alert success" role="status">"Plex settings saved."</p>
                </Show>
                <Show when=move || failure.with(Option::is_some)>
                    <p class="alert error" role="alert">{move || failure.get()}</p>
                </Show>
                <Show when=move || errors.with(|e| !e.is_empty())>
                    <p class="alert error" role="alert">"Some fields need attention; see below each one."</p>
                </Show>
            </div>
            {can_edit.then(|| view! {
                <div class="actions">
                    <button type="submit" class="btn" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            })}
        </form>
        {can_edit.then(|| view! { <ConnectionTest /> })}
    }
}

#[component]
fn ConnectionTest() -> impl IntoView {
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<PlexTestResponse, api::ApiError>>);
    let run = move |_| {
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = api::test_plex().await;
            outcome.set(Some(result));
            busy.set(false);
        });
    };
    view! {
        <div class="actions test-actions">
            <p class="hint">"Tests the saved settings."</p>
            <button type="button" class="btn ghost" on:click=run disabled=move || busy.get()>
                {move || if busy.get() { "Testing…" } else { "Test connection" }}
            </button>
        </div>
        <div aria-live="polite" data-testid="plex-test">
            {move || outcome.get().map(|result| match result {
                Ok(PlexTestResponse { ok: true, server: Some(s), .. }) => view! {
                    <div class="alert ok" role="status">
                        <p><strong>"Connected to " {s.server_name.clone()}</strong></p>
                        <dl class="facts">
                            <dt>"Version"</dt><dd>{s.version.clone()}</dd>
                            <dt>"Machine id"</dt><dd class="mono">{s.machine_id.clone()}</dd>
                            <dt>"Owner"</dt><dd>{s.owner.clone()}</dd>
                            <dt>"Plex Pass"</dt>
                            <dd>{if s.plex_pass { "yes" } else { "no — sharing libraries needs Plex Pass" }}</dd>
                        </dl>
                    </div>
                }.into_any(),
                Ok(r) => {
                    let message = r.problem.map(|p| p.message).unwrap_or_else(|| "The test failed.".into());
                    view! { <p class="alert error" role="alert">{message}</p> }.into_any()
                }
                Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
            })}
        </div>
    }
}
