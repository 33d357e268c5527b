//! A table of sign-in sessions: on what, how it signed in, from where, when it began and when it
//! was last active, each with an "End" button (what ending does is the caller's: My account and
//! the admins' Accounts page call different routes).

use leptos::prelude::*;
use plexward_shared::SessionResponse;

use crate::format::{ago_words, local_time, now};

/// "Last active": the session showing the page is active now; for the others the server's
/// `last_seen_at` (refreshed at most every 15 minutes while in use) in words.
fn last_active(session: &SessionResponse) -> String {
    if session.current {
        "now".to_owned()
    } else {
        ago_words((now() - session.last_seen_at).num_seconds())
    }
}

#[component]
pub fn SessionTable(
    sessions: Vec<SessionResponse>,
    on_end: Callback<SessionResponse>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="sessions">
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"Signed in with"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last active"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {sessions
                        .into_iter()
                        .map(|session| {
                            let label = if session.current {
                                "End this session (signs you out here)".to_owned()
                            } else {
                                format!("End the session on {}", session.device)
                            };
                            let active = last_active(&session);
                            let seen = local_time(&session.last_seen_at);
                            let for_click = session.clone();
                            view! {
                                <tr data-testid="session" data-current=session.current.then_some("true")>
                                    <th scope="row" title=session.user_agent.clone()>
                                        {session.device.clone()}
                                        {session.current.then(|| view! { " " <span class="pill ok">"This device"</span> })}
                                    </th>
                                    <td>{session.method.label()}</td>
                                    <td>{session.ip.clone().unwrap_or_else(|| "—".to_owned())}</td>
                                    <td>{local_time(&session.created_at)}</td>
                                    <td title=seen>{active}</td>
                                    <td class="actions-cell">
                                        <button
                                            type="button"
                                            class="btn danger small"
                                            aria-label=label
                                            on:click=move |_| on_end.run(for_click.clone())
                                        >
                                            "End"
                                        </button>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
