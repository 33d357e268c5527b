//! "Invite…": bring someone new in by email address or plex.tv username, with an access plan or
//! a custom set of libraries (each with no end, fixed dates, or a time counted from when the
//! invite is accepted). "Preview" asks the server what Plex would receive (a dry run); "Send
//! invite" sends it. Someone who is already a friend gets a link to them instead.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    AccessPlanResponse, CreateInviteRequest, CreateInviteResponse, INVITE_EXPIRY_DAYS_DEFAULT,
    INVITE_EXPIRY_DAYS_MAX, INVITE_NOTE_MAX, InvitePlan, InviteResponse, LibraryResponse,
    PlanGrant,
};

use crate::api::{self, ApiError};
use crate::components::dialog::Dialog;
use crate::components::field_error::FieldError;
use crate::components::sharing_editor::{SharingFields, SharingForm};
use crate::plan_text::{
    DURATION_PRESETS, field_errors, grants_words, parse_duration_input, parse_expiry_days,
};
use crate::time_zone::Zone;

/// Where the libraries come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plan,
    Custom,
}

/// One library's window in a custom invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Window {
    /// No end.
    Open,
    /// Lasts this long from acceptance.
    Duration,
    /// Fixed start and end.
    Fixed,
}

impl Window {
    fn as_str(self) -> &'static str {
        match self {
            Window::Open => "open",
            Window::Duration => "duration",
            Window::Fixed => "fixed",
        }
    }

    fn parse(value: &str) -> Self {
        match value {
            "open" => Window::Open,
            "fixed" => Window::Fixed,
            _ => Window::Duration,
        }
    }
}

/// One library of the custom form.
#[derive(Debug, Clone, Copy)]
struct Row {
    library_id: i64,
    checked: RwSignal<bool>,
    window: RwSignal<Window>,
    duration: RwSignal<String>,
    start: RwSignal<String>,
    end: RwSignal<String>,
}

/// Where the dialog stands.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Editing,
    Busy(&'static str),
    /// The dry run's answer, with the grants asked for (custom) to say in words.
    Preview(Box<(CreateInviteResponse, Vec<PlanGrant>)>),
    Sent(Box<InviteResponse>),
}

/// A refusal to show: the message, and the identifier when they are already a friend.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    message: String,
    existing: Option<String>,
}

/// The friends page searching for `identifier`.
pub fn friends_search_route(identifier: &str) -> String {
    format!("/friends{}", api::query(&[("q", Some(identifier.trim()))]))
}

