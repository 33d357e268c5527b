//! Settings. For now: the Plex connection, with a "Test connection" button for admins. Values
//! pinned by environment variables are shown as such.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{Permission, PlexSettingsResponse, PlexTestResponse, SettingSource};

use crate::api;
use crate::session::use_session;

#[component]
pub fn Settings() -> impl IntoView {
    let settings = LocalResource::new(api::plex_settings);
    view! {
        <h1 class="page-title">"Settings"</h1>
        <section class="card glass" aria-labelledby="plex-title">
            <div class="card-head">
                <h2 id="plex-title">"Plex connection"</h2>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(s) => view! { <PlexConnection settings=s /> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PlexConnection(settings: PlexSettingsResponse) -> impl IntoView {
    let session = use_session();
    let source = match settings.server_url_source {
        SettingSource::Environment => {
            "Set by environment variables (PLEXWARD_PLEX_URL, PLEXWARD_PLEX_TOKEN)"
        }
        SettingSource::Database => "Saved in Plexward",
        SettingSource::Unset => "Not configured yet",
    };
    view! {
        <dl class="facts" data-testid="plex-settings">
            <dt>"Server URL"</dt>
            <dd>{settings.server_url.unwrap_or_else(|| "—".into())}</dd>
            <dt>"Token"</dt>
            <dd>{if settings.token_set { "set (never shown)" } else { "not set" }}</dd>
            <dt>"plex.tv"</dt>
            <dd>{settings.plextv_url}</dd>
            <dt>"Source"</dt>
            <dd class="muted">{source}</dd>
        </dl>
        <Show when=move || session.allows(Permission::ManageSettings)>
            <ConnectionTest />
        </Show>
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
        <div class="actions">
            <button class="btn" on:click=run disabled=move || busy.get()>
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
