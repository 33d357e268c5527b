//! Settings → Notifications, the reminders: how long before a window ends "Access ending soon"
//! is sent (`7d, 1d`), and the email channel friends' own reminder emails go through. Saved
//! whole with `PUT /api/v1/notifications/settings`; read-only for those who may not change
//! settings.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::NotificationSettings;

use crate::api;
use crate::components::form_field::FormField;
use crate::lead_text::{leads_input, leads_words, parse_leads};

/// What saving did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Saved,
    Failed(String),
}

#[component]
pub fn ReminderSettings(
    can_edit: bool,
    /// The email channels (id, name), for the friends' channel.
    #[prop(into)]
    email_channels: Signal<Vec<(i64, String)>>,
) -> impl IntoView {
    let settings = LocalResource::new(api::notification_settings);
    view! {
        <section class="card glass" aria-labelledby="reminders-title" data-testid="reminder-settings">
            <div class="card-head">
                <h2 id="reminders-title">"Reminders"</h2>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the reminder settings…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(saved) => view! { <ReminderForm saved can_edit email_channels /> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ReminderForm(
    saved: NotificationSettings,
    can_edit: bool,
    email_channels: Signal<Vec<(i64, String)>>,
) -> impl IntoView {
    let leads = RwSignal::new(leads_input(&saved.reminder_leads_minutes));
    let channel = RwSignal::new(saved.friend_email_channel_id);
    let leads_error = RwSignal::new(None::<String>);
    let channel_error = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<Outcome>);
    let busy = RwSignal::new(false);

    let words = move || match parse_leads(&leads.get()) {
        Ok(parsed) => leads_words(&parsed),
        Err(why) => why,
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        outcome.set(None);
        channel_error.set(None);
        let parsed = match parse_leads(&leads.get_untracked()) {
            Ok(parsed) => parsed,
            Err(why) => {
                leads_error.set(Some(why));
                return;
            }
        };
        leads_error.set(None);
        let body = NotificationSettings {
            reminder_leads_minutes: parsed,
            friend_email_channel_id: channel.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            match api::update_notification_settings(&body).await {
                Ok(now) => {
                    leads.try_set(leads_input(&now.reminder_leads_minutes));
                    channel.try_set(now.friend_email_channel_id);
                    outcome.try_set(Some(Outcome::Saved));
                }
                Err(e) => {
                    let mut fields = e.fields.clone();
                    leads_error.try_set(fields.remove("reminder_leads_minutes"));
                    channel_error.try_set(fields.remove("friend_email_channel_id"));
                    let rest: Vec<String> = fields
                        .iter()
                        .map(|(f, why)| format!("{f}: {why}"))
                        .collect();
                    let text = if rest.is_empty() && !e.fields.is_empty() {
                        "Some fields need a change: see below each one.".to_owned()
                    } else if rest.is_empty() {
                        e.message
                    } else {
                        format!("{} ({})", e.message, rest.join("; "))
                    };
                    outcome.try_set(Some(Outcome::Failed(text)));
                }
            }
            busy.try_set(false);
        });
    };

    let options = move || {
        let channels = email_channels.get();
        let chosen = channel.get();
        // A saved channel no longer listed (deleted meanwhile) still shows as chosen.
        let missing = chosen.filter(|id| !channels.iter().any(|(c, _)| c == id));
        channels
            .into_iter()
            .chain(missing.map(|id| (id, format!("#{id} (not an email channel now)"))))
            .map(|(id, name)| {
                view! {
                    <option value=id.to_string() selected=move || channel.get() == Some(id)>{name}</option>
                }
            })
            .collect_view()
    };
    let no_email = move || email_channels.with(Vec::is_empty);

    view! {
        <form class="form reminder-form" on:submit=save novalidate>
            <div class="form-grid">
                <FormField
                    id="reminder-leads"
                    label="Remind before access ends"
                    error=leads_error
                    hint="How long before a window ends “Access ending soon” is sent, e.g. 7d, 1d, 2h, 30m (up to 10). Empty: no reminders. A plan can set its own."
                >
                    <input
                        type="text"
                        data-testid="reminder-leads"
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="7d, 1d"
                        disabled=!can_edit
                        prop:value=move || leads.get()
                        on:input=move |ev| {
                            leads.set(event_target_value(&ev));
                            leads_error.set(None);
                        }
                    />
                </FormField>
                <FormField
                    id="friend-email-channel"
                    label="Friends' reminder emails: sent through"
                    error=channel_error
                    hint=move || if no_email() {
                        "Add an email channel to send friends their own reminders (to the email Plex knows)."
                    } else {
                        "Each friend gets their own reminder, at the same leads, to the email Plex knows (they can be left out on their page)."
                    }
                >
                    <select
                        data-testid="friend-email-channel"
                        disabled=!can_edit
                        on:change=move |ev| channel.set(event_target_value(&ev).parse().ok())
                    >
                        <option value="" selected=move || channel.get().is_none()>"None: friends get no emails"</option>
                        {options}
                    </select>
                </FormField>
            </div>
            <p class="hint" role="status" data-testid="reminder-leads-words">{words}</p>
            {move || outcome.get().map(|o| match o {
                Outcome::Saved => view! {
                    <p class="alert success" role="status" data-testid="reminder-settings-saved">"Reminder settings saved."</p>
                }
                .into_any(),
                Outcome::Failed(text) => view! {
                    <p class="alert error" role="alert" data-testid="reminder-settings-error">{text}</p>
                }
                .into_any(),
            })}
            {can_edit.then(|| view! {
                <div class="actions">
                    <button type="submit" class="btn" data-testid="reminder-settings-save" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save reminders" }}
                    </button>
                </div>
            })}
        </form>
    }
}
