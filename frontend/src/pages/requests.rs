//! Requests (`/requests`, moderators and admins): what friends asked for in the portal — more
//! time or another library — newest first, by state (open ones first to see), with the friend,
//! their note, and when. An open request is approved (a preview of the change first, then saved
//! and applied on Plex like any grant change) or declined with a reason for the friend.
//! `?friend_id=` shows one friend's (the friend page links here); `?state=` picks the tab.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use plexward_shared::{AccessRequest, AccessRequestState, LibraryResponse, RequestQuery};

use crate::api;
use crate::components::approve_dialog::ApproveDialog;
use crate::components::decline_dialog::DeclineDialog;
use crate::components::pager::Pager;
use crate::request_text::{Reader, request_words, staff_when_words, state_badge};
use crate::time_zone::{Zone, server_zone};

/// Requests per page.
const PAGE_SIZE: u32 = 50;

/// The tabs: each state, then all of them (`None`).
const TABS: [(Option<AccessRequestState>, &str); 5] = [
    (Some(AccessRequestState::Open), "Open"),
    (Some(AccessRequestState::Approved), "Approved"),
    (Some(AccessRequestState::Declined), "Declined"),
    (Some(AccessRequestState::Cancelled), "Cancelled"),
    (None, "All"),
];

/// Which request a dialog is about, and whether it is open.
#[derive(Clone, Copy)]
struct Deciding {
    request: RwSignal<Option<AccessRequest>>,
    open: RwSignal<bool>,
}

impl Deciding {
    fn new() -> Self {
        Self {
            request: RwSignal::new(None),
            open: RwSignal::new(false),
        }
    }

    fn start(self, request: AccessRequest) {
        self.request.set(Some(request));
        self.open.set(true);
    }
}

