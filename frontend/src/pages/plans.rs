//! Access plans (`/plans`): named sets of libraries with windows counted from when the plan is
//! given (or an invite accepted) — "Trial: Movies and TV for 14 days" — with optional sharing
//! settings, an end policy and its own reminder leads. Everyone who may see friends sees the
//! plans; moderators and
//! admins create, edit and delete them. Giving a plan copies it: editing it later changes nobody
//! already given it.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    AccessPlanRequest, AccessPlanResponse, EndPolicy, LibraryResponse, PLAN_DESCRIPTION_MAX,
    PLAN_GRANTS_MAX, PLAN_NAME_MAX, Permission, PlanGrant, Repeat,
};

use crate::api::{self, ApiError};
use crate::components::dialog::ConfirmDialog;
use crate::components::field_error::FieldError;
use crate::components::form_field::FormField;
use crate::components::sharing_editor::{SharingFields, SharingForm, sharing_words};
use crate::components::weekly_editor::WeeklyEditor;
use crate::lead_text::{leads_input, leads_words, parse_leads};
use crate::plan_text::{
    DURATION_PRESETS, duration_input_value, field_errors, grants_words, parse_duration_input,
    window_words,
};
use crate::session::use_session;
use crate::time_zone::Zone;

/// What the page reports after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Done(String),
    Failed(String),
}

/// Which plan the form is about.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    New,
    Edit(Box<AccessPlanResponse>),
}

/// What the page needs besides the plans: libraries, the server's zone (weekly windows), the
/// owner's Plex Pass and the anchor library's title (for the words).
#[derive(Debug, Clone)]
struct Context {
    libraries: Vec<LibraryResponse>,
    zone: Zone,
    plex_pass: Option<bool>,
    anchor: Option<String>,
}

async fn load_context() -> Result<Context, ApiError> {
    let (libraries, settings) = futures::join!(api::libraries(), api::plex_settings());
    let libraries = libraries?.items;
    // Only for weekly windows and hints: a role that cannot read the settings gets UTC.
    let settings = settings.ok();
    let zone = settings
        .as_ref()
        .map_or_else(Zone::utc, |s| Zone::new(&s.time_zone));
    let anchor = settings
        .as_ref()
        .and_then(|s| s.anchor_library_id)
        .and_then(|id| libraries.iter().find(|l| l.id == id))
        .map(|l| l.title.clone());
    Ok(Context {
        plex_pass: settings.and_then(|s| s.plex_pass),
        libraries,
        zone,
        anchor,
    })
}

/// The words of an end policy choice in a plan (`None`: each friend's own, else the default).
pub fn end_policy_words(policy: Option<EndPolicy>, anchor: Option<&str>) -> String {
    match policy {
        None => "Each friend keeps their own choice of what happens when access ends, or the default in Settings → Plex.".to_owned(),
        Some(policy) => policy.words("the friend", anchor),
    }
}

