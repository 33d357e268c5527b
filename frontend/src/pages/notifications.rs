//! Settings → Notifications (`/settings/notifications`): the channels events are sent to — a
//! webhook (signed with a secret shown once), a Discord webhook, an ntfy topic or email through
//! an SMTP server — with the events each one gets, and the reminder settings (the leads, the
//! email channel friends' own reminders go through). Everyone who may read the settings sees
//! them; admins add, edit, test and delete them. What became of each event is on the Deliveries
//! page; what each message says is on the Templates page.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    ChannelResponse, ChannelTestResponse, NOTIFICATION_EVENTS, Permission, SavedChannelResponse,
};

use crate::api;
use crate::components::dialog::ConfirmDialog;
use crate::components::email_fields::{EmailFields, EmailForm};
use crate::components::field_error::FieldError;
use crate::components::form_field::FormField;
use crate::components::reminder_settings::ReminderSettings;
use crate::components::secret_dialog::OneTimeSecret;
use crate::notify_text::{
    CHANNEL_KINDS, CHANNEL_NAME_MAX, ChannelFields, FieldErrors, channel_request,
    destination_words, event_testid, event_words, events_words, form_field, kind_label,
    secret_words, test_words,
};
use crate::session::use_session;

/// The fields the form shows errors under; a 422 about any other is said in the general error.
const FORM_FIELDS: [&str; 15] = [
    "name",
    "kind",
    "config.url",
    "config.server",
    "config.topic",
    "config.host",
    "config.port",
    "config.security",
    "config.username",
    "config.from",
    "config.to",
    "config.ca_pem",
    "events",
    "token",
    "password",
];

/// What the page reports after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Done(String),
    Failed(String),
}

/// Which channel the form is about.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    New,
    Edit(Box<ChannelResponse>),
}

/// A row's test send.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TestSend {
    Running,
    Answered(ChannelTestResponse),
    Failed(String),
}

/// A signing secret to show once: the channel's name and the secret.
type Shown = (String, String);

/// What a row's buttons ask the page to do.
#[derive(Debug, Clone, Copy)]
struct RowActions {
    edit: Callback<ChannelResponse>,
    delete: Callback<ChannelResponse>,
    test: Callback<i64>,
}