#[component]
pub fn InviteDialog(
    open: RwSignal<bool>,
    libraries: Vec<LibraryResponse>,
    /// The server's time zone: fixed dates are entered in it.
    zone: Zone,
    /// Told when an invite was sent (to reload a list).
    on_sent: Callback<InviteResponse>,
) -> impl IntoView {
    let plans = LocalResource::new(api::plans);
    let identifier = RwSignal::new(String::new());
    let mode = RwSignal::new(Mode::Plan);
    let plan_id = RwSignal::new(None::<i64>);
    let note = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let sharing_on = RwSignal::new(false);
    let sharing = SharingForm::new(&plexward_shared::Sharing::default());
    let stage = RwSignal::new(Stage::Editing);

    let identifier_error = RwSignal::new(None::<String>);
    let plan_error = RwSignal::new(None::<String>);
    let note_error = RwSignal::new(None::<String>);
    let expires_error = RwSignal::new(None::<String>);
    let row_errors = RwSignal::new(BTreeMap::<i64, String>::new());
    let failure = RwSignal::new(None::<Failure>);

    let titles: BTreeMap<i64, String> = libraries.iter().map(|l| (l.id, l.title.clone())).collect();
    let titles = StoredValue::new(titles);
    let title_of = move |id: i64| {
        titles.with_value(|t| t.get(&id).cloned().unwrap_or_else(|| format!("#{id}")))
    };
    let choosable: Vec<LibraryResponse> = libraries
        .into_iter()
        .filter(|l| !l.removed && !l.anchor)
        .collect();
    let rows: Vec<(LibraryResponse, Row)> = choosable
        .into_iter()
        .map(|library| {
            let row = Row {
                library_id: library.id,
                checked: RwSignal::new(false),
                window: RwSignal::new(Window::Duration),
                duration: RwSignal::new(String::new()),
                start: RwSignal::new(String::new()),
                end: RwSignal::new(String::new()),
            };
            (library, row)
        })
        .collect();
    let form_rows = StoredValue::new(rows.iter().map(|(_, r)| *r).collect::<Vec<Row>>());

    let clear_errors = move || {
        identifier_error.set(None);
        plan_error.set(None);
        note_error.set(None);
        expires_error.set(None);
        row_errors.set(BTreeMap::new());
        failure.set(None);
    };
    // Every opening starts afresh after a sent invite; otherwise the form is kept.
    Effect::new(move |_| {
        if open.get() {
            plans.refetch();
            if matches!(stage.get_untracked(), Stage::Sent(_)) {
                identifier.set(String::new());
                note.set(String::new());
            }
            stage.set(Stage::Editing);
            clear_errors();
        }
    });

    let zone_for_build = StoredValue::new(zone.clone());
    // The form → the request (field problems found here are shown at once).
    let build = move |dry_run: bool| -> Option<(CreateInviteRequest, Vec<i64>)> {
        clear_errors();
        let mut ok = true;
        let who = identifier.get_untracked().trim().to_owned();
        if who.is_empty() {
            identifier_error.set(Some(
                "Enter their email address or plex.tv username.".into(),
            ));
            ok = false;
        }
        let expires_in_days =
            match parse_expiry_days(&expires.get_untracked(), INVITE_EXPIRY_DAYS_MAX) {
                Ok(days) => days,
                Err(e) => {
                    expires_error.set(Some(e));
                    ok = false;
                    None
                }
            };
        let note_text = note.get_untracked().trim().to_owned();
        if note_text.chars().count() > INVITE_NOTE_MAX {
            note_error.set(Some(format!("At most {INVITE_NOTE_MAX} characters.")));
            ok = false;
        }
        let mut request = CreateInviteRequest {
            identifier: who,
            note: (!note_text.is_empty()).then_some(note_text),
            expires_in_days,
            dry_run: Some(dry_run),
            ..CreateInviteRequest::default()
        };
        let mut sent_ids = Vec::new();
        match mode.get_untracked() {
            Mode::Plan => match plan_id.get_untracked() {
                Some(id) => request.plan_id = Some(id),
                None => {
                    plan_error.set(Some("Choose a plan, or choose Custom.".into()));
                    ok = false;
                }
            },
            Mode::Custom => {
                let mut grants = Vec::new();
                let mut errors = BTreeMap::new();
                for row in form_rows.get_value() {
                    if !row.checked.get_untracked() {
                        continue;
                    }
                    let mut grant = PlanGrant {
                        library_id: row.library_id,
                        ..PlanGrant::default()
                    };
                    match row.window.get_untracked() {
                        Window::Open => {}
                        Window::Duration => {
                            match parse_duration_input(&row.duration.get_untracked()) {
                                Ok(d) => grant.duration = d,
                                Err(e) => {
                                    errors.insert(row.library_id, format!("Lasts: {e}"));
                                }
                            }
                        }
                        Window::Fixed => {
                            let (start, end) = zone_for_build.with_value(|z| {
                                (
                                    z.input_to_rfc3339(&row.start.get_untracked()),
                                    z.input_to_rfc3339(&row.end.get_untracked()),
                                )
                            });
                            match (start, end) {
                                (Ok(s), Ok(e)) => {
                                    grant.starts_at = s;
                                    grant.ends_at = e;
                                }
                                (Err(why), _) => {
                                    errors.insert(row.library_id, format!("Start: {why}"));
                                }
                                (_, Err(why)) => {
                                    errors.insert(row.library_id, format!("End: {why}"));
                                }
                            }
                        }
                    }
                    sent_ids.push(row.library_id);
                    grants.push(grant);
                }
                if grants.is_empty() {
                    failure.set(Some(Failure {
                        message: "Choose at least one library.".into(),
                        existing: None,
                    }));
                    ok = false;
                }
                if !errors.is_empty() {
                    row_errors.set(errors);
                    ok = false;
                }
                request.plan = Some(InvitePlan {
                    grants,
                    sharing: sharing_on.get_untracked().then(|| sharing.read()),
                });
            }
        }
        ok.then_some((request, sent_ids))
    };

    let fail = move |e: ApiError, identifier: String, sent_ids: &[i64]| {
        stage.try_set(Stage::Editing);
        if e.code == "already_a_friend" {
            failure.try_set(Some(Failure {
                message: e.message,
                existing: Some(identifier),
            }));
            return;
        }
        let mut fields = field_errors(&e.fields, "plan.grants", sent_ids);
        identifier_error.try_set(fields.take("identifier"));
        plan_error.try_set(fields.take("plan_id").or_else(|| fields.take("plan")));
        note_error.try_set(fields.take("note"));
        expires_error.try_set(fields.take("expires_in_days"));
        row_errors.try_set(fields.libraries.clone());
        let message = match fields.rest() {
            Some(rest) => format!("{} ({rest})", e.message),
            None => e.message,
        };
        failure.try_set(Some(Failure {
            message,
            existing: None,
        }));
    };

    let send = move |dry_run: bool| {
        let Some((request, sent_ids)) = build(dry_run) else {
            return;
        };
        stage.set(Stage::Busy(if dry_run {
            "Asking what Plex would receive…"
        } else {
            "Sending the invite through Plex…"
        }));
        spawn_local(async move {
            match api::create_invite(&request).await {
                Ok(answer) if dry_run => {
                    let grants = request.plan.map(|p| p.grants).unwrap_or_default();
                    stage.try_set(Stage::Preview(Box::new((answer, grants))));
                }
                Ok(answer) => match answer.invite {
                    Some(invite) => {
                        stage.try_set(Stage::Sent(Box::new(invite.clone())));
                        on_sent.run(invite);
                    }
                    None => {
                        stage.try_set(Stage::Editing);
                        failure.try_set(Some(Failure {
                            message: answer.summary,
                            existing: None,
                        }));
                    }
                },
                Err(e) => fail(e, request.identifier, &sent_ids),
            }
        });
    };

    let editing = move || matches!(stage.get(), Stage::Editing | Stage::Preview(_));
    let zone_name = zone.name().to_owned();
    let zone_for_words = StoredValue::new(zone);
    let fixed_when = move |at: &str| {
        chrono::DateTime::parse_from_rfc3339(at).map_or_else(
            |_| at.to_owned(),
            |t| zone_for_words.with_value(|z| z.format(&t.with_timezone(&chrono::Utc))),
        )
    };

    let plan_options = move || match plans.get() {
        None => view! { <p class="muted" role="status">"Loading plans…"</p> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => view! {
            <p class="hint" data-testid="invite-no-plans">
                "No access plans yet: create one under Plans, or choose Custom."
            </p>
        }
        .into_any(),
        Some(Ok(list)) => {
            let items = StoredValue::new(list.items);
            let chosen = move || -> Option<AccessPlanResponse> {
                let id = plan_id.get()?;
                items.with_value(|p| p.iter().find(|p| p.id == id).cloned())
            };
            let options = items
                .get_value()
                .into_iter()
                .map(|p| {
                    let id = p.id;
                    view! {
                        <option value=id.to_string() selected=move || plan_id.get() == Some(id)>
                            {p.name}
                        </option>
                    }
                })
                .collect_view();
            view! {
                    <div class="field">
                        <label for="invite-plan">"Plan"</label>
                        <select
                            id="invite-plan"
                            data-testid="invite-plan"
                            aria-invalid=move || plan_error.with(Option::is_some).then_some("true")
                            aria-describedby="invite-plan-error"
                            on:change=move |ev| plan_id.set(event_target_value(&ev).parse().ok())
                        >
                            <option value="" selected=move || plan_id.get().is_none()>"— Choose a plan —"</option>
                            {options}
                        </select>
                        <p class="hint" data-testid="invite-plan-summary">
                            {move || chosen().map(|p| format!("{} (v{}). Windows count from when the invite is accepted.", p.summary, p.version))}
                        </p>
                        <FieldError id="invite-plan-error" error=plan_error.into() />
                    </div>
                }
                .into_any()
        }
        Some(Err(e)) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
    };

    let library_rows = rows
        .into_iter()
        .map(|(library, row)| {
            let lid = library.id;
            let title = library.title.clone();
            let error = move || row_errors.with(|e| e.get(&lid).cloned());
            let error_id = format!("invite-library-error-{lid}");
            let described = error_id.clone();
            let off = move || !row.checked.get();
            view! {
                <div class="invite-library" data-testid=format!("invite-lib-row-{lid}")>
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid=format!("invite-library-{lid}")
                            prop:checked=move || row.checked.get()
                            on:change=move |ev| row.checked.set(event_target_checked(&ev))
                        />
                        <span>{title.clone()}</span>
                    </label>
                    <select
                        aria-label=format!("{title}: window")
                        data-testid=format!("invite-window-{lid}")
                        disabled=off
                        prop:value=move || row.window.get().as_str()
                        on:change=move |ev| row.window.set(Window::parse(&event_target_value(&ev)))
                    >
                        <option value="duration">"For a time after acceptance"</option>
                        <option value="fixed">"Fixed dates"</option>
                        <option value="open">"No end"</option>
                    </select>
                    <input
                            type="text"
                            list="invite-duration-presets"
                            placeholder="e.g. 30 days (empty: no end)"
                            aria-label=format!("{title} lasts")
                            aria-describedby=described.clone()
                            data-testid=format!("invite-duration-{lid}")
                            hidden=move || row.window.get() != Window::Duration
                            disabled=off
                            prop:value=move || row.duration.get()
                            on:input=move |ev| row.duration.set(event_target_value(&ev))
                        />
                    <span class="invite-dates" hidden=move || row.window.get() != Window::Fixed>
                        <input
                            type="datetime-local"
                            aria-label=format!("{title} starts")
                            aria-describedby=described.clone()
                            data-testid=format!("invite-starts-{lid}")
                            disabled=off
                            prop:value=move || row.start.get()
                            on:input=move |ev| row.start.set(event_target_value(&ev))
                        />
                        <input
                            type="datetime-local"
                            aria-label=format!("{title} ends")
                            aria-describedby=described
                            data-testid=format!("invite-ends-{lid}")
                            disabled=off
                            prop:value=move || row.end.get()
                            on:input=move |ev| row.end.set(event_target_value(&ev))
                        />
                    </span>
                    <p class="field-error" id=error_id role="alert">{error}</p>
                </div>
            }
        })
        .collect_view();

    let sent_titles = move |ids: &[i64]| -> String {
        if ids.is_empty() {
            "no library yet (the first one opens later)".to_owned()
        } else {
            ids.iter()
                .map(|&id| title_of(id))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };

    view! {
        <Dialog id="invite-dialog" open title="Invite a friend">
            <datalist id="invite-duration-presets">
                {DURATION_PRESETS.into_iter().map(|p| view! { <option value=p></option> }).collect_view()}
            </datalist>
            <fieldset class="form" disabled=move || !editing()>
                <div class="field">
                    <label for="invite-identifier">"Email address or plex.tv username"</label>
                    <input
                        id="invite-identifier"
                        data-testid="invite-identifier"
                        type="text"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        aria-invalid=move || identifier_error.with(Option::is_some).then_some("true")
                        aria-describedby="invite-identifier-error"
                        prop:value=move || identifier.get()
                        on:input=move |ev| identifier.set(event_target_value(&ev))
                    />
                    <FieldError id="invite-identifier-error" error=identifier_error.into() />
                </div>
                <div class="radio-row" role="radiogroup" aria-label="What the invite gives">
                    <label class="check">
                        <input
                            type="radio"
                            name="invite-mode"
                            data-testid="invite-mode-plan"
                            prop:checked=move || mode.get() == Mode::Plan
                            on:change=move |_| mode.set(Mode::Plan)
                        />
                        <span>"A plan"</span>
                    </label>
                    <label class="check">
                        <input
                            type="radio"
                            name="invite-mode"
                            data-testid="invite-mode-custom"
                            prop:checked=move || mode.get() == Mode::Custom
                            on:change=move |_| mode.set(Mode::Custom)
                        />
                        <span>"Custom"</span>
                    </label>
                </div>
                <div hidden=move || mode.get() != Mode::Plan>{plan_options}</div>
                <div class="form" hidden=move || mode.get() != Mode::Custom>
                    <p class="hint">
                        {format!("A time after acceptance starts counting when they accept (e.g. 30 days). Fixed dates are in {zone_name}.")}
                    </p>
                    <div class="invite-libraries" role="group" aria-label="Libraries">{library_rows}</div>
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="invite-sharing-on"
                            prop:checked=move || sharing_on.get()
                            on:change=move |ev| sharing_on.set(event_target_checked(&ev))
                        />
                        "Set sharing settings (downloads, Live TV, …)"
                    </label>
                    <div hidden=move || !sharing_on.get()>
                        <SharingFields form=sharing prefix="invite-sharing" editable=Signal::derive(editing) no_pass=false folded=true />
                    </div>
                </div>
                <div class="form-grid">
                    <div class="field">
                        <label for="invite-expires">"Expires after (days)"</label>
                        <input
                            id="invite-expires"
                            data-testid="invite-expires"
                            type="number"
                            min="1"
                            max=INVITE_EXPIRY_DAYS_MAX.to_string()
                            placeholder=INVITE_EXPIRY_DAYS_DEFAULT.to_string()
                            aria-invalid=move || expires_error.with(Option::is_some).then_some("true")
                            aria-describedby="invite-expires-hint invite-expires-error"
                            prop:value=move || expires.get()
                            on:input=move |ev| expires.set(event_target_value(&ev))
                        />
                        <p class="hint" id="invite-expires-hint">
                            {format!("Not accepted by then: Plexward withdraws it. Empty: {INVITE_EXPIRY_DAYS_DEFAULT} days.")}
                        </p>
                        <FieldError id="invite-expires-error" error=expires_error.into() />
                    </div>
                </div>
                <div class="field">
                    <label for="invite-note">"Note (only for you, never sent to Plex)"</label>
                    <textarea
                        id="invite-note"
                        data-testid="invite-note"
                        rows="2"
                        maxlength=INVITE_NOTE_MAX.to_string()
                        aria-invalid=move || note_error.with(Option::is_some).then_some("true")
                        aria-describedby="invite-note-error"
                        prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev))
                    ></textarea>
                    <FieldError id="invite-note-error" error=note_error.into() />
                </div>
            </fieldset>
            {move || failure.get().map(|f| {
                let existing = f.existing.map(|who| {
                    let link = api::href(&friends_search_route(&who));
                    view! {
                        " "
                        <a href=link data-testid="invite-existing-friend" on:click=move |_| open.set(false)>
                            {format!("Find {who} among the friends")}
                        </a>
                    }
                });
                view! {
                    <p class="alert error" role="alert" data-testid="invite-error">{f.message}{existing}</p>
                }
            })}
            {move || match stage.get() {
                Stage::Editing => ().into_any(),
                Stage::Busy(what) => view! { <p class="muted" role="status">{what}</p> }.into_any(),
                Stage::Preview(preview) => {
                    let (answer, grants) = *preview;
                    let words = grants_words(&grants, &title_of, "acceptance", &fixed_when);
                    view! {
                        <div class="alert info plan" role="status" data-testid="invite-plan-preview">
                            <p><strong>{answer.summary}</strong></p>
                            <p data-testid="invite-sent-libraries">
                                {format!("Plex's invite carries: {}.", sent_titles(&answer.sent_library_ids))}
                            </p>
                            {(!words.is_empty()).then(|| view! { <p class="hint">{words}</p> })}
                            <p class="hint">"Nothing was sent yet."</p>
                        </div>
                    }
                    .into_any()
                }
                Stage::Sent(invite) => {
                    let words = grants_words(&invite.grants, &title_of, "acceptance", &fixed_when);
                    view! {
                        <div class="alert success" role="status" data-testid="invite-sent">
                            <p><strong>{format!("Invite sent to {}.", invite.identifier)}</strong></p>
                            <p>{invite.summary.clone()}</p>
                            {(!words.is_empty()).then(|| view! { <p class="hint">{words}</p> })}
                            {invite.friend_id.map(|id| view! {
                                <p>
                                    <a href=api::href(&format!("/friends/{id}")) data-testid="invite-friend-link"
                                        on:click=move |_| open.set(false)>
                                        "Open the friend"
                                    </a>
                                    " (shown as invited until they accept)"
                                </p>
                            })}
                        </div>
                    }
                    .into_any()
                }
            }}
            <div class="actions">
                <button type="button" class="btn ghost" data-testid="invite-close" on:click=move |_| open.set(false)>
                    "Close"
                </button>
                <Show
                    when=move || !matches!(stage.get(), Stage::Sent(_))
                    fallback=move || view! {
                        <button type="button" class="btn ghost" data-testid="invite-another" on:click=move |_| {
                            identifier.set(String::new());
                            note.set(String::new());
                            stage.set(Stage::Editing);
                        }>
                            "Invite someone else"
                        </button>
                    }
                >
                    <button type="button" class="btn ghost" data-testid="invite-preview"
                        disabled=move || !editing() on:click=move |_| send(true)>
                        "Preview"
                    </button>
                    <button type="button" class="btn" data-testid="invite-send"
                        disabled=move || !editing() on:click=move |_| send(false)>
                        "Send invite"
                    </button>
                </Show>
            </div>
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::friends_search_route;

    #[test]
    fn the_friends_search_carries_the_identifier() {
        assert_eq!(
            friends_search_route(" ann@example.com "),
            "/friends?q=ann%40example.com"
        );
    }
}
