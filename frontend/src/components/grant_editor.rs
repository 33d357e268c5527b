//! The library matrix of a friend: one row per library with a checkbox and start/end pickers in
//! the server's time zone, quick renew buttons, and a two-step save (dry run → plan in words →
//! confirm). Read-only for roles that may not change access.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    ChangeResponse, ExtendPeriod, ExtendRequest, GrantRequest, LibraryResponse, PlanAction,
    PlexUserDetailResponse, Repeat, SetGrantsRequest,
};

use crate::api::{self, ApiError};
use crate::components::stale_dialog::{Stale, StaleDialog, stale_words};
use crate::components::weekly_editor::WeeklyEditor;
use crate::format::plan_words;
use crate::time_zone::Zone;

/// One library's row: what the form holds for it.
#[derive(Debug, Clone, Copy)]
struct Row {
    library_id: i64,
    checked: RwSignal<bool>,
    start: RwSignal<String>,
    end: RwSignal<String>,
    /// A weekly window, kept as it came (its own editor is not here yet): sent back unchanged.
    repeat: RwSignal<Option<Repeat>>,
}

/// Where saving stands.
#[derive(Debug, Clone)]
enum Stage {
    Editing,
    Busy(&'static str),
    /// The dry run's answer, waiting for "Confirm".
    Preview(Box<ChangeResponse>, SetGrantsRequest),
}

/// A call this editor makes, kept to send again on top of someone else's change (412).
#[derive(Debug, Clone)]
enum Send {
    Preview(SetGrantsRequest),
    Save(SetGrantsRequest),
    Extend(ExtendRequest),
}

/// Field errors of a 422 (`grants[i].starts_at`) → (library id → reason), plus what belongs to
/// no row.
fn map_field_errors(
    err: &ApiError,
    request: &SetGrantsRequest,
) -> (BTreeMap<i64, String>, Vec<String>) {
    let mut rows: BTreeMap<i64, String> = BTreeMap::new();
    let mut general = Vec::new();
    for (field, why) in &err.fields {
        let grant = field
            .strip_prefix("grants[")
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(index, rest)| Some((index.parse::<usize>().ok()?, rest)));
        match grant.and_then(|(i, rest)| Some((request.grants.get(i)?, rest))) {
            Some((grant, rest)) => {
                let which = match rest {
                    ".starts_at" => "Start: ",
                    ".ends_at" => "End: ",
                    _ => "",
                };
                let entry = rows.entry(grant.library_id).or_default();
                if !entry.is_empty() {
                    entry.push(' ');
                }
                entry.push_str(&format!("{which}{why}"));
            }
            None => general.push(format!("{field}: {why}")),
        }
    }
    if rows.is_empty() && general.is_empty() {
        general.push(err.message.clone());
    }
    (rows, general)
}

