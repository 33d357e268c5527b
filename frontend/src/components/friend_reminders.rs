//! A friend's own reminder emails, on their page: whether they are emailed before their access
//! ends, and the time zone the times in those emails are written in (the server's when none).
//! Moderators and admins change it; others see it. Hidden from a role that may not read it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::FriendNotifications;

use crate::api;
use crate::components::form_field::FormField;

/// What saving did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Saved,
    Failed(String),
}

#[component]
pub fn FriendReminders(
    id: i64,
    /// The email Plex knows for the friend (where the reminders go).
    email: Option<String>,
    /// The server's time zone, used when the friend has none.
    server_zone: String,
    can_edit: bool,
) -> impl IntoView {
    let choices = LocalResource::new(move || api::friend_notifications(id));
    let email = StoredValue::new(email);
    let server_zone = StoredValue::new(server_zone);
    move || {
        choices.get().map(|answer| match answer {
            Ok(saved) => view! {
                <ReminderForm
                    id
                    saved
                    email=email.get_value()
                    server_zone=server_zone.get_value()
                    can_edit
                />
            }
            .into_any(),
            // A role that may not read it sees no section.
            Err(e) if e.status == 403 => ().into_any(),
            Err(e) => view! {
                <section class="card glass" aria-labelledby="friend-reminders-title">
                    <div class="card-head"><h2 id="friend-reminders-title">"Reminder emails"</h2></div>
                    <p class="alert error" role="alert" data-testid="friend-reminders-error">{e.message}</p>
                </section>
            }
            .into_any(),
        })
    }
}

#[component]
fn ReminderForm(
    id: i64,
    saved: FriendNotifications,
    email: Option<String>,
    server_zone: String,
    can_edit: bool,
) -> impl IntoView {
    let emails = RwSignal::new(saved.reminder_emails);
    let zone = RwSignal::new(saved.time_zone.clone().unwrap_or_default());
    let last = RwSignal::new(saved);
    let zone_error = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<Outcome>);
    let busy = RwSignal::new(false);
    let wanted = move || FriendNotifications {
        reminder_emails: emails.get(),
        time_zone: Some(zone.get().trim().to_owned()).filter(|z| !z.is_empty()),
    };
    let changed = move || last.with(|l| *l != wanted());
    let where_to = email.map_or_else(
        || "Plex does not know this friend's email: no reminder can be sent to them.".to_owned(),
        |e| format!("Sent to {e}, through the email channel chosen in Settings → Notifications, at the reminder leads."),
    );

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !can_edit {
            return;
        }
        let body = wanted();
        outcome.set(None);
        zone_error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::set_friend_notifications(id, &body).await {
                Ok(now) => {
                    emails.try_set(now.reminder_emails);
                    zone.try_set(now.time_zone.clone().unwrap_or_default());
                    last.try_set(now);
                    outcome.try_set(Some(Outcome::Saved));
                }
                Err(e) => {
                    let mut fields = e.fields.clone();
                    zone_error.try_set(fields.remove("time_zone"));
                    let text = if fields.is_empty() && !e.fields.is_empty() {
                        "The time zone needs a change: see below it.".to_owned()
                    } else {
                        e.message
                    };
                    outcome.try_set(Some(Outcome::Failed(text)));
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <section class="card glass" aria-labelledby="friend-reminders-title" data-testid="friend-reminders">
            <div class="card-head">
                <h2 id="friend-reminders-title">"Reminder emails"</h2>
            </div>
            <form class="form" on:submit=save novalidate>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="friend-reminder-emails"
                        disabled=!can_edit
                        prop:checked=move || emails.get()
                        on:change=move |ev| emails.set(event_target_checked(&ev))
                    />
                    "Email this friend before their access ends"
                </label>
                <p class="hint" data-testid="friend-reminders-where">{where_to}</p>
                <FormField
                    id="friend-time-zone"
                    label="Their time zone (optional)"
                    error=zone_error
                    hint=format!("An IANA name such as America/New_York, for the times in their emails. Empty: the server's ({server_zone}).")
                >
                    <input
                        type="text"
                        data-testid="friend-time-zone"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        maxlength="64"
                        placeholder=server_zone.clone()
                        readonly=!can_edit
                        prop:value=move || zone.get()
                        on:input=move |ev| {
                            zone.set(event_target_value(&ev));
                            zone_error.set(None);
                        }
                    />
                </FormField>
                {move || outcome.get().map(|o| match o {
                    Outcome::Saved => view! {
                        <p class="alert success" role="status" data-testid="friend-reminders-saved">"Saved."</p>
                    }
                    .into_any(),
                    Outcome::Failed(text) => view! {
                        <p class="alert error" role="alert" data-testid="friend-reminders-failed">{text}</p>
                    }
                    .into_any(),
                })}
                {can_edit.then(|| view! {
                    <div class="actions">
                        <button
                            type="submit"
                            class="btn"
                            data-testid="friend-reminders-save"
                            disabled=move || busy.get() || !changed()
                        >
                            {move || if busy.get() { "Saving…" } else { "Set reminder emails" }}
                        </button>
                    </div>
                })}
            </form>
        </section>
    }
}
