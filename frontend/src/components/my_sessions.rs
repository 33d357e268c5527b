//! My account → Sessions: where the account is signed in, to end what the user does not
//! recognise (one session, or all but this one). Ending this one is signing out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::SessionResponse;

use crate::api;
use crate::components::session_table::SessionTable;
use crate::format::plural;
use crate::session::use_session;

/// `Signed out 2 other sessions.`, `No other session was signed in.`
pub fn ended_words(ended: u32) -> String {
    match ended {
        0 => "No other session was signed in.".to_owned(),
        n => format!(
            "Signed out {n} other {}.",
            plural(n.into(), "session", "sessions")
        ),
    }
}

#[component]
pub fn MySessions() -> impl IntoView {
    let session = use_session();
    let sessions = LocalResource::new(api::my_sessions);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let end = Callback::new(move |ended: SessionResponse| {
        notice.set(None);
        error.set(None);
        spawn_local(async move {
            match api::end_my_session(&ended.id).await {
                Ok(()) if ended.current => {
                    // The session is over; signing out too clears its cookies.
                    let _ = api::logout().await;
                    session.left_saying("You ended this session, so you are signed out.");
                    return;
                }
                Ok(()) => notice.set(Some(format!("Signed out the session on {}.", ended.device))),
                Err(e) if e.status == 404 => {
                    notice.set(Some("That session had ended already.".into()));
                }
                Err(e) => error.set(Some(e.message)),
            }
            sessions.refetch();
        });
    });

    let end_others = move |_| {
        if busy.get_untracked() {
            return;
        }
        notice.set(None);
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::end_my_other_sessions().await {
                Ok(answer) => notice.set(Some(ended_words(answer.ended))),
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
            sessions.refetch();
        });
    };

    view! {
        <section class="card glass" aria-labelledby="sessions-title">
            <div class="card-head">
                <h2 id="sessions-title">"Sessions"</h2>
                <button type="button" class="btn ghost small" on:click=move |_| sessions.refetch()>"Refresh"</button>
            </div>
            <p class="muted">
                "Where you are signed in. Ending a session signs it out at its next click; your \
                 API tokens are not touched (revoke them below)."
            </p>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert error" role="alert">{move || error.get()}</p>
            </Show>
            <Show when=move || notice.with(Option::is_some)>
                <p class="alert success" role="status" data-testid="sessions-notice">{move || notice.get()}</p>
            </Show>
            <Suspense fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => {
                            let others = list.items.iter().filter(|s| !s.current).count();
                            view! {
                                <SessionTable sessions=list.items on_end=end />
                                <div class="actions">
                                    <button
                                        type="button"
                                        class="btn danger"
                                        disabled=move || busy.get() || others == 0
                                        on:click=end_others
                                    >
                                        "End all other sessions"
                                    </button>
                                </div>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::ended_words;

    #[test]
    fn says_how_many_ended() {
        assert_eq!(ended_words(0), "No other session was signed in.");
        assert_eq!(ended_words(1), "Signed out 1 other session.");
        assert_eq!(ended_words(3), "Signed out 3 other sessions.");
    }
}
