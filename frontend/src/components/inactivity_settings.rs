//! Settings → Inactivity: after a friend has not watched for a number of days, remind them, then
//! end their access or remove them from your Plex friends — each due friend waiting for your
//! confirmation (on the Inactive friends page) unless automatic. Admins change it; the other
//! roles that read settings see it read only. Off by default.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    INACTIVE_DAYS_MAX, INACTIVE_DAYS_MIN, InactivityAction, InactivityPolicy, Permission,
};

use crate::activity_text::{action_label, action_of, action_value, policy_words};
use crate::api;
use crate::components::field_error::FieldError;
use crate::session::use_session;

const ACTIONS: [InactivityAction; 3] = [
    InactivityAction::RemindOnly,
    InactivityAction::EndAccess,
    InactivityAction::RemoveFriend,
];

/// A typed number of days, or why not.
fn days_of(typed: &str) -> Result<u32, String> {
    typed
        .trim()
        .parse::<u32>()
        .map_err(|_| "Enter a whole number of days.".to_owned())
}

#[component]
pub fn InactivitySettingsCard() -> impl IntoView {
    let can_edit = use_session().allows(Permission::ManageSettings);
    let loaded = LocalResource::new(api::inactivity_policy);
    let ready = RwSignal::new(false);
    let saved = RwSignal::new(None::<InactivityPolicy>);
    let enabled = RwSignal::new(false);
    let days = RwSignal::new(String::new());
    let action = RwSignal::new(InactivityAction::EndAccess);
    let remind = RwSignal::new(String::new());
    let automatic = RwSignal::new(false);
    let days_error = RwSignal::new(None::<String>);
    let remind_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let show = move |p: &InactivityPolicy| {
        enabled.set(p.enabled);
        days.set(p.days.to_string());
        action.set(p.action);
        remind.set(p.remind_days_before.to_string());
        automatic.set(p.automatic);
        saved.set(Some(p.clone()));
        ready.set(true);
    };
    Effect::new(move |_| match loaded.get() {
        Some(Ok(p)) => show(&p),
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });
    let edited = move || {
        notice.set(None);
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !can_edit || busy.get_untracked() || !ready.get_untracked() {
            return;
        }
        error.set(None);
        notice.set(None);
        let parsed_days = days_of(&days.get_untracked());
        let parsed_remind = remind
            .get_untracked()
            .trim()
            .parse::<u32>()
            .map_err(|_| "Enter a whole number of days (0: no reminder).".to_owned());
        days_error.set(parsed_days.clone().err());
        remind_error.set(parsed_remind.clone().err());
        let (Ok(days_value), Ok(remind_value)) = (parsed_days, parsed_remind) else {
            return;
        };
        let wanted = InactivityPolicy {
            enabled: enabled.get_untracked(),
            days: days_value,
            action: action.get_untracked(),
            remind_days_before: remind_value,
            automatic: automatic.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            match api::save_inactivity_policy(&wanted).await {
                Ok(now) => {
                    if busy.try_get_untracked().is_some() {
                        show(&now);
                        notice.set(Some(if now.enabled {
                            format!(
                                "Saved. {}",
                                policy_words(now.days, now.action, now.remind_days_before)
                            )
                        } else {
                            "Saved: the inactivity policy is off.".to_owned()
                        }));
                    }
                }
                Err(e) => {
                    let days_why = e.field("days");
                    let remind_why = e.field("remind_days_before");
                    if days_why.is_none() && remind_why.is_none() {
                        error.try_set(Some(e.message));
                    } else {
                        days_error.try_set(days_why);
                        remind_error.try_set(remind_why);
                    }
                }
            }
            busy.try_set(false);
        });
    };

    let state_words = move || match saved.get() {
        Some(p) if p.enabled => {
            let how = if p.automatic {
                " Plexward acts on its own."
            } else {
                " Each due friend waits for your confirmation."
            };
            format!(
                "On. {}{how}",
                policy_words(p.days, p.action, p.remind_days_before)
            )
        }
        Some(_) => "Off. The Inactive friends page previews whom it would concern.".to_owned(),
        None => "Loading…".to_owned(),
    };
    let disabled = move || !can_edit || !ready.get();

    view! {
        <section class="card glass" aria-labelledby="inactivity-title" data-testid="inactivity-settings">
            <div class="card-head">
                <h2 id="inactivity-title">"Inactivity"</h2>
            </div>
            <p class="hint">
                "Friends who have not watched anything for a while can be reminded by email, then lose their access \
                 or be removed from your Plex friends, freeing a place. Plexward reads who watched at each sync."
            </p>
            <p data-testid="inactivity-state">{state_words}</p>
            {(!can_edit).then(|| view! { <p class="hint">"Only admins can change these settings."</p> })}
            <form class="form settings-form" on:submit=save novalidate aria-label="Inactivity policy">
                <fieldset disabled=disabled>
                    <label class="check" for="inactivity-enabled">
                        <input
                            id="inactivity-enabled"
                            type="checkbox"
                            data-testid="inactivity-enabled"
                            prop:checked=move || enabled.get()
                            on:change:target=move |ev| {
                                edited();
                                enabled.set(ev.target().checked());
                            }
                        />
                        "Act on inactive friends"
                    </label>
                    <div class="form-grid">
                        <div class="field">
                            <label for="inactivity-days">"Days without watching"</label>
                            <input
                                id="inactivity-days"
                                type="number"
                                inputmode="numeric"
                                data-testid="inactivity-days"
                                min=INACTIVE_DAYS_MIN.to_string()
                                max=INACTIVE_DAYS_MAX.to_string()
                                step="1"
                                prop:value=move || days.get()
                                aria-invalid=move || days_error.with(Option::is_some).to_string()
                                aria-describedby="inactivity-days-error"
                                on:input:target=move |ev| {
                                    edited();
                                    days_error.set(None);
                                    days.set(ev.target().value());
                                }
                            />
                            <FieldError id="inactivity-days-error" error=days_error.into() />
                        </div>
                        <div class="field">
                            <label for="inactivity-action">"Then"</label>
                            <select
                                id="inactivity-action"
                                data-testid="inactivity-action"
                                on:change=move |ev| {
                                    edited();
                                    action.set(action_of(&event_target_value(&ev)));
                                }
                            >
                                {ACTIONS
                                    .into_iter()
                                    .map(|a| view! {
                                        <option value=action_value(a) selected=move || action.get() == a>
                                            {action_label(a)}
                                        </option>
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="inactivity-remind">"Remind them this many days before (0: never)"</label>
                            <input
                                id="inactivity-remind"
                                type="number"
                                inputmode="numeric"
                                data-testid="inactivity-remind"
                                min="0"
                                step="1"
                                prop:value=move || remind.get()
                                aria-invalid=move || remind_error.with(Option::is_some).to_string()
                                aria-describedby="inactivity-remind-error"
                                on:input:target=move |ev| {
                                    edited();
                                    remind_error.set(None);
                                    remind.set(ev.target().value());
                                }
                            />
                            <FieldError id="inactivity-remind-error" error=remind_error.into() />
                        </div>
                    </div>
                    <label class="check" for="inactivity-automatic">
                        <input
                            id="inactivity-automatic"
                            type="checkbox"
                            data-testid="inactivity-automatic"
                            prop:checked=move || automatic.get()
                            aria-describedby="inactivity-automatic-hint"
                            on:change:target=move |ev| {
                                edited();
                                automatic.set(ev.target().checked());
                            }
                        />
                        "Act automatically"
                    </label>
                    <p class="hint" id="inactivity-automatic-hint">
                        "Otherwise each due friend waits on the Inactive friends page until you confirm; \
                         reminders go out either way."
                    </p>
                </fieldset>
                <Show when=move || error.with(Option::is_some)>
                    <p class="alert error" role="alert">{move || error.get()}</p>
                </Show>
                <Show when=move || notice.with(Option::is_some)>
                    <p class="alert success" role="status" data-testid="inactivity-saved">{move || notice.get()}</p>
                </Show>
                {can_edit.then(|| view! {
                    <div class="actions">
                        <button type="submit" class="btn" data-testid="inactivity-save" disabled=move || busy.get() || !ready.get()>
                            {move || if busy.get() { "Saving…" } else { "Save inactivity policy" }}
                        </button>
                    </div>
                })}
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::days_of;

    #[test]
    fn days_must_be_whole_numbers() {
        assert_eq!(days_of(" 90 "), Ok(90));
        assert!(days_of("ninety").is_err());
        assert!(days_of("-3").is_err());
    }
}
