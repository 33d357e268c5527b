//! A friend's history, from the audit log: when (server time zone), who, what, how it went.

use leptos::prelude::*;
use plexward_shared::{HistoryEntry, LibraryResponse};
use serde_json::Value;

use crate::api;
use crate::time_zone::{Zone, rfc3339};

/// The longest summary shown; the audit log has the rest.
const SUMMARY_MAX: usize = 200;

/// A short summary of an entry's details: its `summary`/`message` when it has one, else its
/// simple fields as `key: value` (lists of library ids as titles).
pub fn summary(details: Option<&Value>, title_of: &dyn Fn(i64) -> String) -> String {
    let Some(details) = details else {
        return String::new();
    };
    let text = match details {
        Value::Object(map) => {
            if let Some(Value::String(s)) = map.get("summary").or_else(|| map.get("message")) {
                s.clone()
            } else {
                map.iter()
                    .filter_map(|(key, value)| {
                        let text = if key.ends_with("library_ids") {
                            library_titles(value, title_of).or_else(|| scalar(value))
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
    let libraries = StoredValue::new(libraries);
    let entries = LocalResource::new(move || {
        version.track();
        api::history(id)
    });
    view! {
        <section class="card glass" aria-labelledby="history-title">
            <div class="card-head">
                <h2 id="history-title">"History"</h2>
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
                                    <td>{summary(entry.details.as_ref(), &title_of)}</td>
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

    #[test]
    fn details_read_as_a_short_line() {
        assert_eq!(summary(None, &title), "");
        assert_eq!(
            summary(Some(&json!({"summary": "Gave Movies"})), &title),
            "Gave Movies"
        );
        let details = json!({
            "library_ids": [1, 2],
            "removed_library_ids": [],
            "dry_run": false,
            "plan": {"action": "update"}
        });
        assert_eq!(
            summary(Some(&details), &title),
            "dry run: false, library ids: Movies, #2, plan: update, removed library ids: —"
        );
        let long = "x".repeat(300);
        assert_eq!(
            summary(Some(&json!({ "message": long })), &title)
                .chars()
                .count(),
            200
        );
    }
}
