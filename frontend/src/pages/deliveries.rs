//! Deliveries (`/deliveries`): what became of each event sent to each notification channel —
//! pending (being tried, or waiting to be tried again), delivered, or dead (given up) — with its
//! attempts and the last answer, newest first, filtered by state and channel
//! (`/deliveries?channel_id=3` starts on one channel). A friend's own reminder email names its
//! recipient beside the channel. Admins send a finished one again.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use plexward_shared::{ChannelResponse, DeliveryQuery, DeliveryResponse, Permission};

use crate::api::{self, ApiError};
use crate::components::pager::Pager;
use crate::notify_text::{
    DELIVERY_STATES, can_resend, event_words, last_answer, state_badge, state_name,
};
use crate::session::use_session;
use crate::time_zone::{Zone, server_zone};

/// Deliveries per page.
const PAGE_SIZE: u32 = 50;

/// A channel's name by id; a deleted or unreadable one as `#id`.
fn channel_name(names: &BTreeMap<i64, String>, id: i64) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
}

/// What the page reports after a resend.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Done(String),
    Failed(String),
}

/// Channel names and the server's zone.
#[derive(Debug, Clone)]
struct Context {
    channels: Vec<ChannelResponse>,
    zone: Zone,
    note: Option<String>,
}

async fn load_context() -> Result<Context, ApiError> {
    let (channels, (zone, note)) = futures::join!(api::notification_channels(), server_zone());
    Ok(Context {
        channels: channels?.items,
        zone,
        note,
    })
}