#[component]
pub fn GrantEditor(
    friend: PlexUserDetailResponse,
    libraries: Vec<LibraryResponse>,
    zone: Zone,
    can_edit: bool,
    /// Told about every saved change (and every extend).
    on_saved: Callback<ChangeResponse>,
    /// Shows the friend as they are now (after "keep theirs").
    on_reload: Callback<()>,
) -> impl IntoView {
    let id = friend.user.id;
    let version = RwSignal::new(friend.version);
    let stale = RwSignal::new(None::<Stale>);
    let pending = StoredValue::new(None::<Send>);
    let read_as = StoredValue::new(friend.clone());
    let titles: BTreeMap<i64, String> = libraries.iter().map(|l| (l.id, l.title.clone())).collect();
    let titles = StoredValue::new(titles);
    let title_of = move |id: i64| {
        titles.with_value(|t| t.get(&id).cloned().unwrap_or_else(|| format!("#{id}")))
    };
    // Present libraries, plus removed ones the friend still has a grant for.
    let shown: Vec<LibraryResponse> = libraries
        .into_iter()
        .filter(|l| !l.removed || friend.grants.iter().any(|g| g.library_id == l.id))
        .collect();
    let rows: Vec<(LibraryResponse, Row)> = shown
        .into_iter()
        .map(|library| {
            let grant = friend.grants.iter().find(|g| g.library_id == library.id);
            let row = Row {
                library_id: library.id,
                checked: RwSignal::new(grant.is_some() || library.anchor),
                start: RwSignal::new(zone.input_value(grant.and_then(|g| g.starts_at.as_ref()))),
                end: RwSignal::new(zone.input_value(grant.and_then(|g| g.ends_at.as_ref()))),
                repeat: RwSignal::new(grant.and_then(|g| g.repeat.clone())),
            };
            (library, row)
        })
        .collect();
    let anchors: Vec<i64> = rows
        .iter()
        .filter(|(l, _)| l.anchor)
        .map(|(l, _)| l.id)
        .collect();
    let form_rows: Vec<Row> = rows.iter().map(|(_, r)| *r).collect();
    let form_rows = StoredValue::new(form_rows);
    let anchors = StoredValue::new(anchors);

    let stage = RwSignal::new(Stage::Editing);
    let row_errors = RwSignal::new(BTreeMap::<i64, String>::new());
    let general_error = RwSignal::new(None::<String>);
    let busy = move || matches!(stage.get(), Stage::Busy(_));
    let editable = move || can_edit && matches!(stage.get(), Stage::Editing);

    let zone_for_build = StoredValue::new(zone.clone());
    // The form → the request (the anchor is added by Plexward), or the rows that are unreadable.
    let build = move || -> Result<SetGrantsRequest, BTreeMap<i64, String>> {
        let mut grants = Vec::new();
        let mut errors = BTreeMap::new();
        for row in form_rows.get_value() {
            if !row.checked.get_untracked() || anchors.with_value(|a| a.contains(&row.library_id)) {
                continue;
            }
            let (start, end) = zone_for_build.with_value(|zone| {
                (
                    zone.input_to_rfc3339(&row.start.get_untracked()),
                    zone.input_to_rfc3339(&row.end.get_untracked()),
                )
            });
            match (start, end) {
                (Ok(starts_at), Ok(ends_at)) => {
                    let repeat = row.repeat.get_untracked();
                    let weekly = repeat.is_some();
                    grants.push(GrantRequest {
                        library_id: row.library_id,
                        starts_at: starts_at.filter(|_| !weekly),
                        ends_at: ends_at.filter(|_| !weekly),
                        repeat,
                    });
                }
                (Err(why), _) => {
                    errors.insert(row.library_id, format!("Start: {why}"));
                }
                (_, Err(why)) => {
                    errors.insert(row.library_id, format!("End: {why}"));
                }
            }
        }
        if errors.is_empty() {
            Ok(SetGrantsRequest {
                grants,
                dry_run: None,
            })
        } else {
            Err(errors)
        }
    };

    let zone_for_words = StoredValue::new(zone.clone());
    let fail = move |e: &ApiError, request: Option<&SetGrantsRequest>, retry: Send| {
        if let Some(now) = e.stale() {
            let words = read_as.with_value(|before| {
                zone_for_words.with_value(|zone| {
                    stale_words(before, &now, e.changed_by(), &title_of, &|t| zone.format(t))
                })
            });
            pending.set_value(Some(retry));
            stale.set(Some(Stale {
                words,
                version: now.version,
            }));
            stage.set(Stage::Editing);
            return;
        }
        match request {
            Some(request) if e.status == 422 => {
                let (rows, general) = map_field_errors(e, request);
                row_errors.set(rows);
                general_error.set((!general.is_empty()).then(|| general.join(" ")));
            }
            _ => general_error.set(Some(e.message.clone())),
        }
        stage.set(Stage::Editing);
    };

    let run = move |what: Send| {
        let at = version.get_untracked();
        match what.clone() {
            Send::Preview(request) => {
                stage.set(Stage::Busy("Checking what would change…"));
                spawn_local(async move {
                    match api::set_grants(id, &request, true, at).await {
                        Ok(answer) => {
                            stage.try_set(Stage::Preview(Box::new(answer), request));
                        }
                        Err(e) => fail(&e, Some(&request), what),
                    }
                });
            }
            Send::Save(request) => {
                stage.set(Stage::Busy("Saving and applying on Plex…"));
                spawn_local(async move {
                    match api::set_grants(id, &request, false, at).await {
                        Ok(answer) => {
                            stage.try_set(Stage::Editing);
                            on_saved.run(answer);
                        }
                        Err(e) => fail(&e, Some(&request), what),
                    }
                });
            }
            Send::Extend(body) => {
                stage.set(Stage::Busy("Renewing…"));
                spawn_local(async move {
                    match api::extend(id, &body, false, at).await {
                        Ok(answer) => {
                            stage.try_set(Stage::Editing);
                            on_saved.run(answer);
                        }
                        Err(e) => fail(&e, None, what),
                    }
                });
            }
        }
    };

    let preview = move |_| {
        row_errors.set(BTreeMap::new());
        general_error.set(None);
        match build() {
            Ok(request) => run(Send::Preview(request)),
            Err(errors) => row_errors.set(errors),
        }
    };

    let confirm = move |_| {
        if let Stage::Preview(_, request) = stage.get_untracked() {
            run(Send::Save(request));
        }
    };

    let extend = move |period: ExtendPeriod| {
        row_errors.set(BTreeMap::new());
        general_error.set(None);
        run(Send::Extend(ExtendRequest {
            period,
            library_ids: None,
            dry_run: None,
        }));
    };

    // Again, on the friend as they are now: the edit replaces theirs.
    let on_top = Callback::new(move |now: i64| {
        version.set(now);
        if let Some(what) = pending.get_value() {
            run(what);
        }
    });
    let keep_theirs = Callback::new(move |()| on_reload.run(()));

    let zone_name = zone.name().to_owned();
    let zone_for_rows = zone.clone();
    let table_rows = rows
        .into_iter()
        .map(|(library, row)| {
            let lid = library.id;
            let anchor = library.anchor;
            let title = library.title.clone();
            let error = move || row_errors.with(|e| e.get(&lid).cloned());
            let invalid = move || error().is_some().then_some("true");
            let described = format!("grant-error-{lid}");
            let (saved, next) = read_as.with_value(|f| {
                f.grants
                    .iter()
                    .find(|g| g.library_id == lid)
                    .map(|g| (g.repeat.clone(), g.next_occurrences.clone()))
                    .unwrap_or_default()
            });
            view! {
                <tr data-testid=format!("grant-{lid}") class:anchor-row=anchor>
                    <th scope="row">
                        <label class="check">
                            <input
                                type="checkbox"
                                prop:checked=move || row.checked.get()
                                disabled=move || anchor || !editable()
                                on:change=move |ev| row.checked.set(event_target_checked(&ev))
                            />
                            <span>{title.clone()}</span>
                        </label>
                        {anchor.then(|| view! {
                            <p class="hint">"Anchor library: every shared friend keeps it."</p>
                        })}
                        {library.removed.then(|| view! { <span class="pill bad">"Removed"</span> })}
                        <div data-testid=format!("weekly-{lid}")>
                            <WeeklyEditor
                                title=title.clone()
                                repeat=row.repeat
                                disabled=Signal::derive(move || anchor || !editable() || !row.checked.get())
                                saved=saved
                                next=next
                                zone=zone_for_rows.clone()
                            />
                        </div>
                    </th>
                    <td class="muted">{library.kind.clone()}</td>
                    <td>
                        <input
                            type="datetime-local"
                            aria-label=format!("{title} starts")
                            aria-invalid=invalid
                            aria-describedby=described.clone()
                            prop:value=move || row.start.get()
                            disabled=move || anchor || !editable() || !row.checked.get() || row.repeat.with(Option::is_some)
                            on:input=move |ev| row.start.set(event_target_value(&ev))
                        />
                    </td>
                    <td>
                        <input
                            type="datetime-local"
                            aria-label=format!("{title} ends")
                            aria-invalid=invalid
                            aria-describedby=described.clone()
                            prop:value=move || row.end.get()
                            disabled=move || anchor || !editable() || !row.checked.get() || row.repeat.with(Option::is_some)
                            on:input=move |ev| row.end.set(event_target_value(&ev))
                        />
                        <p class="field-error" id=described role="alert">{error}</p>
                    </td>
                </tr>
            }
        })
        .collect_view();

    view! {
        <StaleDialog id="grants-stale" stale on_top keep_theirs />
        <section class="card glass" aria-labelledby="grants-title">
            <div class="card-head">
                <h2 id="grants-title">"Libraries"</h2>
                <span class="muted" data-testid="zone">{format!("Times in {zone_name}")}</span>
            </div>
            <p class="hint">
                "Empty start: from now. Empty end: no end. Start inclusive, end exclusive. Or repeat a library weekly, in the same time zone."
            </p>
            <div class="table-wrap">
                <table class="data grants" data-testid="grants">
                    <thead>
                        <tr>
                            <th scope="col">"Library"</th>
                            <th scope="col">"Kind"</th>
                            <th scope="col">{format!("Starts ({zone_name})")}</th>
                            <th scope="col">{format!("Ends ({zone_name})")}</th>
                        </tr>
                    </thead>
                    <tbody>{table_rows}</tbody>
                </table>
            </div>
            {move || general_error.get().map(|e| view! {
                <p class="alert error" role="alert" data-testid="grants-error">{e}</p>
            })}
            {move || match stage.get() {
                Stage::Busy(what) => view! { <p class="muted" role="status">{what}</p> }.into_any(),
                Stage::Preview(answer, _) => {
                    let words = plan_words(&answer.plan, &title_of);
                    let revoke = answer.plan.action == PlanAction::Revoke;
                    view! {
                        <div class="alert info plan" role="status" data-testid="plan">
                            <p><strong>"Plex will be told: "</strong>{words}</p>
                            {revoke.then(|| view! {
                                <p class="warning-text" data-testid="revoke-warning">
                                    "This removes the friend's share on this server. Granting a library later sends them a new invite they must accept."
                                </p>
                            })}
                        </div>
                    }
                        .into_any()
                }
                Stage::Editing => ().into_any(),
            }}
            <Show when=move || can_edit>
                <div class="actions">
                    {move || match stage.get() {
                        Stage::Preview(..) => view! {
                            <button type="button" class="btn ghost" on:click=move |_| stage.set(Stage::Editing)>
                                "Back"
                            </button>
                            <button type="button" class="btn" on:click=confirm>"Confirm"</button>
                        }
                            .into_any(),
                        _ => view! {
                            <span class="renew" role="group" aria-label="Quick renew">
                                <span class="muted">"Renew: "</span>
                                {[
                                    (ExtendPeriod::Week, "+1 week"),
                                    (ExtendPeriod::Month, "+1 month"),
                                    (ExtendPeriod::Year, "+1 year"),
                                    (ExtendPeriod::Unlimited, "Unlimited"),
                                ]
                                    .into_iter()
                                    .map(|(period, label)| view! {
                                        <button
                                            type="button"
                                            class="btn ghost small"
                                            disabled=busy
                                            on:click=move |_| extend(period.clone())
                                        >
                                            {label}
                                        </button>
                                    })
                                    .collect_view()}
                            </span>
                            <button type="button" class="btn" disabled=busy on:click=preview>"Save"</button>
                        }
                            .into_any(),
                    }}
                </div>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{ApiError, GrantRequest, SetGrantsRequest, map_field_errors};

    #[test]
    fn field_errors_land_on_their_library() {
        let request = SetGrantsRequest {
            grants: vec![
                GrantRequest {
                    library_id: 7,
                    starts_at: None,
                    ends_at: None,
                    repeat: None,
                },
                GrantRequest {
                    library_id: 9,
                    starts_at: Some("x".into()),
                    ends_at: Some("y".into()),
                    repeat: None,
                },
            ],
            dry_run: None,
        };
        let err = ApiError {
            status: 422,
            code: "validation_failed".into(),
            message: "Some fields are invalid.".into(),
            fields: BTreeMap::from([
                ("grants[1].ends_at".into(), "must be after the start".into()),
                ("grants".into(), "too many".into()),
            ]),
            retry_after: None,
            conflict: None,
        };
        let (rows, general) = map_field_errors(&err, &request);
        assert_eq!(
            rows.get(&9).map(String::as_str),
            Some("End: must be after the start")
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(general, ["grants: too many"]);
    }
}
