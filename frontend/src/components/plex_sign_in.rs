//! "Sign in with Plex": Plex's own page in a pop-up (or a new tab when pop-ups are blocked), a
//! countdown while Plexward waits for the approval, then the account's servers with their
//! addresses, the recommended one chosen; "Connect" saves it with the sign-in's token (which the
//! page never sees) and tests it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    PlexConnectionKind, PlexPinState, PlexServerChoice, PlexSettingsResponse, PlexTestResponse,
    UpdatePlexSettingsRequest,
};

use crate::api;
use crate::format;
use crate::jobs::sleep;

/// How often the sign-in is asked about while Plex's page is open (spec: about once a second).
const POLL_MS: i32 = 1000;

#[derive(Clone, PartialEq)]
enum Step {
    Idle,
    Waiting {
        id: String,
        auth_url: String,
        expires_ms: i64,
    },
    Choosing {
        id: String,
        account: String,
        servers: Vec<PlexServerChoice>,
    },
    Connecting,
    Connected(String),
    Failed(String),
}

fn kind_words(kind: PlexConnectionKind) -> &'static str {
    match kind {
        PlexConnectionKind::Local => "local network",
        PlexConnectionKind::Remote => "internet",
        PlexConnectionKind::Relay => "Plex relay (slow)",
    }
}

fn expires_ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or(0, |t| t.timestamp_millis())
}

/// Opens an empty pop-up now, inside the click (browsers block pop-ups opened later, after an
/// `await`); its address is set once Plexward has the PIN.
fn open_popup() -> Option<web_sys::Window> {
    web_sys::window()?
        .open_with_url_and_target_and_features("", "plex-sign-in", "popup,width=720,height=760")
        .ok()
        .flatten()
}

