//! The Audit page's filters: who, what (an action or a family of them), which friend, the
//! outcome, and a time range entered on the server's clock (the friend page's convention) and
//! sent as RFC 3339. Choices apply at once; typed text and dates on "Apply".

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use plexward_shared::AuditQuery;

use crate::components::form_field::FormField;
use crate::time_zone::Zone;

const OUTCOMES: [(&str, &str); 4] = [
    ("", "Any outcome"),
    ("success", "Success"),
    ("failure", "Failure"),
    ("denied", "Denied"),
];

/// The action select's choices (value, label): every family (`grants` matches `grants.*`) before
/// its actions, and `current` even when no event has it yet (a link may name it).
pub fn action_choices(actions: &[String], current: Option<&str>) -> Vec<(String, String)> {
    let mut all: BTreeSet<String> = actions.iter().cloned().collect();
    if let Some(current) = current.filter(|c| !c.is_empty()) {
        all.insert(current.to_owned());
    }
    let mut choices = vec![(String::new(), "Any action".to_owned())];
    let mut families_done = BTreeSet::new();
    for action in &all {
        if let Some((family, _)) = action.split_once('.')
            && families_done.insert(family.to_owned())
            && !all.contains(family)
        {
            choices.push((family.to_owned(), format!("{family}.* (all)")));
        }
        choices.push((action.clone(), action.clone()));
    }
    choices
}

/// An RFC 3339 instant as a `datetime-local` value on `zone`'s clock (empty when unreadable).
fn input_value(zone: &Zone, value: Option<&str>) -> String {
    value
        .and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok())
        .map(|at| zone.input_value(Some(&at.with_timezone(&chrono::Utc))))
        .unwrap_or_default()
}

