//! Accounts → Sessions (admins): another account's sessions in a dialog, to end one or all —
//! e.g. after its phone or laptop went missing.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{AccountResponse, SessionResponse};

use crate::api;
use crate::components::dialog::Dialog;
use crate::components::session_table::SessionTable;
use crate::format::plural;

/// `Ended 2 sessions of mo.`
fn ended_words(ended: u32, username: &str) -> String {
    match ended {
        0 => format!("{username} had no session to end."),
        n => format!(
            "Ended {n} {} of {username}.",
            plural(n.into(), "session", "sessions")
        ),
    }
}

/// The dialog, about `target` while `open`.
#[component]
pub fn AccountSessions(
    open: RwSignal<bool>,
    target: RwSignal<Option<AccountResponse>>,
) -> impl IntoView {
    // Read afresh at every opening: sessions come and go while the page stays.
    let sessions = LocalResource::new(move || {
        let id = target
            .with(|t| t.as_ref().map(|a| a.id))
            .filter(|_| open.get());
        async move {
            match id {
                Some(id) => api::account_sessions(id).await.map(|list| Some(list.items)),
                None => Ok(None),
            }
        }
    });
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let username = Signal::derive(move || {
        target.with(|t| t.as_ref().map(|a| a.username.clone()).unwrap_or_default())
    });
    Effect::new(move |_| {
        if !open.get() {
            notice.set(None);
            error.set(None);
        }
    });

    let end = Callback::new(move |ended: SessionResponse| {
        let Some(account) = target.get_untracked() else {
            return;
        };
        notice.set(None);
        error.set(None);
        spawn_local(async move {
            match api::end_account_session(account.id, &ended.id).await {
                Ok(()) => notice.set(Some(format!(
                    "Ended the session of {} on {}.",
                    account.username, ended.device
                ))),
                Err(e) if e.status == 404 => {
                    notice.set(Some("That session had ended already.".into()));
                }
                Err(e) => error.set(Some(e.message)),
            }
            sessions.refetch();
        });
    });

    let end_all = move |_| {
        let Some(account) = target.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        notice.set(None);
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::end_account_sessions(account.id).await {
                Ok(answer) => notice.set(Some(ended_words(answer.ended, &account.username))),
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
            sessions.refetch();
        });
    };

    let list = move || {
        match sessions.get() {
        None | Some(Ok(None)) => view! { <p class="muted">"Loading sessions…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
        Some(Ok(Some(items))) if items.is_empty() => {
            view! { <p class="muted" data-testid="no-sessions">"Not signed in anywhere."</p> }.into_any()
        }
        Some(Ok(Some(items))) => view! {
            <SessionTable sessions=items on_end=end />
            <div class="actions">
                <button type="button" class="btn danger" disabled=move || busy.get() on:click=end_all>
                    "End all"
                </button>
            </div>
        }
        .into_any(),
    }
    };

    view! {
        <Dialog id="account-sessions" open title=Signal::derive(move || format!("Sessions of {}", username.get()))>
            <p class="muted">"Ending a session signs it out at its next click. API tokens are not touched."</p>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert error" role="alert">{move || error.get()}</p>
            </Show>
            <Show when=move || notice.with(Option::is_some)>
                <p class="alert success" role="status">{move || notice.get()}</p>
            </Show>
            {list}
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::ended_words;

    #[test]
    fn says_how_many_ended() {
        assert_eq!(ended_words(0, "mo"), "mo had no session to end.");
        assert_eq!(ended_words(1, "mo"), "Ended 1 session of mo.");
        assert_eq!(ended_words(2, "mo"), "Ended 2 sessions of mo.");
    }
}