#[component]
pub fn Requests() -> impl IntoView {
    let query = use_query_map();
    // The tab from `?state=` when it names one (default: the open ones, what needs an answer).
    let first_tab = query
        .with_untracked(|q| q.get("state"))
        .map_or(Some(AccessRequestState::Open), |s| {
            AccessRequestState::parse(&s)
        });
    let tab = RwSignal::new(first_tab);
    let friend = Memo::new(move |_| {
        query.with(|q| q.get("friend_id").and_then(|id| id.parse::<i64>().ok()))
    });
    let offset = RwSignal::new(0_u32);
    let reloads = RwSignal::new(0_u32);
    let requests = LocalResource::new(move || {
        reloads.track();
        let q = RequestQuery {
            state: tab.get().map(|s| s.as_str().to_owned()),
            friend_id: friend.get().map(|id| id.to_string()),
            limit: Some(PAGE_SIZE.to_string()),
            offset: Some(offset.get().to_string()),
            ..RequestQuery::default()
        };
        async move { api::requests(&q).await }
    });
    let context = LocalResource::new(|| async {
        let (libraries, (zone, note)) = futures::join!(api::libraries(), server_zone());
        libraries.map(|l| (l.items, zone, note))
    });
    let done = RwSignal::new(None::<String>);
    // A decision (its line for the page; empty when a dialog found the request decided
    // already and only the list needs reading again).
    let on_done = Callback::new(move |text: String| {
        done.set(Some(text).filter(|t| !t.is_empty()));
        reloads.try_update(|n| *n += 1);
    });
    let approving = Deciding::new();
    let declining = Deciding::new();

    view! {
        <h1 class="page-title">"Requests"</h1>
        <p class="hint">
            "What friends asked for in the friend portal. Approving shows the change first, then saves it and applies it on Plex; the friend sees the answer in the portal."
        </p>
        <section class="card glass" aria-labelledby="requests-title">
            <div class="card-head wrap">
                <h2 id="requests-title">"Friends' requests"</h2>
                <div class="toggle" role="group" aria-label="Show requests">
                    {TABS
                        .into_iter()
                        .map(|(state, label)| {
                            let testid = format!("requests-tab-{}", state.map_or("all", AccessRequestState::as_str));
                            view! {
                                <button
                                    type="button"
                                    class="btn ghost small"
                                    data-testid=testid
                                    aria-pressed=move || if tab.get() == state { "true" } else { "false" }
                                    on:click=move |_| {
                                        offset.set(0);
                                        done.set(None);
                                        tab.set(state);
                                    }
                                >
                                    {label}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            </div>
            <Show when=move || friend.get().is_some()>
                <p class="hint" data-testid="requests-one-friend">
                    "One friend's requests. "
                    <a href=api::href("/requests")>"Show everyone's"</a>
                </p>
            </Show>
            {move || done.get().map(|text| view! {
                <p class="alert success" role="status" data-testid="requests-done">{text}</p>
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading requests…"</p> }>
                {move || Suspend::new(async move {
                    match (requests.await, context.await) {
                        (Ok(list), Ok((_, zone, note))) => {
                            let (shown, total) = (list.items.len(), list.total);
                            view! {
                                {note.map(|n| view! { <p class="alert info" role="status">{n}</p> })}
                                <RequestTable requests=list.items zone approving declining />
                                <Pager offset shown total page_size=PAGE_SIZE prefix="requests" noun="requests" />
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
        <Suspense>
            {move || Suspend::new(async move {
                context.await.ok().map(|(libraries, zone, _)| view! {
                    <Dialogs libraries zone approving declining on_done />
                })
            })}
        </Suspense>
    }
}

/// The approve and decline dialogs (once per page).
#[component]
fn Dialogs(
    libraries: Vec<LibraryResponse>,
    zone: Zone,
    approving: Deciding,
    declining: Deciding,
    on_done: Callback<String>,
) -> impl IntoView {
    view! {
        <ApproveDialog open=approving.open request=approving.request libraries zone on_done />
        <DeclineDialog open=declining.open request=declining.request on_done />
    }
}

#[component]
fn RequestTable(
    requests: Vec<AccessRequest>,
    zone: Zone,
    approving: Deciding,
    declining: Deciding,
) -> impl IntoView {
    if requests.is_empty() {
        return view! { <p class="muted" data-testid="requests-empty">"No request here."</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data requests" data-testid="requests">
                <thead>
                    <tr>
                        <th scope="col">"Friend"</th>
                        <th scope="col">"What they ask"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">{format!("When ({})", zone.name())}</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {requests
                        .into_iter()
                        .map(|request| view! { <RequestRow request zone=zone.clone() approving declining /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn RequestRow(
    request: AccessRequest,
    zone: Zone,
    approving: Deciding,
    declining: Deciding,
) -> impl IntoView {
    let id = request.id;
    let (label, class) = state_badge(request.state, Reader::Staff);
    let what = request_words(&request, Reader::Staff);
    let when = staff_when_words(&request, &|at| zone.format(at));
    let who = request.friend.title.clone();
    let reason = request.reason.clone().filter(|r| !r.trim().is_empty());
    let open = request.state == AccessRequestState::Open;
    let actions = open.then(|| {
        let (to_approve, to_decline) = (request.clone(), request.clone());
        view! {
            <button
                type="button"
                class="btn small"
                data-testid=format!("request-approve-{id}")
                aria-label=format!("Approve {who}'s request: {what}")
                on:click=move |_| approving.start(to_approve.clone())
            >
                "Approve…"
            </button>
            <button
                type="button"
                class="btn danger small"
                data-testid=format!("request-decline-{id}")
                aria-label=format!("Decline {who}'s request: {what}")
                on:click=move |_| declining.start(to_decline.clone())
            >
                "Decline…"
            </button>
        }
    });
    view! {
        <tr data-testid=format!("request-row-{id}")>
            <th scope="row">
                <a href=api::href(&format!("/friends/{}", request.friend.id)) data-testid=format!("request-friend-{id}")>
                    {request.friend.title.clone()}
                </a>
                {request
                    .friend
                    .username
                    .clone()
                    .filter(|u| *u != request.friend.title)
                    .map(|u| view! { <p class="hint">{u}</p> })}
            </th>
            <td>
                <span data-testid=format!("request-what-{id}")>{what.clone()}</span>
                {request.message.clone().map(|m| view! {
                    <p class="hint request-note" data-testid=format!("request-message-{id}")>{format!("“{m}”")}</p>
                })}
            </td>
            <td><span class=class data-testid=format!("request-state-{id}")>{label}</span></td>
            <td>
                <span data-testid=format!("request-when-{id}")>{when}</span>
                {reason.map(|r| view! {
                    <p class="hint" data-testid=format!("request-reason-{id}")>{format!("Reason: {r}")}</p>
                })}
            </td>
            <td class="actions-cell">{actions}</td>
        </tr>
    }
}