#[component]
pub fn AuditFilters(
    current: Memo<AuditQuery>,
    zone: Zone,
    actions: Vec<String>,
    /// Friends as (id, name), for the friend select.
    friends: Vec<(i64, String)>,
    /// The server's 422, field by field.
    server_errors: Signal<BTreeMap<String, String>>,
    on_apply: Callback<AuditQuery>,
) -> impl IntoView {
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let friend = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let local_errors = RwSignal::new(BTreeMap::<String, String>::new());
    let zone = StoredValue::new(zone);
    // The URL holds the filters: follow it when it changes (back button, a link).
    Effect::new(move |_| {
        let q = current.get();
        let zone = zone.get_value();
        actor.set(q.actor.clone().unwrap_or_default());
        action.set(q.action.clone().unwrap_or_default());
        friend.set(q.friend_id.clone().unwrap_or_default());
        outcome.set(q.outcome.clone().unwrap_or_default());
        from.set(input_value(&zone, q.from.as_deref()));
        to.set(input_value(&zone, q.to.as_deref()));
        local_errors.set(BTreeMap::new());
    });
    let error_of = move |name: &'static str| {
        Signal::derive(move || {
            local_errors
                .with(|e| e.get(name).cloned())
                .or_else(|| server_errors.with(|e| e.get(name).cloned()))
        })
    };

    let apply = move || {
        let zone = zone.get_value();
        let mut errors = BTreeMap::new();
        let mut instant = |name: &str, value: String| match zone.input_to_rfc3339(&value) {
            Ok(v) => v,
            Err(why) => {
                errors.insert(name.to_owned(), why);
                None
            }
        };
        let from = instant("from", from.get_untracked());
        let to = instant("to", to.get_untracked());
        let filled = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        if !errors.is_empty() {
            local_errors.set(errors);
            return;
        }
        local_errors.set(BTreeMap::new());
        on_apply.run(AuditQuery {
            actor: filled(actor),
            action: filled(action),
            friend_id: filled(friend),
            plex_user_id: None,
            outcome: filled(outcome),
            from,
            to,
            limit: None,
            offset: None,
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        apply();
    };
    let clear = move |_| {
        for s in [actor, action, friend, outcome, from, to] {
            s.set(String::new());
        }
        apply();
    };

    let action_options = move || {
        action_choices(&actions, Some(&action.get()))
            .into_iter()
            .map(|(value, label)| {
                let selected = value == action.get_untracked();
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let friend_options = move || {
        let chosen = friend.get();
        let known = friends.iter().any(|(id, _)| id.to_string() == chosen);
        let mut options = vec![(String::new(), "Any friend".to_owned())];
        if !chosen.is_empty() && !known {
            options.push((chosen.clone(), format!("Friend #{chosen}")));
        }
        options.extend(
            friends
                .iter()
                .map(|(id, name)| (id.to_string(), name.clone())),
        );
        options
            .into_iter()
            .map(|(value, label)| {
                let selected = value == chosen;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let zone_name = zone.with_value(|z| z.name().to_owned());

    view! {
        <form class="form audit-filters" on:submit=submit novalidate aria-label="Audit filters">
            <div class="form-grid">
                <FormField
                    id="audit-actor"
                    label="Who"
                    error=error_of("actor")
                >
                    <input
                        type="search"
                        placeholder="account name or system"
                        prop:value=move || actor.get()
                        on:input:target=move |ev| actor.set(ev.target().value())
                    />
                </FormField>
                <FormField
                    id="audit-action"
                    label="Action"
                    error=error_of("action")
                >
                    <select
                        prop:value=move || action.get()
                        on:change=move |ev| {
                            action.set(event_target_value(&ev));
                            apply();
                        }
                    >
                        {action_options}
                    </select>
                </FormField>
                <FormField
                    id="audit-friend"
                    label="Friend"
                    error=error_of("friend_id")
                >
                    <select
                        prop:value=move || friend.get()
                        on:change=move |ev| {
                            friend.set(event_target_value(&ev));
                            apply();
                        }
                    >
                        {friend_options}
                    </select>
                </FormField>
                <FormField
                    id="audit-outcome"
                    label="Outcome"
                    error=error_of("outcome")
                >
                    <select
                        prop:value=move || outcome.get()
                        on:change=move |ev| {
                            outcome.set(event_target_value(&ev));
                            apply();
                        }
                    >
                        {OUTCOMES
                            .iter()
                            .map(|(value, label)| view! { <option value=*value>{*label}</option> })
                            .collect_view()}
                    </select>
                </FormField>
                <FormField
                    id="audit-from"
                    label=format!("From ({zone_name})")
                    error=error_of("from")
                >
                    <input
                        type="datetime-local"
                        prop:value=move || from.get()
                        on:input:target=move |ev| from.set(ev.target().value())
                    />
                </FormField>
                <FormField
                    id="audit-to"
                    label=format!("Until ({zone_name})")
                    error=error_of("to")
                >
                    <input
                        type="datetime-local"
                        prop:value=move || to.get()
                        on:input:target=move |ev| to.set(ev.target().value())
                    />
                </FormField>
            </div>
            <div class="actions">
                <button type="button" class="btn ghost" on:click=clear>"Clear"</button>
                <button type="submit" class="btn">"Apply"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::action_choices;

    #[test]
    fn families_come_before_their_actions() {
        let actions = vec![
            "auth.login".to_owned(),
            "grants.extend".to_owned(),
            "grants.set".to_owned(),
            "plex.sync".to_owned(),
        ];
        let values: Vec<String> = action_choices(&actions, None)
            .into_iter()
            .map(|(v, _)| v)
            .collect();
        assert_eq!(
            values,
            [
                "",
                "auth",
                "auth.login",
                "grants",
                "grants.extend",
                "grants.set",
                "plex",
                "plex.sync"
            ]
        );
        let labels = action_choices(&actions, None);
        assert_eq!(labels[3].1, "grants.* (all)");
    }

    #[test]
    fn a_linked_action_is_offered_even_before_it_happened() {
        let values: Vec<String> = action_choices(&["auth.login".to_owned()], Some("grants"))
            .into_iter()
            .map(|(v, _)| v)
            .collect();
        assert_eq!(values, ["", "auth", "auth.login", "grants"]);
    }
}