#[component]
pub fn Notifications() -> impl IntoView {
    let session = use_session();
    let can_edit = session.allows(Permission::ManageSettings);
    let can_see_deliveries = session.allows(Permission::ViewAudit);
    let channels = LocalResource::new(api::notification_channels);
    let outcome = RwSignal::new(None::<Outcome>);
    let editing = RwSignal::new(None::<Editing>);
    let deleting = RwSignal::new(None::<ChannelResponse>);
    let delete_open = RwSignal::new(false);
    let shown = RwSignal::new(None::<Shown>);
    let secret_open = RwSignal::new(false);
    let tests = RwSignal::new(BTreeMap::<i64, TestSend>::new());
    let email_channels = Signal::derive(move || {
        channels
            .get()
            .and_then(Result::ok)
            .map(|list| {
                list.items
                    .into_iter()
                    .filter(|c| c.kind == "email")
                    .map(|c| (c.id, c.name))
                    .collect()
            })
            .unwrap_or_default()
    });

    let on_saved = Callback::new(move |saved: SavedChannelResponse| {
        let name = saved.channel.name.clone();
        let rotated = saved.secret.is_some();
        outcome.set(Some(Outcome::Done(if rotated {
            format!("Channel “{name}” saved, with a new signing secret.")
        } else {
            format!("Channel “{name}” saved.")
        })));
        tests.update(|t| {
            t.remove(&saved.channel.id);
        });
        editing.set(None);
        if let Some(secret) = saved.secret {
            shown.set(Some((name, secret)));
            secret_open.set(true);
        }
        channels.refetch();
    });
    let delete = Callback::new(move |()| {
        let Some(channel) = deleting.get_untracked() else {
            return;
        };
        outcome.set(None);
        spawn_local(async move {
            match api::delete_channel(channel.id).await {
                Ok(()) => {
                    outcome.try_set(Some(Outcome::Done(format!(
                        "Channel “{}” deleted, with its deliveries.",
                        channel.name
                    ))));
                    if editing.try_with_untracked(
                        |e| matches!(e, Some(Editing::Edit(c)) if c.id == channel.id),
                    ) == Some(true)
                    {
                        editing.try_set(None);
                    }
                }
                Err(e) => {
                    outcome.try_set(Some(Outcome::Failed(e.message)));
                }
            }
            channels.refetch();
        });
    });
    let actions = RowActions {
        edit: Callback::new(move |channel: ChannelResponse| {
            outcome.set(None);
            editing.set(Some(Editing::Edit(Box::new(channel))));
        }),
        delete: Callback::new(move |channel: ChannelResponse| {
            deleting.set(Some(channel));
            delete_open.set(true);
        }),
        test: Callback::new(move |id: i64| {
            tests.update(|t| {
                t.insert(id, TestSend::Running);
            });
            spawn_local(async move {
                let result = match api::test_channel(id).await {
                    Ok(answer) => TestSend::Answered(answer),
                    Err(e) => TestSend::Failed(e.message),
                };
                tests.try_update(|t| {
                    t.insert(id, result);
                });
            });
        }),
    };

    view! {
        <p><a href=api::href("/settings") data-testid="notifications-back">"← Settings"</a></p>
        <h1 class="page-title">"Notifications"</h1>
        <p class="templates-link">
            <a class="btn ghost" href=api::href("/settings/templates") data-testid="notifications-templates">
                "Templates"
            </a>
            <span class="hint">"What each message says: its subject and text, with the event's details filled in."</span>
        </p>
        <p class="hint" data-testid="webhook-format">
            "A webhook gets each event as a JSON POST: "
            <code>"{id, event, occurred_at, friend?, libraries?, ends_at?, details: {summary, …}}"</code>
            ", times in RFC 3339 UTC. It carries "
            <code>"X-Plexward-Event"</code>
            " (the event), "
            <code>"X-Plexward-Delivery"</code>
            " (the event's id, the same on every retry: use it to ignore repeats) and "
            <code>"X-Plexward-Signature: sha256=<hex>"</code>
            ", the HMAC-SHA256 of the raw body keyed with the channel's signing secret: compute it over the bytes received and compare before trusting the body. Any 2xx answer counts as delivered; anything else is tried again with growing waits, then the delivery is dead (send it again from Deliveries). Discord, ntfy and email get the event as a message: a subject (Discord's bold first line, ntfy's title, the email's subject) and a text, both as the Templates say."
        </p>
        {move || editing.get().map(|which| {
            let channel = match which {
                Editing::New => None,
                Editing::Edit(c) => Some(*c),
            };
            view! {
                <ChannelForm
                    channel
                    on_saved
                    on_cancel=Callback::new(move |()| editing.set(None))
                />
            }
        })}
        <section class="card glass" aria-labelledby="channels-title">
            <div class="card-head">
                <h2 id="channels-title">"Channels"</h2>
                <div class="filters">
                    {can_see_deliveries.then(|| view! {
                        <a class="btn ghost" href=api::href("/deliveries") data-testid="notifications-deliveries">
                            "Deliveries"
                        </a>
                    })}
                    <Show when=move || can_edit>
                        <button
                            type="button"
                            class="btn"
                            data-testid="channel-new"
                            disabled=move || editing.with(|e| *e == Some(Editing::New))
                            on:click=move |_| {
                                outcome.set(None);
                                editing.set(Some(Editing::New));
                            }
                        >
                            "Add a channel"
                        </button>
                    </Show>
                </div>
            </div>
            {move || outcome.get().map(|o| match o {
                Outcome::Done(text) => view! {
                    <p class="alert success" role="status" data-testid="channels-outcome">{text}</p>
                }
                .into_any(),
                Outcome::Failed(text) => view! {
                    <p class="alert error" role="alert" data-testid="channels-error">{text}</p>
                }
                .into_any(),
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading channels…"</p> }>
                {move || Suspend::new(async move {
                    match channels.await {
                        Ok(list) => view! {
                            <ChannelTable channels=list.items can_edit can_see_deliveries actions tests />
                        }
                        .into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <ReminderSettings can_edit email_channels />
        <OneTimeSecret
            id="channel-secret-dialog"
            open=secret_open
            title=Signal::derive(move || {
                shown.with(|s| s.as_ref().map(|(name, _)| format!("Signing secret for “{name}”")).unwrap_or_default())
            })
            label="Signing secret"
            testid="channel-secret"
            secret=Signal::derive(move || shown.with(|s| s.as_ref().map(|(_, secret)| secret.clone()).unwrap_or_default()))
            on_closed=Callback::new(move |()| shown.set(None))
        >
            <p>
                "Plexward signs every request to this webhook with this secret: "
                <code>"X-Plexward-Signature: sha256="</code>
                " and the hex HMAC-SHA256 of the raw body. Give it to the receiver so it can check them."
            </p>
        </OneTimeSecret>
        <ConfirmDialog
            id="delete-channel"
            open=delete_open
            title=Signal::derive(move || {
                deleting.with(|c| c.as_ref().map(|c| format!("Delete the channel “{}”?", c.name)).unwrap_or_default())
            })
            message=Signal::derive(move || {
                deleting.with(|c| {
                    c.as_ref()
                        .map(|_| "It gets no more events, and its deliveries are deleted with it. This cannot be undone.".to_owned())
                        .unwrap_or_default()
                })
            })
            confirm_label="Delete"
            on_confirm=delete
            confirm_testid="channel-delete-confirm"
        />
    }
}

#[component]
fn ChannelTable(
    channels: Vec<ChannelResponse>,
    can_edit: bool,
    can_see_deliveries: bool,
    actions: RowActions,
    tests: RwSignal<BTreeMap<i64, TestSend>>,
) -> impl IntoView {
    if channels.is_empty() {
        return view! {
            <p class="muted" data-testid="channels-empty">
                {if can_edit {
                    "No channels yet: “Add a channel” makes one."
                } else {
                    "No channels yet."
                }}
            </p>
        }
        .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="channels">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Events"</th>
                        <th scope="col">"Enabled"</th>
                        <th scope="col">"Secret"</th>
                        {(can_edit || can_see_deliveries).then(|| view! {
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        })}
                    </tr>
                </thead>
                <tbody>
                    {channels
                        .into_iter()
                        .map(|channel| view! { <ChannelRow channel can_edit can_see_deliveries actions tests /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ChannelRow(
    channel: ChannelResponse,
    can_edit: bool,
    can_see_deliveries: bool,
    actions: RowActions,
    tests: RwSignal<BTreeMap<i64, TestSend>>,
) -> impl IntoView {
    let id = channel.id;
    let (enabled_words, enabled_class) = if channel.enabled {
        ("On", "pill ok")
    } else {
        ("Off", "pill")
    };
    let result = move || {
        tests.with(|t| t.get(&id).cloned()).map(|test| match test {
            TestSend::Running => view! { <span class="muted">"Sending a test…"</span> }.into_any(),
            TestSend::Answered(answer) => {
                let class = if answer.ok { "apply ok" } else { "apply bad" };
                view! { <span class=class>{test_words(&answer)}</span> }.into_any()
            }
            TestSend::Failed(message) => {
                view! { <span class="apply bad">{message}</span> }.into_any()
            }
        })
    };
    let testing = move || tests.with(|t| t.get(&id) == Some(&TestSend::Running));
    let (for_edit, for_delete) = (channel.clone(), channel.clone());
    let name = channel.name.clone();
    view! {
        <tr data-testid=format!("channel-row-{id}")>
            <th scope="row">
                <span data-testid=format!("channel-name-{id}")>{channel.name.clone()}</span>
                <p class="hint mono">{destination_words(&channel)}</p>
                {can_edit.then(|| view! {
                    <p data-testid=format!("channel-test-result-{id}") role="status" aria-live="polite">{result}</p>
                })}
            </th>
            <td data-testid=format!("channel-kind-{id}")>{kind_label(&channel.kind).to_owned()}</td>
            <td data-testid=format!("channel-events-{id}")>{events_words(&channel.events)}</td>
            <td><span class=enabled_class data-testid=format!("channel-enabled-{id}")>{enabled_words}</span></td>
            <td data-testid=format!("channel-secret-set-{id}")>{secret_words(&channel)}</td>
            {(can_edit || can_see_deliveries).then(|| view! {
                <td class="actions-cell">
                    {can_see_deliveries.then(|| view! {
                        <a
                            class="btn ghost small"
                            href=api::href(&format!("/deliveries?channel_id={id}"))
                            data-testid=format!("channel-deliveries-{id}")
                            aria-label=format!("Deliveries of {name}")
                        >
                            "Deliveries"
                        </a>
                    })}
                    {can_edit.then(|| view! {
                        <button
                            type="button"
                            class="btn ghost small"
                            data-testid=format!("channel-test-{id}")
                            aria-label=format!("Send a test to {}", channel.name)
                            disabled=testing
                            on:click=move |_| actions.test.run(id)
                        >
                            "Test"
                        </button>
                        <button
                            type="button"
                            class="btn ghost small"
                            data-testid=format!("channel-edit-{id}")
                            aria-label=format!("Edit {}", channel.name)
                            on:click=move |_| actions.edit.run(for_edit.clone())
                        >
                            "Edit"
                        </button>
                        <button
                            type="button"
                            class="btn danger small"
                            data-testid=format!("channel-delete-{id}")
                            aria-label=format!("Delete {}", channel.name)
                            on:click=move |_| actions.delete.run(for_delete.clone())
                        >
                            "Delete"
                        </button>
                    })}
                </td>
            })}
        </tr>
    }
}

/// The hint under the URL field, for `kind`.
fn url_hint(kind: &str, editing: bool, redacted: Option<&str>) -> String {
    match (kind, redacted) {
        ("discord", Some(saved)) if editing => format!(
            "Saved: {saved} (its token is never shown). Paste the whole webhook URL again to save."
        ),
        ("discord", _) => "The Discord channel's webhook URL (Edit channel → Integrations → Webhooks). It holds a token: it is never shown again in full.".to_owned(),
        _ => "Plexward POSTs each event here as signed JSON.".to_owned(),
    }
}

/// The form that adds a channel (`channel` None) or edits one.
#[component]
fn ChannelForm(
    channel: Option<ChannelResponse>,
    on_saved: Callback<SavedChannelResponse>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let initial = channel
        .as_ref()
        .map_or_else(ChannelFields::default, ChannelFields::of);
    let id = channel.as_ref().map(|c| c.id);
    let editing = id.is_some();
    let secret_set = channel.as_ref().is_some_and(|c| c.secret_set);
    let redacted = channel
        .as_ref()
        .filter(|c| c.kind == "discord")
        .and_then(|c| c.config.url.clone());
    let heading = channel.as_ref().map_or_else(
        || "Add a channel".to_owned(),
        |c| format!("Edit “{}”", c.name),
    );
    let saved_kind = initial.kind.clone();

    let kind = RwSignal::new(initial.kind.clone());
    let name = RwSignal::new(initial.name.clone());
    let url = RwSignal::new(initial.url.clone());
    let server = RwSignal::new(initial.server.clone());
    let topic = RwSignal::new(initial.topic.clone());
    let token = RwSignal::new(String::new());
    let clear_token = RwSignal::new(false);
    let events = RwSignal::new(initial.events.clone());
    let enabled = RwSignal::new(initial.enabled);
    let rotate = RwSignal::new(false);
    let email = EmailForm::new(&initial);
    let errors = RwSignal::new(FieldErrors::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let error_of =
        move |field: &'static str| Signal::derive(move || errors.with(|e| e.get(field).cloned()));

    let read = move || {
        let mut fields = ChannelFields {
            kind: kind.get_untracked(),
            name: name.get_untracked(),
            url: url.get_untracked(),
            server: server.get_untracked(),
            topic: topic.get_untracked(),
            token: token.get_untracked(),
            clear_token: clear_token.get_untracked(),
            events: events.get_untracked(),
            enabled: enabled.get_untracked(),
            rotate_secret: rotate.get_untracked(),
            ..ChannelFields::default()
        };
        email.fill(&mut fields);
        fields
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        let body = match channel_request(&read(), editing) {
            Ok(body) => body,
            Err(found) => {
                errors.set(found);
                error.set(Some(
                    "Some fields need a change: see below each one.".into(),
                ));
                return;
            }
        };
        errors.set(FieldErrors::new());
        busy.set(true);
        spawn_local(async move {
            let answer = match id {
                Some(id) => api::update_channel(id, &body).await,
                None => api::create_channel(&body).await,
            };
            busy.try_set(false);
            match answer {
                Ok(saved) => on_saved.run(saved),
                Err(e) if e.code == "channel_name_taken" => {
                    errors.try_set(FieldErrors::from([("name".to_owned(), e.message)]));
                }
                Err(e) if !e.fields.is_empty() => {
                    let others: Vec<String> = e
                        .fields
                        .iter()
                        .filter(|(field, _)| !FORM_FIELDS.contains(&form_field(field)))
                        .map(|(field, why)| format!("{field}: {why}"))
                        .collect();
                    error.try_set(Some(if others.is_empty() {
                        "Some fields need a change: see below each one.".to_owned()
                    } else {
                        format!("{} ({})", e.message, others.join("; "))
                    }));
                    // `config.to[1]` is said under the recipients.
                    let mut shown = FieldErrors::new();
                    for (field, why) in e.fields {
                        let entry = shown.entry(form_field(&field).to_owned()).or_default();
                        if !entry.is_empty() {
                            entry.push(' ');
                        }
                        entry.push_str(&why);
                    }
                    errors.try_set(shown);
                }
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
        });
    };

    let kind_fields = move || {
        let chosen = kind.get();
        if chosen == "email" {
            view! { <EmailFields form=email errors editing secret_set /> }.into_any()
        } else if chosen == "ntfy" {
            let token_hint = if editing && secret_set {
                "A token is saved (never shown). Leave empty to keep it; type a new one to replace it."
            } else {
                "For a protected topic. Stored encrypted; never shown again."
            };
            view! {
                <FormField id="channel-server" label="ntfy server" error=error_of("config.server") hint="e.g. https://ntfy.sh, or your own server.">
                    <input
                        type="text"
                        inputmode="url"
                        maxlength="2048"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        data-testid="channel-server"
                        placeholder="https://ntfy.sh"
                        prop:value=move || server.get()
                        on:input=move |ev| server.set(event_target_value(&ev))
                    />
                </FormField>
                <FormField id="channel-topic" label="Topic" error=error_of("config.topic") hint="1–64 letters, digits, _ or -.">
                    <input
                        type="text"
                        maxlength="64"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        data-testid="channel-topic"
                        placeholder="plexward"
                        prop:value=move || topic.get()
                        on:input=move |ev| topic.set(event_target_value(&ev))
                    />
                </FormField>
                <div class="field">
                    <FormField id="channel-token" label="Access token (optional)" error=error_of("token") hint=token_hint>
                        <input
                            type="password"
                            maxlength="512"
                            autocomplete="off"
                            autocapitalize="off"
                            spellcheck="false"
                            data-testid="channel-token"
                            placeholder=if editing && secret_set { "set (never shown)" } else { "none" }
                            disabled=move || clear_token.get()
                            prop:value=move || token.get()
                            on:input=move |ev| token.set(event_target_value(&ev))
                        />
                    </FormField>
                    {(editing && secret_set).then(|| view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                data-testid="channel-clear-token"
                                prop:checked=move || clear_token.get()
                                on:change=move |ev| clear_token.set(event_target_checked(&ev))
                            />
                            "Remove the saved token"
                        </label>
                    })}
                </div>
            }
            .into_any()
        } else {
            let hint = url_hint(&chosen, editing, redacted.as_deref());
            view! {
                <FormField id="channel-url" label="URL" error=error_of("config.url") hint=hint>
                    <input
                        type="text"
                        inputmode="url"
                        maxlength="2048"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        data-testid="channel-url"
                        placeholder="https://example.com/plexward-hook"
                        prop:value=move || url.get()
                        on:input=move |ev| url.set(event_target_value(&ev))
                    />
                </FormField>
            }
            .into_any()
        }
    };

    let event_choices = NOTIFICATION_EVENTS
        .iter()
        .map(|event| {
            let event: &'static str = event;
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        value=event
                        data-testid=event_testid(event)
                        aria-describedby="channel-events-error"
                        prop:checked=move || events.with(|e| e.iter().any(|x| x == event))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            events.update(|e| {
                                e.retain(|x| x != event);
                                if on {
                                    e.push(event.to_owned());
                                }
                            });
                        }
                    />
                    <span>{event_words(event)} " " <code class="muted">{event}</code></span>
                </label>
            }
        })
        .collect_view();

    view! {
        <section class="card glass" aria-labelledby="channel-form-title" data-testid="channel-form">
            <div class="card-head">
                <h2 id="channel-form-title">{heading}</h2>
            </div>
            <form class="form" on:submit=save novalidate>
                <div class="form-grid">
                    <FormField
                        id="channel-kind"
                        label="Kind"
                        error=error_of("kind")
                        hint=if editing { "A channel's kind cannot change." } else { "Email sends through an SMTP server you name." }
                    >
                        <select
                            data-testid="channel-kind"
                            disabled=editing
                            on:change=move |ev| kind.set(event_target_value(&ev))
                        >
                            {CHANNEL_KINDS
                                .into_iter()
                                .map(|(value, label)| {
                                    let chosen = saved_kind == value;
                                    view! { <option value=value selected=chosen>{label}</option> }
                                })
                                .collect_view()}
                        </select>
                    </FormField>
                    <FormField id="channel-name" label="Name" error=error_of("name")>
                        <input
                            type="text"
                            data-testid="channel-name"
                            maxlength=CHANNEL_NAME_MAX.to_string()
                            placeholder="e.g. Home automation"
                            autocomplete="off"
                            required
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                    </FormField>
                    {kind_fields}
                </div>
                <fieldset class="event-choices" aria-describedby="channel-events-error">
                    <legend>"Events it gets"</legend>
                    <div class="event-grid">{event_choices}</div>
                    <FieldError id="channel-events-error" error=error_of("events") />
                </fieldset>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="channel-enabled"
                        prop:checked=move || enabled.get()
                        on:change=move |ev| enabled.set(event_target_checked(&ev))
                    />
                    "Enabled: events are sent to it"
                </label>
                {(editing && initial.kind == "webhook").then(|| view! {
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="channel-rotate-secret"
                            prop:checked=move || rotate.get()
                            on:change=move |ev| rotate.set(event_target_checked(&ev))
                        />
                        "Make a new signing secret (shown once; the old one stops working at once)"
                    </label>
                })}
                {move || error.get().map(|e| view! {
                    <p class="alert error" role="alert" data-testid="channel-error">{e}</p>
                })}
                <div class="actions">
                    <button type="button" class="btn ghost" data-testid="channel-cancel" on:click=move |_| on_cancel.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class="btn" data-testid="channel-save" disabled=move || busy.get()>
                        {move || match (busy.get(), editing) {
                            (true, _) => "Saving…",
                            (false, true) => "Save channel",
                            (false, false) => "Add channel",
                        }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::url_hint;

    #[test]
    fn the_url_hint_says_a_discord_url_must_be_pasted_again() {
        assert!(url_hint("webhook", false, None).contains("signed JSON"));
        assert!(url_hint("discord", false, None).contains("never shown again"));
        let again = url_hint(
            "discord",
            true,
            Some("https://discord.com/api/webhooks/1/…"),
        );
        assert!(again.contains("https://discord.com/api/webhooks/1/…"));
        assert!(again.contains("Paste the whole webhook URL again"));
    }
}
