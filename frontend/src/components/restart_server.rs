//! Settings → Server → Restart: asks first, restarts Plexward, then follows it to where it comes
//! back — the saved port and scheme on the host name this page uses — once it answers there, with
//! a deadline and a link to open by hand when the page cannot tell.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{HttpsMode, ServerSettingsResponse};

use crate::api;
use crate::components::dialog::ConfirmDialog;
use crate::jobs::{POLL_MS, sleep};

/// How long to wait for Plexward to answer again: the graceful stop alone may take
/// `shutdown_timeout_secs` (10 s by default) while requests and jobs finish.
const COME_BACK_DEADLINE_MS: f64 = 60_000.0;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Idle,
    /// Asked; waiting for the server's 202.
    Asking,
    /// Restarting; the page checks `origin` until it answers (when it can check at all).
    Waiting {
        origin: String,
        can_check: bool,
    },
    /// It did not answer at `origin` before the deadline.
    Lost {
        origin: String,
    },
    Failed(String),
}

/// `scheme://host:port` to follow: the scheme and port Plexward answered with, on this page's
/// host name (the server only saw the `Host` header, which a proxy may have rewritten).
pub fn follow_origin(server_url: &str, page_host: &str) -> Option<String> {
    let (scheme, rest) = server_url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split('/').next()?;
    let (_, port) = authority.rsplit_once(':')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || page_host.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{page_host}:{port}"))
}

/// Where the saved settings will put Plexward, before asking the server: for the dialog.
fn predicted_origin(settings: &ServerSettingsResponse, page_host: &str) -> String {
    let scheme = if settings.https == HttpsMode::Off {
        "http"
    } else {
        "https"
    };
    // A port pinned to 0 (tests) keeps the one it got.
    let port = match settings.port {
        0 => settings.running.port,
        p => p,
    };
    format!("{scheme}://{page_host}:{port}")
}

struct Page {
    origin: String,
    protocol: String,
    host: String,
    /// Path, query and fragment: where to land on the new origin.
    rest: String,
}

fn page() -> Option<Page> {
    let location = web_sys::window()?.location();
    Some(Page {
        origin: location.origin().ok()?,
        protocol: location.protocol().ok()?,
        host: location.hostname().ok()?,
        rest: format!(
            "{}{}{}",
            location.pathname().ok()?,
            location.search().ok()?,
            location.hash().ok()?
        ),
    })
}

/// Polls until Plexward answers again after the restart asked at `asked_at` (ms); false at the
/// deadline.
pub async fn comes_back(origin: &str, same_origin: bool, asked_at: f64) -> bool {
    let mut saw_it_stop = false;
    while js_sys::Date::now() - asked_at < COME_BACK_DEADLINE_MS {
        sleep(POLL_MS).await;
        if !same_origin {
            // Nothing answered there before the restart (another port or scheme).
            if api::answers_at(origin).await {
                return true;
            }
            continue;
        }
        // Same address: the old server answers it too until it stops. Its successor is the one
        // that answers after a failure, or whose uptime is shorter than the time since asking.
        match api::health().await {
            Err(_) => saw_it_stop = true,
            Ok(health) => {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let since_asked = ((js_sys::Date::now() - asked_at) / 1000.0) as u64;
                if saw_it_stop || health.uptime_seconds < since_asked {
                    return true;
                }
            }
        }
    }
    false
}

