//! Friends → *Export CSV* / *Import CSV…*: every friend's grants as a file, and such a file read
//! back: previewed per friend (what each one's libraries become), every bad row named by its line,
//! then applied as one bulk change.

use std::collections::BTreeMap;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::BulkResponse;

use crate::api;
use crate::components::dialog::Dialog;
use crate::format::plan_words;

#[derive(Debug, Clone)]
enum Stage {
    Choosing,
    Busy(&'static str),
    Preview(Box<BulkResponse>, String),
    Done(String),
    Failed(String, Vec<(String, String)>),
}

/// `rows[12].ends_at` → "Line 12, ends_at"; anything else as it is.
pub fn row_label(field: &str) -> String {
    field
        .strip_prefix("rows[")
        .and_then(|rest| rest.split_once("]."))
        .map_or_else(
            || field.to_owned(),
            |(line, column)| format!("Line {line}, {column}"),
        )
}

#[component]
pub fn GrantsImport(
    open: RwSignal<bool>,
    /// Library titles by id, for the plans in words.
    titles: BTreeMap<i64, String>,
    /// Told once the change is saved (the list reloads).
    on_done: Callback<()>,
) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let stage = RwSignal::new(Stage::Choosing);
    let titles = StoredValue::new(titles);
    let title_of = move |id: i64| {
        titles.with_value(|t| t.get(&id).cloned().unwrap_or_else(|| format!("#{id}")))
    };
    Effect::new(move |_| {
        if open.get() {
            stage.set(Stage::Choosing);
        }
    });
    let fail = move |e: api::ApiError| {
        let mut rows: Vec<(String, String)> = e.fields.into_iter().collect();
        rows.sort_by_key(|(field, _)| {
            field
                .strip_prefix("rows[")
                .and_then(|r| r.split(']').next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0)
        });
        stage.try_set(Stage::Failed(e.message, rows));
    };
    let preview = move |_| {
        let Some(file) = input
            .get_untracked()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            stage.set(Stage::Failed("Choose a CSV file first.".into(), Vec::new()));
            return;
        };
        stage.set(Stage::Busy(
            "Reading the file and working out each friend's plan…",
        ));
        spawn_local(async move {
            let csv = match api::file_text(&file).await {
                Ok(text) => text,
                Err(e) => return fail(e),
            };
            match api::import_grants(csv.clone(), true).await {
                Ok(answer) => {
                    stage.try_set(Stage::Preview(Box::new(answer), csv));
                }
                Err(e) => fail(e),
            }
        });
    };
    let apply = move |_| {
        let Stage::Preview(_, csv) = stage.get_untracked() else {
            return;
        };
        stage.set(Stage::Busy("Saving…"));
        spawn_local(async move {
            match api::import_grants(csv, false).await {
                Ok(answer) => {
                    let n = answer.friends.len();
                    stage.try_set(Stage::Done(format!(
                        "Saved for {n} {}; Plex is being updated.",
                        if n == 1 { "friend" } else { "friends" }
                    )));
                    on_done.run(());
                }
                Err(e) => fail(e),
            }
        });
    };
    view! {
        <Dialog id="grants-import" open title="Import grants from CSV">
            <div data-testid="grants-import">
                <p class="hint">
                    "A file as Export CSV writes it: each friend's rows are all their grants from now on (a row with no library: none). Friends not in the file are left as they are."
                </p>
                <label class="field">
                    <span>"CSV file"</span>
                    <input type="file" accept=".csv,text/csv" node_ref=input data-testid="grants-file" />
                </label>
                {move || match stage.get() {
                    Stage::Choosing => ().into_any(),
                    Stage::Busy(what) => view! { <p class="muted" role="status">{what}</p> }.into_any(),
                    Stage::Preview(answer, _) => {
                        let changing: Vec<_> = answer
                            .friends
                            .iter()
                            .filter(|f| !f.changes.is_empty())
                            .map(|f| (f.title.clone(), plan_words(&f.plan, &title_of)))
                            .collect();
                        let unchanged = answer.friends.len() - changing.len();
                        view! {
                            <div class="alert info" role="status" data-testid="import-preview">
                                <p>{format!("{} to change, {unchanged} already as the file says.", changing.len())}</p>
                                <ul>
                                    {changing.into_iter().map(|(who, words)| view! {
                                        <li><strong>{who}</strong>": "{words}</li>
                                    }).collect_view()}
                                </ul>
                            </div>
                        }
                            .into_any()
                    }
                    Stage::Done(text) => view! {
                        <p class="alert success" role="status" data-testid="import-done">{text}</p>
                    }
                        .into_any(),
                    Stage::Failed(message, rows) => view! {
                        <div class="alert error" role="alert" data-testid="import-errors">
                            <p>{message}</p>
                            <ul>
                                {rows.into_iter().map(|(field, why)| view! {
                                    <li>{format!("{}: {why}", row_label(&field))}</li>
                                }).collect_view()}
                            </ul>
                        </div>
                    }
                        .into_any(),
                }}
                <div class="actions">
                    <button type="button" class="btn ghost" on:click=preview>"Preview"</button>
                    <Show when=move || matches!(stage.get(), Stage::Preview(..))>
                        <button type="button" class="btn" on:click=apply>"Apply"</button>
                    </Show>
                </div>
            </div>
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::row_label;

    #[test]
    fn row_errors_read_as_lines() {
        assert_eq!(row_label("rows[12].ends_at"), "Line 12, ends_at");
        assert_eq!(row_label("csv.header"), "csv.header");
    }
}