#[component]
pub fn Deliveries() -> impl IntoView {
    let can_resend_any = use_session().allows(Permission::ManageSettings);
    let start_channel = use_query_map()
        .with_untracked(|q| q.get("channel_id"))
        .unwrap_or_default();
    let state = RwSignal::new(String::new());
    let channel = RwSignal::new(start_channel);
    let offset = RwSignal::new(0_u32);
    let reloads = RwSignal::new(0_u32);
    let deliveries = LocalResource::new(move || {
        reloads.track();
        let q = DeliveryQuery {
            state: Some(state.get()),
            channel_id: Some(channel.get()),
            limit: Some(PAGE_SIZE.to_string()),
            offset: Some(offset.get().to_string()),
        };
        async move { api::deliveries(&q).await }
    });
    let context = LocalResource::new(load_context);
    let outcome = RwSignal::new(None::<Outcome>);
    let refresh = move |_| {
        outcome.set(None);
        context.refetch();
        reloads.update(|n| *n += 1);
    };
    let resend = Callback::new(move |id: i64| {
        outcome.set(None);
        spawn_local(async move {
            let said = match api::resend_delivery(id).await {
                Ok(()) => Outcome::Done(
                    "Queued again: it is sent from its first attempt, under the same delivery id."
                        .to_owned(),
                ),
                Err(e) => Outcome::Failed(e.message),
            };
            outcome.try_set(Some(said));
            reloads.try_update(|n| *n += 1);
        });
    });

    view! {
        <h1 class="page-title">"Deliveries"</h1>
        <p class="hint">
            "Every event sent to a notification channel, newest first. A failed attempt is tried again with growing waits; after the last one the delivery is dead. Channels are set up in "
            <a href=api::href("/settings/notifications") data-testid="deliveries-channels">"Settings → Notifications"</a>
            "."
        </p>
        <section class="card glass" aria-labelledby="deliveries-title">
            <div class="card-head wrap">
                <h2 id="deliveries-title">"Deliveries"</h2>
                <div class="filters">
                    <select
                        aria-label="State"
                        data-testid="deliveries-state"
                        on:change=move |ev| {
                            offset.set(0);
                            state.set(event_target_value(&ev));
                        }
                    >
                        <option value="">"All states"</option>
                        {DELIVERY_STATES
                            .into_iter()
                            .map(|s| view! { <option value=state_name(s)>{state_badge(s).0}</option> })
                            .collect_view()}
                    </select>
                    <select
                        aria-label="Channel"
                        data-testid="deliveries-channel"
                        on:change=move |ev| {
                            offset.set(0);
                            channel.set(event_target_value(&ev));
                        }
                    >
                        <option value="" selected=move || channel.with(String::is_empty)>"All channels"</option>
                        {move || {
                            context
                                .get()
                                .and_then(Result::ok)
                                .map(|c| c.channels)
                                .unwrap_or_default()
                                .into_iter()
                                .map(|c| {
                                    let value = c.id.to_string();
                                    let chosen = value.clone();
                                    view! {
                                        <option value=value selected=move || channel.with(|v| *v == chosen)>
                                            {c.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                    <button type="button" class="btn ghost" data-testid="deliveries-refresh" on:click=refresh>
                        "Refresh"
                    </button>
                </div>
            </div>
            {move || outcome.get().map(|o| match o {
                Outcome::Done(text) => view! {
                    <p class="alert success" role="status" data-testid="delivery-resent">{text}</p>
                }
                .into_any(),
                Outcome::Failed(text) => view! {
                    <p class="alert error" role="alert" data-testid="delivery-resend-error">{text}</p>
                }
                .into_any(),
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading deliveries…"</p> }>
                {move || Suspend::new(async move {
                    // The names and the zone only label the rows: without them, ids and UTC.
                    let (names, zone, note) = match context.await {
                        Ok(c) => (
                            c.channels.into_iter().map(|c| (c.id, c.name)).collect(),
                            c.zone,
                            c.note,
                        ),
                        Err(e) => (
                            BTreeMap::new(),
                            Zone::utc(),
                            Some(format!("The channels could not be read ({}): times are in UTC.", e.message)),
                        ),
                    };
                    match deliveries.await {
                        Ok(list) => {
                            let (shown, total) = (list.items.len(), list.total);
                            let filtered = !state.get_untracked().is_empty() || !channel.get_untracked().is_empty();
                            view! {
                                {note.map(|n| view! { <p class="hint">{n}</p> })}
                                <DeliveryTable deliveries=list.items names zone can_resend_any resend filtered />
                                <Pager offset shown total page_size=PAGE_SIZE prefix="deliveries" noun="deliveries" />
                            }
                            .into_any()
                        }
                        Err(e) => view! { <p class="alert error" role="alert" data-testid="deliveries-error">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DeliveryTable(
    deliveries: Vec<DeliveryResponse>,
    names: BTreeMap<i64, String>,
    zone: Zone,
    can_resend_any: bool,
    resend: Callback<i64>,
    filtered: bool,
) -> impl IntoView {
    if deliveries.is_empty() {
        return view! {
            <p class="muted" data-testid="deliveries-empty">
                {if filtered {
                    "No delivery matches."
                } else {
                    "No deliveries yet: events sent to channels show here."
                }}
            </p>
        }
        .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="deliveries">
                <thead>
                    <tr>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Channel"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Attempts"</th>
                        <th scope="col">"Last answer"</th>
                        <th scope="col">{format!("Occurred ({})", zone.name())}</th>
                        <th scope="col">"Next attempt / delivered"</th>
                        {can_resend_any.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>
                    {deliveries
                        .into_iter()
                        .map(|delivery| {
                            let channel = channel_name(&names, delivery.channel_id);
                            view! { <DeliveryRow delivery channel zone=zone.clone() can_resend_any resend /> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DeliveryRow(
    delivery: DeliveryResponse,
    channel: String,
    zone: Zone,
    can_resend_any: bool,
    resend: Callback<i64>,
) -> impl IntoView {
    let id = delivery.id;
    let (label, class) = state_badge(delivery.state);
    let when = match (delivery.delivered_at, delivery.next_attempt_at) {
        (Some(at), _) => format!("Delivered {}", zone.format(&at)),
        (None, Some(at)) => format!("Next try {}", zone.format(&at)),
        (None, None) => "—".to_owned(),
    };
    let resendable = can_resend_any && can_resend(delivery.state);
    view! {
        <tr data-testid=format!("delivery-row-{id}")>
            <th scope="row">
                <span data-testid=format!("delivery-event-{id}")>{event_words(&delivery.event).to_owned()}</span>
                <p class="hint"><code>{delivery.event.clone()}</code></p>
                <p class="hint mono" title="X-Plexward-Delivery">{delivery.event_id.clone()}</p>
            </th>
            <td>
                <span data-testid=format!("delivery-channel-{id}")>{channel}</span>
                {delivery.recipient.clone().map(|to| view! {
                    <p class="hint mono" data-testid=format!("delivery-recipient-{id}")>{format!("to {to}")}</p>
                })}
            </td>
            <td><span class=class data-testid=format!("delivery-state-{id}")>{label}</span></td>
            <td data-testid=format!("delivery-attempts-{id}")>{delivery.attempts}</td>
            <td data-testid=format!("delivery-last-{id}")>{last_answer(&delivery)}</td>
            <td>{zone.format(&delivery.occurred_at)}</td>
            <td data-testid=format!("delivery-when-{id}")>{when}</td>
            {can_resend_any.then(|| view! {
                <td class="actions-cell">
                    {resendable.then(|| view! {
                        <button
                            type="button"
                            class="btn ghost small"
                            data-testid=format!("delivery-resend-{id}")
                            on:click=move |_| resend.run(id)
                        >
                            "Send again"
                        </button>
                    })}
                </td>
            })}
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::channel_name;

    #[test]
    fn channels_are_named_or_numbered() {
        let names = BTreeMap::from([(3, "Scripts".to_owned())]);
        assert_eq!(channel_name(&names, 3), "Scripts");
        assert_eq!(channel_name(&names, 9), "#9");
    }
}
