//! A friend's history, from the audit log: when (server time zone), who, what, how it went.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::components::A;
use plexward_shared::{HistoryEntry, LibraryResponse, Permission};
use serde_json::Value;

use crate::api;
use crate::session::use_session;
use crate::time_zone::{Zone, rfc3339};

/// The longest summary shown; the audit log has the rest.
const SUMMARY_MAX: usize = 200;

/// A short summary of an entry's details: its `summary`/`message` when it has one, else its
/// simple fields as `key: value` (lists of library ids as titles).
pub fn summary(
    details: Option<&Value>,
    title_of: &dyn Fn(i64) -> String,
    when: &dyn Fn(&str) -> String,
) -> String {
    let Some(details) = details else {
        return String::new();
    };
    let text = match details {
        Value::Object(map) => {
            if let Some(Value::String(s)) = map.get("summary").or_else(|| map.get("message")) {
                s.clone()
            } else {
                // Who first, then before → after, then the rest by name.
                let rank = |key: &str| match key {
                    "friend" => 0,
                    "before" => 1,
                    "after" => 2,
                    _ => 3,
                };
                let mut fields: Vec<(&String, &Value)> = map.iter().collect();
                fields.sort_by_key(|(key, _)| rank(key));
                fields
                    .into_iter()
                    .filter_map(|(key, value)| {
                        let text = if key.ends_with("library_ids") {
                            library_titles(value, title_of).or_else(|| scalar(value))
                        } else if key == "before" || key == "after" {
                            grant_list(value, title_of, when).or_else(|| scalar(value))
                        } else {
                            scalar(value)
                        };
                        text.map(|v| format!("{}: {v}", key.replace('_', " ")))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }
        other => scalar(other).unwrap_or_default(),
    };
    if text.chars().count() > SUMMARY_MAX {
        let cut: String = text.chars().take(SUMMARY_MAX - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// `[1, 2]` → `Movies, TV` (`—` for none); `None` when it is not a list of ids.
fn library_titles(value: &Value, title_of: &dyn Fn(i64) -> String) -> Option<String> {
    let ids: Option<Vec<i64>> = value.as_array()?.iter().map(Value::as_i64).collect();
    let titles: Vec<String> = ids?.into_iter().map(title_of).collect();
    Some(if titles.is_empty() {
        "—".to_owned()
    } else {
        titles.join(", ")
    })
}

/// Grants as `[{library_id, starts_at, ends_at}]` → `Movies, TV (until 24 Nov 2026, 10:21)`.
fn grant_list(
    value: &Value,
    title_of: &dyn Fn(i64) -> String,
    when: &dyn Fn(&str) -> String,
) -> Option<String> {
    let grants = value.as_array()?;
    let parts: Option<Vec<String>> = grants
        .iter()
        .map(|g| {
            let mut text = title_of(g.get("library_id")?.as_i64()?);
            let window: Vec<String> = [("from", "starts_at"), ("until", "ends_at")]
                .into_iter()
                .filter_map(|(word, key)| {
                    g.get(key)
                        .and_then(Value::as_str)
                        .map(|at| format!("{word} {}", when(at)))
                })
                .collect();
            if !window.is_empty() {
                text.push_str(&format!(" ({})", window.join(" ")));
            }
            Some(text)
        })
        .collect();
    let parts = parts?;
    Some(if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(", ")
    })
}

/// A value as short text: strings, numbers, booleans, and lists of them.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(scalar).collect();
            parts.map(|p| format!("[{}]", p.join(", ")))
        }
        Value::Object(map) => map
            .get("action")
            .and_then(|a| a.as_str())
            .map(str::to_owned),
        Value::Null => None,
    }
}

/// The history list; `version` changes after every save, which reloads it.
#[component]
pub fn History(
    id: i64,
    zone: Zone,
    version: RwSignal<u32>,
    libraries: Vec<LibraryResponse>,
) -> impl IntoView {
    let session = use_session();
    let libraries = StoredValue::new(libraries);
    let entries = LocalResource::new(move || {
        version.track();
        api::history(id)
    });
    view! {
        <section class="card glass" aria-labelledby="history-title">
            <div class="card-head">
                <h2 id="history-title">"History"</h2>
                <Show when=move || session.allows(Permission::ViewAudit)>
                    <A href=api::href(&format!("/audit?friend_id={id}"))>"Full audit trail"</A>
                </Show>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading history…"</p> }>
                {move || {
                    let zone = zone.clone();
                    Suspend::new(async move {
                        match entries.await {
                            Ok(list) if list.items.is_empty() => {
                                view! { <p class="muted">"Nothing has happened yet."</p> }.into_any()
                            }
                            Ok(list) => {
                                let libraries = libraries.get_value();
                                view! { <HistoryList entries=list.items zone libraries /> }.into_any()
                            }
                            Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn HistoryList(
    entries: Vec<HistoryEntry>,
    zone: Zone,
    libraries: Vec<LibraryResponse>,
) -> impl IntoView {
    let title_of = move |id: i64| {
        libraries
            .iter()
            .find(|l| l.id == id)
            .map_or_else(|| format!("#{id}"), |l| l.title.clone())
    };
    let zone_for_details = zone.clone();
    let when = move |at: &str| {
        DateTime::parse_from_rfc3339(at).map_or_else(
            |_| at.to_owned(),
            |at| zone_for_details.format(&at.with_timezone(&Utc)),
        )
    };
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="history">
                <thead>
                    <tr>
                        <th scope="col">{format!("When ({})", zone.name())}</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Details"</th>
                    </tr>
                </thead>
                <tbody>
                    {entries
                        .into_iter()
                        .map(|entry| {
                            let outcome_class = match entry.outcome.as_str() {
                                "success" => "pill ok",
                                "failure" => "pill bad",
                                _ => "pill warn",
                            };
                            view! {
                                <tr>
                                    <td>
                                        <time datetime=rfc3339(&entry.at)>{zone.format(&entry.at)}</time>
                                    </td>
                                    <td>{entry.actor}</td>
                                    <td><code>{entry.action}</code></td>
                                    <td><span class=outcome_class>{entry.outcome}</span></td>
                                    <td>{summary(entry.details.as_ref(), &title_of, &when)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::summary;
    use serde_json::json;

    fn title(id: i64) -> String {
        if id == 1 {
            "Movies".into()
        } else {
            format!("#{id}")
        }
    }

    fn when(at: &str) -> String {
        format!("<{at}>")
    }

    #[test]
    fn grant_changes_read_as_titles_and_windows() {
        let details = json!({
            "friend": "alice",
            "before": [{"library_id": 1, "starts_at": null, "ends_at": null}],
            "after": [
                {"library_id": 1, "starts_at": null, "ends_at": null},
                {"library_id": 2, "starts_at": "S", "ends_at": "E"}
            ]
        });
        assert_eq!(
            summary(Some(&details), &title, &when),
            "friend: alice, before: Movies, after: Movies, #2 (from <S> until <E>)"
        );
    }

    #[test]
    fn details_read_as_a_short_line() {
        assert_eq!(summary(None, &title, &when), "");
        assert_eq!(
            summary(Some(&json!({"summary": "Gave Movies"})), &title, &when),
            "Gave Movies"
        );
        let details = json!({
            "library_ids": [1, 2],
            "removed_library_ids": [],
            "dry_run": false,
            "plan": {"action": "update"}
        });
        assert_eq!(
            summary(Some(&details), &title, &when),
            "dry run: false, library ids: Movies, #2, plan: update, removed library ids: —"
        );
        let long = "x".repeat(300);
        assert_eq!(
            summary(Some(&json!({ "message": long })), &title, &when)
                .chars()
                .count(),
            200
        );
    }
}