#[component]
pub fn PlexSignIn(
    /// Called with the settings in effect once a server is saved.
    on_connected: Callback<PlexSettingsResponse>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Idle);
    let now_ms = RwSignal::new(format::now().timestamp_millis());
    let choice = RwSignal::new(String::new());
    let popup = StoredValue::new_local(None::<web_sys::Window>);
    // Bumped by Cancel and by every new sign-in: a poll loop of an older one stops.
    let generation = RwSignal::new(0_u32);

    let close_popup = move || {
        if let Some(w) = popup.get_value() {
            let _ = w.close();
        }
        popup.set_value(None);
    };

    let start = move |_| {
        let this = generation.get_untracked() + 1;
        generation.set(this);
        popup.set_value(open_popup());
        step.set(Step::Connecting);
        spawn_local(async move {
            let started = match api::start_plex_sign_in().await {
                Ok(s) => s,
                Err(e) => {
                    close_popup();
                    step.set(Step::Failed(e.message));
                    return;
                }
            };
            if let Some(w) = popup.get_value() {
                let _ = w.location().set_href(&started.auth_url);
            }
            let expires = expires_ms(&started.expires_at);
            step.set(Step::Waiting {
                id: started.id.clone(),
                auth_url: started.auth_url.clone(),
                expires_ms: expires,
            });
            loop {
                sleep(POLL_MS).await;
                if generation.get_untracked() != this {
                    return;
                }
                now_ms.set(format::now().timestamp_millis());
                match api::plex_sign_in(&started.id).await {
                    Ok(s) if s.state == PlexPinState::Waiting => continue,
                    Ok(s) if s.state == PlexPinState::Authorized => {
                        close_popup();
                        let servers = s.servers.unwrap_or_default();
                        let best = servers
                            .first()
                            .and_then(|s| s.connections.first())
                            .map(|c| c.uri.clone())
                            .unwrap_or_default();
                        choice.set(best);
                        step.set(Step::Choosing {
                            id: started.id.clone(),
                            account: s.account.unwrap_or_default(),
                            servers,
                        });
                        return;
                    }
                    Ok(_) => {
                        close_popup();
                        step.set(Step::Failed(
                            "The sign-in code expired before it was approved. Start again.".into(),
                        ));
                        return;
                    }
                    Err(e) => {
                        close_popup();
                        step.set(Step::Failed(e.message));
                        return;
                    }
                }
            }
        });
    };

    let cancel = move |_| {
        generation.update(|g| *g += 1);
        close_popup();
        step.set(Step::Idle);
    };

    let connect = move |id: String| {
        let uri = choice.get_untracked();
        step.set(Step::Connecting);
        spawn_local(async move {
            let body = UpdatePlexSettingsRequest {
                server_url: Some(uri),
                pin_id: Some(id),
                ..UpdatePlexSettingsRequest::default()
            };
            let saved = match api::update_plex_settings(&body, "").await {
                Ok(saved) => saved,
                Err(e) => {
                    let why = if e.fields.is_empty() {
                        e.message
                    } else {
                        e.fields.values().cloned().collect::<Vec<_>>().join(" ")
                    };
                    step.set(Step::Failed(why));
                    return;
                }
            };
            on_connected.run(saved);
            step.set(match api::test_plex().await {
                Ok(PlexTestResponse {
                    ok: true,
                    server: Some(s),
                    ..
                }) => Step::Connected(format!(
                    "Connected to {} (owner {}{}).",
                    s.server_name,
                    s.owner,
                    if s.plex_pass {
                        ", Plex Pass"
                    } else {
                        "; sharing libraries needs Plex Pass"
                    }
                )),
                Ok(r) => Step::Failed(format!(
                    "Saved, but the test failed: {}",
                    r.problem.map(|p| p.message).unwrap_or_default()
                )),
                Err(e) => Step::Failed(e.message),
            });
        });
    };

    view! {
        <div class="sign-in-plex" data-testid="plex-sign-in">
            {move || match step.get() {
                Step::Idle | Step::Failed(_) | Step::Connected(_) => view! {
                    <div class="actions">
                        <button type="button" class="btn" data-testid="plex-sign-in-start" on:click=start>
                            "Sign in with Plex"
                        </button>
                    </div>
                    <p class="hint">
                        "Plexward gets a token of its own: a new device named Plexward on your Plex account. "
                        "Revoking it on plex.tv (Settings → Authorized Devices) affects no other app."
                    </p>
                }.into_any(),
                Step::Connecting => view! { <p class="muted" role="status">"Working…"</p> }.into_any(),
                Step::Waiting { auth_url, expires_ms, .. } => view! {
                    <div class="alert info" role="status" data-testid="plex-sign-in-waiting">
                        <p>
                            "Approve Plexward on Plex's page. "
                            <a href=auth_url target="_blank" rel="noopener">"Open it again"</a>
                            " if the pop-up was blocked or closed."
                        </p>
                        <p class="hint">
                            "Waiting — the code expires in "
                            {move || format::duration_words(format::seconds_until(expires_ms, now_ms.get()))}
                            "."
                        </p>
                        <button type="button" class="btn ghost small" on:click=cancel>"Cancel"</button>
                    </div>
                }.into_any(),
                Step::Choosing { account, servers, .. } if servers.is_empty() => view! {
                    <p class="alert error" role="alert">
                        {format!("Signed in as {account}, but this account owns no Plex Media Server. Sign in with the server owner's account.")}
                    </p>
                    <button type="button" class="btn ghost" on:click=cancel>"Back"</button>
                }.into_any(),
                Step::Choosing { id, account, servers } => view! {
                    <fieldset class="server-choice" data-testid="plex-servers">
                        <legend class="label">{format!("Signed in as {account}. Connect to:")}</legend>
                        {servers.into_iter().map(|server| view! {
                            <div class="server">
                                <p>
                                    <strong>{server.name.clone()}</strong>
                                    <span class="muted">
                                        {format!(" {} {}", server.version, if server.online { "· online" } else { "· offline" })}
                                    </span>
                                </p>
                                {server.connections.into_iter().map(|c| {
                                    let uri = c.uri.clone();
                                    let checked = { let uri = uri.clone(); move || choice.get() == uri };
                                    let pick = { let uri = uri.clone(); move |_| choice.set(uri.clone()) };
                                    view! {
                                        <label class="radio-row">
                                            <input type="radio" name="plex-connection" value=uri.clone()
                                                prop:checked=checked on:change=pick />
                                            <span class="mono">{uri.clone()}</span>
                                            <span class="muted">
                                                {format!(" {}{}", kind_words(c.kind), if c.secure { ", https" } else { ", not encrypted" })}
                                            </span>
                                            {c.recommended.then(|| view! { <span class="badge">"recommended"</span> })}
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                        }).collect_view()}
                        <div class="actions">
                            <button type="button" class="btn" data-testid="plex-connect"
                                disabled=move || choice.get().is_empty()
                                on:click=move |_| connect(id.clone())>
                                "Connect"
                            </button>
                            <button type="button" class="btn ghost" on:click=cancel>"Cancel"</button>
                        </div>
                    </fieldset>
                }.into_any(),
            }}
            {move || match step.get() {
                Step::Failed(message) => Some(view! { <p class="alert error" role="alert">{message}</p> }.into_any()),
                Step::Connected(message) => Some(view! {
                    <p class="alert ok" role="status" data-testid="plex-sign-in-connected">{message}</p>
                }.into_any()),
                _ => None,
            }}
        </div>
    }
}
