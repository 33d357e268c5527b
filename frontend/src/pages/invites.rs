//! Invites (`/invites`): every Plex invite Plexward sent, with where it stands (pending,
//! accepted, expired, cancelled), what it gives, and when it was sent, expires or was accepted.
//! Moderators and admins send new ones and resend or cancel pending ones.

use std::time::Duration;

use leptos::prelude::*;
use plexward_shared::{InviteQuery, InviteResponse, InviteState, Permission};

use crate::api;
use crate::components::invite_actions::{
    InviteActions, InviteButtons, InviteCancelDialog, InviteOutcome,
};
use crate::components::invite_dialog::InviteDialog;
use crate::components::pager::Pager;
use crate::session::use_session;
use crate::time_zone::{Zone, server_zone};

/// Invites per page.
const PAGE_SIZE: u32 = 50;

/// The search is sent once typing pauses this long.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);

/// An invite's state as a badge: its words and the pill's class.
pub fn state_badge(state: InviteState) -> (&'static str, &'static str) {
    match state {
        InviteState::Pending => ("Pending", "pill warn"),
        InviteState::Accepted => ("Accepted", "pill ok"),
        InviteState::Expired => ("Expired", "pill bad"),
        InviteState::Cancelled => ("Cancelled", "pill"),
    }
}

#[component]
pub fn Invites() -> impl IntoView {
    let can_edit = use_session().allows(Permission::ManageAccess);
    let typed = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let offset = RwSignal::new(0_u32);
    let reloads = RwSignal::new(0_u32);
    let invites = LocalResource::new(move || {
        reloads.track();
        let q = InviteQuery {
            state: Some(state.get()),
            q: Some(query.get()),
            friend_id: None,
            limit: Some(PAGE_SIZE.to_string()),
            offset: Some(offset.get().to_string()),
        };
        async move { api::invites(&q).await }
    });
    let context = LocalResource::new(|| async {
        let (libraries, (zone, _)) = futures::join!(api::libraries(), server_zone());
        libraries.map(|l| (l.items, zone))
    });
    let pending = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
    });
    let on_search = move |ev| {
        let value = event_target_value(&ev);
        typed.set(value.clone());
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                pending.set_value(None);
                if query.try_get_untracked().is_some_and(|q| q != value) {
                    offset.set(0);
                    query.set(value);
                }
            },
            SEARCH_DEBOUNCE,
        );
        pending.set_value(handle.ok());
    };
    let reload = Callback::new(move |()| {
        reloads.try_update(|n| *n += 1);
    });
    let actions = InviteActions::new(reload);
    let dialog_open = RwSignal::new(false);

    view! {
        <h1 class="page-title">"Invites"</h1>
        <section class="card glass" aria-labelledby="invites-title">
            <div class="card-head wrap">
                <h2 id="invites-title">"Invites sent"</h2>
                <div class="filters">
                    <input
                        type="search"
                        class="search"
                        data-testid="invites-q"
                        placeholder="Search email or username"
                        aria-label="Search invites"
                        prop:value=move || typed.get()
                        on:input=on_search
                    />
                    <select
                        aria-label="State"
                        data-testid="invites-state"
                        on:change=move |ev| {
                            offset.set(0);
                            state.set(event_target_value(&ev));
                        }
                    >
                        <option value="">"All states"</option>
                        {InviteState::ALL
                            .into_iter()
                            .map(|s| view! { <option value=s.as_str()>{state_badge(s).0}</option> })
                            .collect_view()}
                    </select>
                    <Show when=move || can_edit>
                        <button type="button" class="btn" data-testid="invites-new" on:click=move |_| dialog_open.set(true)>
                            "New invite…"
                        </button>
                    </Show>
                </div>
            </div>
            <InviteOutcome actions />
            <Transition fallback=|| view! { <p class="muted">"Loading invites…"</p> }>
                {move || Suspend::new(async move {
                    match (invites.await, context.await) {
                        (Ok(list), Ok((_, zone))) => {
                            let (shown, total) = (list.items.len(), list.total);
                            view! {
                                <InviteTable invites=list.items zone actions can_edit />
                                <Pager offset shown total page_size=PAGE_SIZE prefix="invites" noun="invites" />
                            }
                            .into_any()
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            view! { <p class="alert error" role="alert">{e.message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
        <InviteCancelDialog actions />
        <Show when=move || can_edit>
            <Suspense>
                {move || Suspend::new(async move {
                    context.await.ok().map(|(libraries, zone)| view! {
                        <InviteDialog
                            open=dialog_open
                            libraries
                            zone
                            on_sent=Callback::new(move |_| reload.run(()))
                        />
                    })
                })}
            </Suspense>
        </Show>
    }
}

#[component]
fn InviteTable(
    invites: Vec<InviteResponse>,
    zone: Zone,
    actions: InviteActions,
    can_edit: bool,
) -> impl IntoView {
    if invites.is_empty() {
        return view! { <p class="muted" data-testid="invites-empty">"No invite matches."</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="invites">
                <thead>
                    <tr>
                        <th scope="col">"Sent to"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"What it gives"</th>
                        <th scope="col">{format!("When ({})", zone.name())}</th>
                        {can_edit.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>
                    {invites
                        .into_iter()
                        .map(|invite| view! { <InviteRow invite zone=zone.clone() actions can_edit /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn InviteRow(
    invite: InviteResponse,
    zone: Zone,
    actions: InviteActions,
    can_edit: bool,
) -> impl IntoView {
    let id = invite.id;
    let (label, class) = state_badge(invite.state);
    let mut times = vec![format!("Sent {}", zone.format(&invite.sent_at))];
    match invite.state {
        InviteState::Pending => times.push(format!("expires {}", zone.format(&invite.expires_at))),
        InviteState::Accepted => {
            if let Some(at) = invite.accepted_at {
                times.push(format!("accepted {}", zone.format(&at)));
            }
        }
        InviteState::Expired | InviteState::Cancelled => {
            if let Some(at) = invite.ended_at {
                times.push(format!("{} {}", label.to_lowercase(), zone.format(&at)));
            }
        }
    }
    let friend = invite.friend_id.map(|friend_id| {
        view! {
            <a href=api::href(&format!("/friends/{friend_id}")) data-testid=format!("invite-friend-{id}")>
                "Open the friend"
            </a>
        }
    });
    view! {
        <tr data-testid=format!("invite-row-{id}")>
            <th scope="row">
                <span data-testid=format!("invite-identifier-{id}")>{invite.identifier.clone()}</span>
                {invite.note.clone().filter(|n| !n.is_empty()).map(|n| view! { <p class="hint">{n}</p> })}
                <p class="hint">{format!("by {}", invite.created_by)}</p>
            </th>
            <td><span class=class data-testid=format!("invite-state-{id}")>{label}</span></td>
            <td>
                <span data-testid=format!("invite-summary-{id}")>{invite.summary.clone()}</span>
                {friend.map(|link| view! { <p>{link}</p> })}
            </td>
            <td data-testid=format!("invite-times-{id}")>{times.join(", ")}</td>
            {can_edit.then(|| view! {
                <td class="actions-cell"><InviteButtons invite actions /></td>
            })}
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use plexward_shared::InviteState;

    use super::state_badge;

    #[test]
    fn states_read_as_badges() {
        assert_eq!(state_badge(InviteState::Pending), ("Pending", "pill warn"));
        assert_eq!(state_badge(InviteState::Accepted).1, "pill ok");
    }
}