#[component]
pub fn RestartServer(current: RwSignal<ServerSettingsResponse>) -> impl IntoView {
    let phase = RwSignal::new(Phase::Idle);
    let confirm_open = RwSignal::new(false);
    let page_host = page().map(|p| p.host).unwrap_or_default();
    let self_signed = move || current.with(|c| c.https == HttpsMode::SelfSigned);

    let message = {
        let page_host = page_host.clone();
        Signal::derive(move || {
            let target = current.with(|c| predicted_origin(c, &page_host));
            format!(
                "Plexward stops accepting connections, lets running requests and jobs finish, \
                 and starts again at {target}. This page follows it there."
            )
        })
    };

    let restart = move || {
        if matches!(phase.get_untracked(), Phase::Asking | Phase::Waiting { .. }) {
            return;
        }
        phase.set(Phase::Asking);
        spawn_local(async move {
            let asked_at = js_sys::Date::now();
            let answer = match api::restart().await {
                Ok(answer) => answer,
                Err(e) => {
                    phase.try_set(Phase::Failed(e.message));
                    return;
                }
            };
            let Some(here) = page() else {
                phase.try_set(Phase::Failed(
                    "This page cannot read its own address.".into(),
                ));
                return;
            };
            let Some(origin) = follow_origin(&answer.url, &here.host) else {
                phase.try_set(Phase::Failed(format!(
                    "Plexward is restarting at {}, but this page cannot follow it there.",
                    answer.url
                )));
                return;
            };
            // An https page may not fetch http (mixed content): it cannot check, only link.
            let can_check = !(here.protocol == "https:" && origin.starts_with("http:"));
            phase.try_set(Phase::Waiting {
                origin: origin.clone(),
                can_check,
            });
            if !can_check {
                return;
            }
            if comes_back(&origin, origin == here.origin, asked_at).await {
                if let Some(window) = web_sys::window() {
                    // Failing leaves the link on screen.
                    let _ = window
                        .location()
                        .set_href(&format!("{origin}{}", here.rest));
                }
            } else {
                phase.try_set(Phase::Lost { origin });
            }
        });
    };

    view! {
        <div class="actions restart-actions">
            <button
                type="button"
                class="btn danger"
                disabled=move || matches!(phase.get(), Phase::Asking | Phase::Waiting { .. })
                on:click=move |_| confirm_open.set(true)
            >
                "Restart Plexward"
            </button>
        </div>
        <ConfirmDialog
            id="restart-dialog"
            open=confirm_open
            title="Restart Plexward?"
            message
            confirm_label="Restart"
            on_confirm=Callback::new(move |()| restart())
        />
        <div aria-live="polite" data-testid="restart-status">
            {move || match phase.get() {
                Phase::Idle => ().into_any(),
                Phase::Asking => view! { <p class="alert info" role="status">"Asking Plexward to restart…"</p> }.into_any(),
                Phase::Waiting { origin, can_check } => {
                    let href = origin.clone();
                    view! {
                        <div class="alert info" role="status">
                            <p><strong>"Restarting…"</strong></p>
                            <p>
                                {if can_check {
                                    "This page moves to the new address as soon as Plexward answers there: "
                                } else {
                                    "This HTTPS page cannot check a plain-HTTP address; open it in a few seconds: "
                                }}
                                <a href=href>{origin.clone()}</a>
                            </p>
                            {(origin.starts_with("https:") && self_signed()).then(|| view! {
                                <p class="warning-text">
                                    "The certificate is self-signed: your browser will warn that the connection \
                                     is not private. That is expected — check the address and accept it (or trust \
                                     the certificate on this device). Until then this page cannot see Plexward \
                                     answer; open the link yourself."
                                </p>
                            })}
                        </div>
                    }.into_any()
                }
                Phase::Lost { origin } => {
                    let href = origin.clone();
                    view! {
                        <div class="alert error" role="alert">
                            <p>
                                "Plexward did not answer at " <a href=href>{origin.clone()}</a>
                                " within a minute. It may still be finishing work, its certificate may not be \
                                 trusted by this browser, or the port may be blocked. Try the link; if it does \
                                 not open, check the server log (a port that cannot be bound falls back to the \
                                 configured one)."
                            </p>
                        </div>
                    }.into_any()
                }
                Phase::Failed(why) => view! { <p class="alert error" role="alert">{why}</p> }.into_any(),
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_to_the_new_port_and_scheme_on_the_pages_host() {
        assert_eq!(
            follow_origin("https://10.0.0.5:5443", "plex.lan").as_deref(),
            Some("https://plex.lan:5443")
        );
        assert_eq!(
            follow_origin("http://[::1]:5000", "[::1]").as_deref(),
            Some("http://[::1]:5000")
        );
        assert_eq!(
            follow_origin("http://127.0.0.1:6001/", "127.0.0.1").as_deref(),
            Some("http://127.0.0.1:6001")
        );
        assert_eq!(follow_origin("ftp://x:21", "x"), None);
        assert_eq!(follow_origin("http://x", "x"), None, "no port");
        assert_eq!(follow_origin("http://x:", "x"), None);
        assert_eq!(follow_origin("http://x:5000", ""), None);
    }
}