#[component]
pub fn Plans() -> impl IntoView {
    let can_edit = use_session().allows(Permission::ManageAccess);
    let plans = LocalResource::new(api::plans);
    let context = LocalResource::new(load_context);
    let outcome = RwSignal::new(None::<Outcome>);
    let editing = RwSignal::new(None::<Editing>);
    let deleting = RwSignal::new(None::<AccessPlanResponse>);
    let delete_open = RwSignal::new(false);

    let on_saved = Callback::new(move |plan: AccessPlanResponse| {
        outcome.set(Some(Outcome::Done(format!(
            "Plan “{}” saved (version {}).",
            plan.name, plan.version
        ))));
        editing.set(None);
        plans.refetch();
    });
    let on_reload = Callback::new(move |id: i64| {
        spawn_local(async move {
            match api::plan(id).await {
                Ok(plan) => {
                    editing.try_set(Some(Editing::Edit(Box::new(plan))));
                }
                Err(e) => {
                    outcome.try_set(Some(Outcome::Failed(e.message)));
                    editing.try_set(None);
                }
            }
            plans.refetch();
        });
    });
    let delete = Callback::new(move |()| {
        let Some(plan) = deleting.get_untracked() else {
            return;
        };
        outcome.set(None);
        spawn_local(async move {
            match api::delete_plan(plan.id).await {
                Ok(()) => {
                    outcome.try_set(Some(Outcome::Done(format!(
                        "Plan “{}” deleted. Friends given it keep their grants.",
                        plan.name
                    ))));
                    if editing
                        .with_untracked(|e| matches!(e, Some(Editing::Edit(p)) if p.id == plan.id))
                    {
                        editing.try_set(None);
                    }
                }
                Err(e) => {
                    outcome.try_set(Some(Outcome::Failed(e.message)));
                }
            }
            plans.refetch();
        });
    });
    let actions = RowActions {
        edit: Callback::new(move |plan: AccessPlanResponse| {
            outcome.set(None);
            editing.set(Some(Editing::Edit(Box::new(plan))));
        }),
        delete: Callback::new(move |plan: AccessPlanResponse| {
            deleting.set(Some(plan));
            delete_open.set(true);
        }),
    };

    view! {
        <h1 class="page-title">"Access plans"</h1>
        <p class="hint">
            "A plan is a reusable set of libraries with windows counted from when it is given (or, in an invite, accepted). Giving it copies it into the friend's grants: editing a plan later changes nobody already given it."
        </p>
        {move || editing.get().map(|which| {
            let plan = match which {
                Editing::New => None,
                Editing::Edit(p) => Some(*p),
            };
            view! {
                <Suspense fallback=|| view! { <p class="muted">"Loading libraries…"</p> }>
                    {move || {
                        let plan = plan.clone();
                        Suspend::new(async move {
                            match context.await {
                                Ok(ctx) => view! {
                                    <PlanEditor
                                        plan
                                        ctx
                                        on_saved
                                        on_cancel=Callback::new(move |()| editing.set(None))
                                        on_reload
                                    />
                                }
                                .into_any(),
                                Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
            }
        })}
        <section class="card glass" aria-labelledby="plans-title">
            <div class="card-head">
                <h2 id="plans-title">"Plans"</h2>
                <Show when=move || can_edit>
                    <button
                        type="button"
                        class="btn"
                        data-testid="plans-new"
                        disabled=move || editing.with(|e| *e == Some(Editing::New))
                        on:click=move |_| {
                            outcome.set(None);
                            editing.set(Some(Editing::New));
                        }
                    >
                        "New plan"
                    </button>
                </Show>
            </div>
            {move || outcome.get().map(|o| match o {
                Outcome::Done(text) => view! {
                    <p class="alert success" role="status" data-testid="plans-outcome">{text}</p>
                }
                .into_any(),
                Outcome::Failed(text) => view! {
                    <p class="alert error" role="alert" data-testid="plans-error">{text}</p>
                }
                .into_any(),
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading plans…"</p> }>
                {move || Suspend::new(async move {
                    let titles: BTreeMap<i64, String> = context
                        .await
                        .map(|c| c.libraries.iter().map(|l| (l.id, l.title.clone())).collect())
                        .unwrap_or_default();
                    match plans.await {
                        Ok(list) => view! { <PlanTable plans=list.items titles can_edit actions /> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <ConfirmDialog
            id="delete-plan"
            open=delete_open
            title=Signal::derive(move || {
                deleting.with(|p| p.as_ref().map(|p| format!("Delete the plan “{}”?", p.name)).unwrap_or_default())
            })
            message=Signal::derive(move || {
                deleting.with(|p| {
                    p.as_ref()
                        .map(|p| format!(
                            "It can no longer be given or used for invites. The {} {} given it keep their grants.",
                            p.friends,
                            if p.friends == 1 { "friend" } else { "friends" }
                        ))
                        .unwrap_or_default()
                })
            })
            confirm_label="Delete"
            on_confirm=delete
            confirm_testid="plan-delete-confirm"
        />
    }
}

/// What a row's buttons ask the page to do.
#[derive(Debug, Clone, Copy)]
struct RowActions {
    edit: Callback<AccessPlanResponse>,
    delete: Callback<AccessPlanResponse>,
}

#[component]
fn PlanTable(
    plans: Vec<AccessPlanResponse>,
    titles: BTreeMap<i64, String>,
    can_edit: bool,
    actions: RowActions,
) -> impl IntoView {
    if plans.is_empty() {
        return view! {
            <p class="muted" data-testid="plans-empty">
                {if can_edit { "No access plans yet: “New plan” makes one." } else { "No access plans yet." }}
            </p>
        }
        .into_any();
    }
    let title = move |id: i64| titles.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="plans">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"What it gives"</th>
                        <th scope="col">"Version"</th>
                        <th scope="col">"Friends given it"</th>
                        {can_edit.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>
                    {plans
                        .into_iter()
                        .map(|plan| {
                            let id = plan.id;
                            let details = grants_words(&plan.grants, &title, "it is given", &|s| s.to_owned());
                            let extras: Vec<String> = [
                                plan.sharing.as_ref().map(|s| format!("Sharing: {}", sharing_words(s))),
                                plan.end_policy.map(|p| format!("At the end: {}", p.label().to_lowercase())),
                                plan.reminder_leads_minutes.as_deref().map(reminders_words),
                            ]
                            .into_iter()
                            .flatten()
                            .collect();
                            let (for_edit, for_delete) = (plan.clone(), plan.clone());
                            view! {
                                <tr data-testid=format!("plan-row-{id}")>
                                    <th scope="row">
                                        <span data-testid=format!("plan-name-{id}")>{plan.name.clone()}</span>
                                        {plan.description.clone().filter(|d| !d.is_empty()).map(|d| view! { <p class="hint">{d}</p> })}
                                    </th>
                                    <td>
                                        <span data-testid=format!("plan-summary-{id}")>{plan.summary.clone()}</span>
                                        <p class="hint" data-testid=format!("plan-grants-{id}")>{details}</p>
                                        {(!extras.is_empty()).then(|| view! { <p class="hint">{extras.join(". ")}</p> })}
                                    </td>
                                    <td data-testid=format!("plan-version-{id}")>{format!("v{}", plan.version)}</td>
                                    <td data-testid=format!("plan-friends-{id}")>{plan.friends}</td>
                                    {can_edit.then(|| view! {
                                        <td class="actions-cell">
                                            <button
                                                type="button"
                                                class="btn ghost small"
                                                data-testid=format!("plan-edit-{id}")
                                                aria-label=format!("Edit {}", plan.name)
                                                on:click=move |_| actions.edit.run(for_edit.clone())
                                            >
                                                "Edit"
                                            </button>
                                            <button
                                                type="button"
                                                class="btn danger small"
                                                data-testid=format!("plan-delete-{id}")
                                                aria-label=format!("Delete {}", plan.name)
                                                on:click=move |_| actions.delete.run(for_delete.clone())
                                            >
                                                "Delete"
                                            </button>
                                        </td>
                                    })}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// One library of the form.
#[derive(Debug, Clone, Copy)]
struct Row {
    library_id: i64,
    checked: RwSignal<bool>,
    starts_after: RwSignal<String>,
    duration: RwSignal<String>,
    repeat: RwSignal<Option<Repeat>>,
}

impl Row {
    /// The row → its grant, or what is wrong with it.
    fn grant(&self) -> Result<PlanGrant, String> {
        let repeat = self.repeat.get_untracked();
        if repeat.is_some() {
            return Ok(PlanGrant {
                library_id: self.library_id,
                repeat,
                ..PlanGrant::default()
            });
        }
        let starts_after = parse_duration_input(&self.starts_after.get_untracked())
            .map_err(|e| format!("Starts after: {e}"))?;
        let duration = parse_duration_input(&self.duration.get_untracked())
            .map_err(|e| format!("Lasts: {e}"))?;
        Ok(PlanGrant {
            library_id: self.library_id,
            starts_after,
            duration,
            ..PlanGrant::default()
        })
    }

    /// The row's window in words as it is typed (or what cannot be read).
    fn words(&self) -> String {
        let repeat = self.repeat.get();
        let starts_after = parse_duration_input(&self.starts_after.get());
        let duration = parse_duration_input(&self.duration.get());
        match (repeat, starts_after, duration) {
            (Some(repeat), _, _) => window_words(
                &PlanGrant {
                    repeat: Some(repeat),
                    ..PlanGrant::default()
                },
                "it is given",
                &|s| s.to_owned(),
            ),
            (None, Ok(starts_after), Ok(duration)) => {
                let grant = PlanGrant {
                    starts_after,
                    duration,
                    ..PlanGrant::default()
                };
                let words = window_words(&grant, "it is given", &|s| s.to_owned());
                let mut chars = words.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            }
            (None, Err(e), _) | (None, _, Err(e)) => e,
        }
    }
}

/// Where saving stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Editing,
    Saving,
    /// Refused with 412: someone else saved first.
    Stale,
}

#[component]
fn PlanEditor(
    /// `None`: a new plan.
    plan: Option<AccessPlanResponse>,
    ctx: Context,
    on_saved: Callback<AccessPlanResponse>,
    on_cancel: Callback<()>,
    /// Shows the plan as it is now (after a 412).
    on_reload: Callback<i64>,
) -> impl IntoView {
    let Context {
        libraries,
        zone,
        plex_pass,
        anchor,
    } = ctx;
    let id = plan.as_ref().map(|p| p.id);
    let version = plan.as_ref().map_or(0, |p| p.version);
    let heading = plan.as_ref().map_or_else(
        || "New plan".to_owned(),
        |p| format!("Edit “{}” (version {})", p.name, p.version),
    );
    let grants = plan.as_ref().map(|p| p.grants.clone()).unwrap_or_default();
    let name = RwSignal::new(plan.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        plan.as_ref()
            .and_then(|p| p.description.clone())
            .unwrap_or_default(),
    );
    let sharing_on = RwSignal::new(plan.as_ref().is_some_and(|p| p.sharing.is_some()));
    let sharing = SharingForm::new(
        &plan
            .as_ref()
            .and_then(|p| p.sharing.clone())
            .unwrap_or_default(),
    );
    let end_policy = RwSignal::new(plan.as_ref().and_then(|p| p.end_policy));
    let saved_leads = plan.as_ref().and_then(|p| p.reminder_leads_minutes.clone());
    let own_leads = RwSignal::new(saved_leads.is_some());
    let leads = RwSignal::new(saved_leads.as_deref().map(leads_input).unwrap_or_default());
    let leads_error = RwSignal::new(None::<String>);

    let name_error = RwSignal::new(None::<String>);
    let description_error = RwSignal::new(None::<String>);
    let row_errors = RwSignal::new(BTreeMap::<i64, String>::new());
    let error = RwSignal::new(None::<String>);
    let stage = RwSignal::new(Stage::Editing);

    // Present, non-anchor libraries, plus any the plan has (removed or not).
    let shown: Vec<LibraryResponse> = libraries
        .into_iter()
        .filter(|l| (!l.removed && !l.anchor) || grants.iter().any(|g| g.library_id == l.id))
        .collect();
    let rows: Vec<(LibraryResponse, Row)> = shown
        .into_iter()
        .map(|library| {
            let grant = grants.iter().find(|g| g.library_id == library.id);
            let row = Row {
                library_id: library.id,
                checked: RwSignal::new(grant.is_some()),
                starts_after: RwSignal::new(duration_input_value(
                    grant.and_then(|g| g.starts_after.as_deref()),
                )),
                duration: RwSignal::new(duration_input_value(
                    grant.and_then(|g| g.duration.as_deref()),
                )),
                repeat: RwSignal::new(grant.and_then(|g| g.repeat.clone())),
            };
            (library, row)
        })
        .collect();
    let form_rows = StoredValue::new(rows.iter().map(|(_, r)| *r).collect::<Vec<Row>>());
    let editable = move || stage.get() == Stage::Editing;

    let build = move || -> Option<(AccessPlanRequest, Vec<i64>)> {
        name_error.set(None);
        description_error.set(None);
        leads_error.set(None);
        row_errors.set(BTreeMap::new());
        error.set(None);
        let mut ok = true;
        let plan_name = name.get_untracked().trim().to_owned();
        if plan_name.is_empty() {
            name_error.set(Some("Give the plan a name.".into()));
            ok = false;
        } else if plan_name.chars().count() > PLAN_NAME_MAX {
            name_error.set(Some(format!("At most {PLAN_NAME_MAX} characters.")));
            ok = false;
        }
        let text = description.get_untracked().trim().to_owned();
        if text.chars().count() > PLAN_DESCRIPTION_MAX {
            description_error.set(Some(format!("At most {PLAN_DESCRIPTION_MAX} characters.")));
            ok = false;
        }
        let mut grants = Vec::new();
        let mut errors = BTreeMap::new();
        for row in form_rows.get_value() {
            if !row.checked.get_untracked() {
                continue;
            }
            match row.grant() {
                Ok(grant) => grants.push(grant),
                Err(why) => {
                    errors.insert(row.library_id, why);
                }
            }
        }
        if !errors.is_empty() {
            row_errors.set(errors);
            ok = false;
        }
        if grants.is_empty() && ok {
            error.set(Some("Choose at least one library.".into()));
            ok = false;
        } else if grants.len() > PLAN_GRANTS_MAX {
            error.set(Some(format!(
                "A plan gives at most {PLAN_GRANTS_MAX} libraries."
            )));
            ok = false;
        }
        let reminder_leads_minutes = if own_leads.get_untracked() {
            match parse_leads(&leads.get_untracked()) {
                Ok(parsed) => Some(parsed),
                Err(why) => {
                    leads_error.set(Some(why));
                    ok = false;
                    None
                }
            }
        } else {
            None
        };
        let ids = grants.iter().map(|g| g.library_id).collect();
        ok.then(|| {
            (
                AccessPlanRequest {
                    name: plan_name,
                    description: (!text.is_empty()).then_some(text),
                    grants,
                    sharing: sharing_on.get_untracked().then(|| sharing.read()),
                    end_policy: end_policy.get_untracked(),
                    reminder_leads_minutes,
                },
                ids,
            )
        })
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if stage.get_untracked() != Stage::Editing {
            return;
        }
        let Some((body, ids)) = build() else {
            return;
        };
        stage.set(Stage::Saving);
        spawn_local(async move {
            let answer = match id {
                Some(id) => api::update_plan(id, &body, version).await,
                None => api::create_plan(&body).await,
            };
            match answer {
                Ok(plan) => {
                    stage.try_set(Stage::Editing);
                    on_saved.run(plan);
                }
                Err(e) if e.status == 412 => {
                    error.try_set(Some(
                        "Someone else changed this plan since you opened it, so your change was not saved. Reload it to see theirs, then make yours again.".into(),
                    ));
                    stage.try_set(Stage::Stale);
                }
                Err(e) if e.code == "plan_name_taken" => {
                    name_error.try_set(Some(e.message));
                    stage.try_set(Stage::Editing);
                }
                Err(e) => {
                    let mut fields = field_errors(&e.fields, "grants", &ids);
                    name_error.try_set(fields.take("name"));
                    description_error.try_set(fields.take("description"));
                    leads_error.try_set(fields.take("reminder_leads_minutes"));
                    row_errors.try_set(fields.libraries.clone());
                    let general = match (fields.take("grants"), fields.rest()) {
                        (Some(g), Some(rest)) => Some(format!("Libraries: {g}. {rest}")),
                        (Some(g), None) => Some(format!("Libraries: {g}.")),
                        (None, Some(rest)) => Some(format!("{} ({rest})", e.message)),
                        (None, None) if e.fields.is_empty() => Some(e.message),
                        (None, None) => {
                            Some("Some fields need a change: see below each one.".into())
                        }
                    };
                    error.try_set(general);
                    stage.try_set(Stage::Editing);
                }
            }
        });
    };

    let zone_for_rows = zone;
    let table_rows = rows
        .into_iter()
        .map(|(library, row)| {
            let lid = library.id;
            let title = library.title.clone();
            let error = move || row_errors.with(|e| e.get(&lid).cloned());
            let invalid = move || error().is_some().then_some("true");
            let error_id = format!("plan-grant-error-{lid}");
            let off = move || !editable() || !row.checked.get();
            let weekly = move || row.repeat.with(Option::is_some);
            view! {
                <tr data-testid=format!("plan-grant-{lid}")>
                    <th scope="row">
                        <label class="check">
                            <input
                                type="checkbox"
                                data-testid=format!("plan-library-{lid}")
                                prop:checked=move || row.checked.get()
                                disabled=move || !editable()
                                on:change=move |ev| row.checked.set(event_target_checked(&ev))
                            />
                            <span>{title.clone()}</span>
                        </label>
                        {library.removed.then(|| view! { <span class="pill bad">"Removed"</span> })}
                        {library.anchor.then(|| view! { <p class="hint">"Anchor library: every shared friend keeps it anyway."</p> })}
                    </th>
                    <td>
                        <input
                            type="text"
                            placeholder="at once"
                            list="plan-duration-presets"
                            aria-label=format!("{title} starts after")
                            aria-invalid=invalid
                            aria-describedby=error_id.clone()
                            data-testid=format!("plan-starts-after-{lid}")
                            prop:value=move || row.starts_after.get()
                            disabled=move || off() || weekly()
                            on:input=move |ev| row.starts_after.set(event_target_value(&ev))
                        />
                    </td>
                    <td>
                        <input
                            type="text"
                            placeholder="no end"
                            list="plan-duration-presets"
                            aria-label=format!("{title} lasts")
                            aria-invalid=invalid
                            aria-describedby=error_id.clone()
                            data-testid=format!("plan-duration-{lid}")
                            prop:value=move || row.duration.get()
                            disabled=move || off() || weekly()
                            on:input=move |ev| row.duration.set(event_target_value(&ev))
                        />
                    </td>
                    <td>
                        <div data-testid=format!("plan-weekly-{lid}")>
                            <WeeklyEditor
                                title=title.clone()
                                repeat=row.repeat
                                disabled=Signal::derive(off)
                                saved=None
                                next=Vec::new()
                                zone=zone_for_rows.clone()
                            />
                        </div>
                    </td>
                    <td>
                        <span class="hint" data-testid=format!("plan-grant-words-{lid}")>
                            {move || if row.checked.get() { row.words() } else { "Not in the plan".to_owned() }}
                        </span>
                        <p class="field-error" id=error_id role="alert">{error}</p>
                    </td>
                </tr>
            }
        })
        .collect_view();

    let anchor_for_words = anchor.clone();
    let words = move || end_policy_words(end_policy.get(), anchor_for_words.as_deref());
    let no_pass = plex_pass == Some(false);
    let options = std::iter::once((None, "Friend's own / default".to_owned()))
        .chain(
            EndPolicy::ALL
                .into_iter()
                .map(|p| (Some(p), p.label().to_owned())),
        )
        .map(|(policy, label)| {
            view! {
                <option value=policy.map_or("", EndPolicy::as_str) selected=move || end_policy.get() == policy>
                    {label}
                </option>
            }
        })
        .collect_view();

    view! {
        <section class="card glass" aria-labelledby="plan-form-title" data-testid="plan-form">
            <div class="card-head">
                <h2 id="plan-form-title">{heading}</h2>
            </div>
            <datalist id="plan-duration-presets">
                {DURATION_PRESETS.into_iter().map(|p| view! { <option value=p></option> }).collect_view()}
            </datalist>
            <form class="form" on:submit=save novalidate>
                <div class="form-grid">
                    <FormField id="plan-name" label="Name" error=name_error>
                        <input
                            type="text"
                            data-testid="plan-name"
                            maxlength=PLAN_NAME_MAX.to_string()
                            placeholder="e.g. Trial"
                            autocomplete="off"
                            required
                            disabled=move || !editable()
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                    </FormField>
                    <FormField id="plan-description" label="Description (optional)" error=description_error>
                        <textarea
                            data-testid="plan-description"
                            rows="2"
                            maxlength=PLAN_DESCRIPTION_MAX.to_string()
                            disabled=move || !editable()
                            prop:value=move || description.get()
                            on:input=move |ev| description.set(event_target_value(&ev))
                        ></textarea>
                    </FormField>
                </div>
                <p class="hint">
                    "“Starts after” and “lasts” count from when the plan is given (in an invite: from when it is accepted). Write e.g. 14 days, 12 hours, 2 weeks, 6 months, or an ISO 8601 duration such as P14D. Empty: at once / no end."
                    {anchor.clone().map(|a| format!(" The anchor library ({a}) is kept by every shared friend and need not be in a plan."))}
                </p>
                <div class="table-wrap">
                    <table class="data grants" data-testid="plan-libraries">
                        <thead>
                            <tr>
                                <th scope="col">"Library"</th>
                                <th scope="col">"Starts after"</th>
                                <th scope="col">"Lasts"</th>
                                <th scope="col">"Or weekly"</th>
                                <th scope="col">"Window"</th>
                            </tr>
                        </thead>
                        <tbody>{table_rows}</tbody>
                    </table>
                </div>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="plan-sharing-on"
                        prop:checked=move || sharing_on.get()
                        disabled=move || !editable()
                        on:change=move |ev| sharing_on.set(event_target_checked(&ev))
                    />
                    "Set sharing settings (otherwise each friend's stay as they are)"
                </label>
                <div hidden=move || !sharing_on.get()>
                    <SharingFields
                        form=sharing
                        prefix="plan-sharing"
                        editable=Signal::derive(move || editable() && sharing_on.get())
                        no_pass
                        folded=true
                    />
                </div>
                <div class="field">
                    <label for="plan-end-policy">"When access ends"</label>
                    <select
                        id="plan-end-policy"
                        data-testid="plan-end-policy"
                        aria-describedby="plan-end-policy-words"
                        disabled=move || !editable()
                        prop:value=move || end_policy.get().map_or("", EndPolicy::as_str)
                        on:change=move |ev| end_policy.set(EndPolicy::parse(&event_target_value(&ev)))
                    >
                        {options}
                    </select>
                    <p class="hint" id="plan-end-policy-words" role="status" data-testid="plan-end-policy-words">{words}</p>
                </div>
                <PlanReminders own=own_leads leads error=leads_error editable=Signal::derive(editable) />
                {move || error.get().map(|e| view! {
                    <p class="alert error" role="alert" data-testid="plan-error">{e}</p>
                })}
                <Show when=move || stage.get() == Stage::Saving>
                    <p class="muted" role="status">"Saving…"</p>
                </Show>
                <div class="actions">
                    <button type="button" class="btn ghost" data-testid="plan-cancel" on:click=move |_| on_cancel.run(())>
                        "Cancel"
                    </button>
                    {move || (stage.get() == Stage::Stale).then(|| view! {
                        <button
                            type="button"
                            class="btn ghost"
                            data-testid="plan-reload"
                            on:click=move |_| {
                                if let Some(id) = id {
                                    on_reload.run(id);
                                }
                            }
                        >
                            "Reload the plan"
                        </button>
                    })}
                    <button type="submit" class="btn" data-testid="plan-save" disabled=move || !editable()>
                        {if id.is_some() { "Save plan" } else { "Create plan" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// A plan's own reminders in the list: `Reminders: 7d, 1d before the end`, or none.
fn reminders_words(leads: &[u32]) -> String {
    if leads.is_empty() {
        "No reminders".to_owned()
    } else {
        format!("Reminders: {} before the end", leads_input(leads))
    }
}

/// The plan's reminders: the leads in Settings → Notifications, or its own (`7d, 1d, 2h`; empty:
/// none).
#[component]
fn PlanReminders(
    own: RwSignal<bool>,
    leads: RwSignal<String>,
    error: RwSignal<Option<String>>,
    editable: Signal<bool>,
) -> impl IntoView {
    let words = move || {
        if !own.get() {
            return "Friends given this plan get the reminders set in Settings → Notifications."
                .to_owned();
        }
        match parse_leads(&leads.get()) {
            Ok(parsed) => leads_words(&parsed),
            Err(why) => why,
        }
    };
    view! {
        <fieldset class="reminder-choice" aria-describedby="plan-reminders-words plan-reminder-leads-error">
            <legend>"Reminders"</legend>
            <label class="check">
                <input
                    type="radio"
                    name="plan-reminders"
                    data-testid="plan-reminders-settings"
                    prop:checked=move || !own.get()
                    disabled=move || !editable.get()
                    on:change=move |_| own.set(false)
                />
                "As in Settings → Notifications"
            </label>
            <div class="lead-choice">
                <label class="check">
                    <input
                        type="radio"
                        name="plan-reminders"
                        data-testid="plan-reminders-own"
                        prop:checked=move || own.get()
                        disabled=move || !editable.get()
                        on:change=move |_| own.set(true)
                    />
                    "These leads:"
                </label>
                <input
                    type="text"
                    aria-label="Reminder leads"
                    data-testid="plan-reminder-leads"
                    placeholder="7d, 1d, 2h, 30m"
                    autocomplete="off"
                    spellcheck="false"
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    aria-describedby="plan-reminders-words plan-reminder-leads-error"
                    disabled=move || !editable.get() || !own.get()
                    prop:value=move || leads.get()
                    on:input=move |ev| {
                        leads.set(event_target_value(&ev));
                        error.set(None);
                    }
                />
            </div>
            <p class="hint" id="plan-reminders-words" role="status" data-testid="plan-reminders-words">{words}</p>
            <FieldError id="plan-reminder-leads-error" error=Signal::from(error) />
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use plexward_shared::EndPolicy;

    use super::{end_policy_words, reminders_words};

    #[test]
    fn a_plans_own_reminders_read_as_words() {
        assert_eq!(reminders_words(&[]), "No reminders");
        assert_eq!(
            reminders_words(&[10_080, 1_440]),
            "Reminders: 7d, 1d before the end"
        );
    }

    #[test]
    fn end_policies_read_as_words() {
        assert!(end_policy_words(None, None).contains("own choice"));
        assert!(
            end_policy_words(Some(EndPolicy::KeepFriend), Some("Trailers"))
                .contains("keep only Trailers")
        );
        assert!(end_policy_words(Some(EndPolicy::RemoveFriend), None).contains("removed"));
    }
}
