//! One page of audit events: when (server time zone), who, what, how it went, about what, and
//! the details as JSON text behind a disclosure. Everything is a text node: names and details
//! come from requests (a sign-in's username, say) and must never become markup.

use leptos::prelude::*;
use leptos_router::components::A;
use plexward_shared::AuditEventResponse;

use crate::api;
use crate::time_zone::{Zone, rfc3339};

/// `pill ok` / `pill bad` / `pill warn` for `success` / `failure` / `denied`.
pub fn outcome_class(outcome: &str) -> &'static str {
    match outcome {
        "success" => "pill ok",
        "failure" => "pill bad",
        _ => "pill warn",
    }
}

/// What an event is about: a friend by name (`alice (friend #7)`, or `friend #7` when not
/// known), else `account 3`, or `—`.
pub fn target_text(
    event: &AuditEventResponse,
    friend_name: &dyn Fn(i64) -> Option<String>,
) -> String {
    if let Some(id) = friend_id(event) {
        return match friend_name(id) {
            Some(name) => format!("{name} (friend #{id})"),
            None => format!("friend #{id}"),
        };
    }
    match (&event.target_type, &event.target_id) {
        (Some(kind), Some(id)) => format!("{kind} {id}"),
        (Some(kind), None) => kind.clone(),
        (None, Some(id)) => id.clone(),
        (None, None) => "—".to_owned(),
    }
}

/// The friend an event is about, for a link to their page.
fn friend_id(event: &AuditEventResponse) -> Option<i64> {
    (event.target_type.as_deref() == Some("plex_user"))
        .then(|| event.target_id.as_deref()?.parse().ok())
        .flatten()
}

/// The details, indented; `None` when there are none.
pub fn details_text(event: &AuditEventResponse) -> Option<String> {
    event
        .details
        .as_ref()
        .filter(|d| !d.is_null())
        .map(|d| serde_json::to_string_pretty(d).unwrap_or_else(|_| d.to_string()))
}

#[component]
pub fn AuditEvents(
    events: Vec<AuditEventResponse>,
    zone: Zone,
    /// Friends as (id, name), to name the friend an event is about.
    friends: StoredValue<Vec<(i64, String)>>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data audit" data-testid="audit-events">
                <thead>
                    <tr>
                        <th scope="col">{format!("When ({})", zone.name())}</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"About"</th>
                        <th scope="col">"IP"</th>
                        <th scope="col">"Details"</th>
                    </tr>
                </thead>
                <tbody>
                    {events
                        .into_iter()
                        .map(|event| view! { <AuditRow event zone=zone.clone() friends /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AuditRow(
    event: AuditEventResponse,
    zone: Zone,
    friends: StoredValue<Vec<(i64, String)>>,
) -> impl IntoView {
    let name_of = |id: i64| {
        friends.with_value(|all| {
            all.iter()
                .find(|(known, _)| *known == id)
                .map(|(_, name)| name.clone())
        })
    };
    let target = target_text(&event, &name_of);
    let about = match friend_id(&event) {
        Some(id) => view! { <A href=api::href(&format!("/friends/{id}"))>{target}</A> }.into_any(),
        None => view! { <span>{target}</span> }.into_any(),
    };
    let details = details_text(&event);
    let (action, outcome) = (event.action.clone(), event.outcome.clone());
    let badge = outcome_class(&event.outcome);
    view! {
        <tr data-testid=format!("audit-{}", event.id) data-action=action data-outcome=outcome>
            <td><time datetime=rfc3339(&event.at)>{zone.format(&event.at)}</time></td>
            <td class="audit-actor">{event.actor}</td>
            <td><code>{event.action}</code></td>
            <td>
                <span class=badge>{event.outcome}</span>
                {(event.count > 1).then(|| view! {
                    <span class="muted" data-testid="audit-count" title="Repeats from this address within the minute, counted on one event">
                        {format!(" ×{}", event.count)}
                    </span>
                })}
            </td>
            <td>{about}</td>
            <td class="muted">{event.ip.unwrap_or_else(|| "—".to_owned())}</td>
            <td>
                {match details {
                    Some(text) => view! {
                        <details class="audit-details">
                            <summary>"Details"</summary>
                            <pre class="mono">{text}</pre>
                        </details>
                    }
                        .into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use plexward_shared::AuditEventResponse;
    use serde_json::json;

    use super::{details_text, friend_id, outcome_class, target_text};

    fn event() -> AuditEventResponse {
        AuditEventResponse {
            id: 1,
            at: DateTime::from_timestamp(1_800_000_000, 0).expect("a valid instant"),
            actor: "mo".into(),
            actor_id: Some(2),
            action: "grants.set".into(),
            outcome: "success".into(),
            target_type: Some("plex_user".into()),
            target_id: Some("7".into()),
            ip: None,
            details: Some(json!({"friend": "<b>alice</b>"})),
            via_token: None,
            count: 1,
        }
    }

    #[test]
    fn targets_and_outcomes_read_plainly() {
        let e = event();
        let alice = |id: i64| (id == 7).then(|| "alice".to_owned());
        let nobody = |_: i64| None;
        assert_eq!(target_text(&e, &alice), "alice (friend #7)");
        assert_eq!(target_text(&e, &nobody), "friend #7");
        assert_eq!(friend_id(&e), Some(7));
        let account = AuditEventResponse {
            target_type: Some("account".into()),
            ..event()
        };
        assert_eq!(friend_id(&account), None);
        assert_eq!(target_text(&account, &alice), "account 7");
        let none = AuditEventResponse {
            target_type: None,
            target_id: None,
            ..event()
        };
        assert_eq!(target_text(&none, &alice), "—");
        assert_eq!(outcome_class("success"), "pill ok");
        assert_eq!(outcome_class("failure"), "pill bad");
        assert_eq!(outcome_class("denied"), "pill warn");
    }

    #[test]
    fn details_are_indented_json() {
        assert_eq!(
            details_text(&event()).as_deref(),
            Some("{\n  \"friend\": \"<b>alice</b>\"\n}")
        );
        let bare = AuditEventResponse {
            details: None,
            ..event()
        };
        assert_eq!(details_text(&bare), None);
    }
}
