//! One message template being edited: its subject and body, the variables it may use (a click
//! puts `{{name}}` in where the cursor was), and a live preview — the server fills the template
//! with a sample event about 300 ms after the last keystroke, or says in words why it cannot.
//! Save, and "Back to default" for an edited one.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    TemplatePreviewRequest, TemplatePreviewResponse, TemplateRequest, TemplateResponse,
    TemplateVariable,
};

use crate::api;
use crate::components::dialog::ConfirmDialog;
use crate::components::form_field::FormField;
use crate::jobs::sleep;
use crate::notify_text::FieldErrors;
use crate::template_text::{
    BODY_MAX, SUBJECT_MAX, insert_at, length_errors, template_audience, template_error,
    template_label, variable_tag,
};

/// How long typing must pause before the preview is asked for.
const PREVIEW_DELAY_MS: i32 = 300;

/// Where the preview stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Preview {
    Waiting,
    Shown(TemplatePreviewResponse),
    /// The template cannot be read: why, in words.
    Refused(String),
    /// The preview could not be asked for.
    Failed(String),
}

/// Which field a variable goes into: the one that had the focus last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Subject,
    Body,
}

#[component]
pub fn TemplateEditor(
    template: TemplateResponse,
    can_edit: bool,
    /// A change was saved (or undone): what to report; the page reloads the templates.
    on_changed: Callback<String>,
) -> impl IntoView {
    let event = StoredValue::new(template.event.clone());
    let label = template_label(&template.event).to_owned();
    let subject = RwSignal::new(template.subject.clone());
    let body = RwSignal::new(template.body.clone());
    let saved = StoredValue::new((template.subject.clone(), template.body.clone()));
    let preview = RwSignal::new(Preview::Waiting);
    let errors = RwSignal::new(FieldErrors::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let target = RwSignal::new(Target::Body);
    let reset_open = RwSignal::new(false);
    let subject_ref = NodeRef::<html::Input>::new();
    let body_ref = NodeRef::<html::Textarea>::new();
    // Bumped by every keystroke: only the latest one's preview is asked for and shown.
    let generation = StoredValue::new(0_u32);

    let ask_preview = move || {
        let Some(mine) = generation.try_update_value(|g| {
            *g = g.wrapping_add(1);
            *g
        }) else {
            return;
        };
        spawn_local(async move {
            sleep(PREVIEW_DELAY_MS).await;
            let current = || generation.try_get_value() == Some(mine);
            if !current() {
                return;
            }
            let (Some(subject), Some(body), Some(event)) = (
                subject.try_get_untracked(),
                body.try_get_untracked(),
                event.try_get_value(),
            ) else {
                return;
            };
            let answer = api::preview_template(&TemplatePreviewRequest {
                event,
                subject,
                body,
            })
            .await;
            if !current() {
                return;
            }
            preview.try_set(match answer {
                Ok(shown) => Preview::Shown(shown),
                Err(e) if e.status == 422 => {
                    Preview::Refused(template_error(&e.fields, &e.message))
                }
                Err(e) => Preview::Failed(e.message),
            });
        });
    };
    ask_preview();

    let edited = move || {
        saved.with_value(|(s, b)| subject.with(|now| now != s) || body.with(|now| now != b))
    };
    let error_of =
        move |field: &'static str| Signal::derive(move || errors.with(|e| e.get(field).cloned()));

    let insert = move |name: String| {
        let tag = variable_tag(&name);
        match target.get_untracked() {
            Target::Subject => {
                let at = subject_ref
                    .get_untracked()
                    .and_then(|el| el.selection_start().ok().flatten())
                    .unwrap_or(u32::MAX);
                let (text, cursor) = insert_at(&subject.get_untracked(), at, &tag);
                if let Some(el) = subject_ref.get_untracked() {
                    el.set_value(&text);
                    let _ = el.focus();
                    let _ = el.set_selection_range(cursor, cursor);
                }
                subject.set(text);
            }
            Target::Body => {
                let at = body_ref
                    .get_untracked()
                    .and_then(|el| el.selection_start().ok().flatten())
                    .unwrap_or(u32::MAX);
                let (text, cursor) = insert_at(&body.get_untracked(), at, &tag);
                if let Some(el) = body_ref.get_untracked() {
                    el.set_value(&text);
                    let _ = el.focus();
                    let _ = el.set_selection_range(cursor, cursor);
                }
                body.set(text);
            }
        }
        errors.set(FieldErrors::new());
        ask_preview();
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !can_edit {
            return;
        }
        error.set(None);
        let request = TemplateRequest {
            subject: subject.get_untracked(),
            body: body.get_untracked(),
        };
        let found = length_errors(&request.subject, &request.body);
        if !found.is_empty() {
            errors.set(found);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        let event = event.get_value();
        spawn_local(async move {
            match api::save_template(&event, &request).await {
                Ok(now) => {
                    saved.try_set_value((now.subject.clone(), now.body.clone()));
                    on_changed.run(format!("Template “{}” saved.", template_label(&now.event)));
                }
                Err(e) if !e.fields.is_empty() => {
                    error.try_set(Some(template_error(&e.fields, &e.message)));
                    errors.try_set(e.fields);
                }
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
            busy.try_set(false);
        });
    };
    let reset = Callback::new(move |()| {
        error.set(None);
        busy.set(true);
        let event = event.get_value();
        spawn_local(async move {
            match api::reset_template(&event).await {
                Ok(()) => on_changed.run(format!(
                    "Template “{}” is back to the default.",
                    template_label(&event)
                )),
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
            busy.try_set(false);
        });
    });

    let custom = template.custom;
    let (default_subject, default_body) = (template.default_subject, template.default_body);
    let load_default = move |_| {
        subject.set(default_subject.clone());
        body.set(default_body.clone());
        errors.set(FieldErrors::new());
        ask_preview();
    };

    view! {
        <section class="card glass" aria-labelledby="template-editor-title" data-testid="template-editor">
            <div class="card-head wrap">
                <h2 id="template-editor-title">
                    {label.clone()} " " <code class="muted">{template.event.clone()}</code>
                </h2>
                {if custom {
                    view! { <span class="pill warn" data-testid="template-editor-custom">"custom"</span> }.into_any()
                } else {
                    view! { <span class="pill" data-testid="template-editor-default">"default"</span> }.into_any()
                }}
            </div>
            <p class="hint">{template_audience(&template.event)}</p>
            <div class="template-grid">
                <form class="form" on:submit=save novalidate>
                    <FormField id="template-subject" label="Subject" error=error_of("subject") hint="One line: the email's subject, ntfy's title, Discord's bold first line.">
                        <input
                            type="text"
                            node_ref=subject_ref
                            data-testid="template-subject"
                            maxlength=SUBJECT_MAX.to_string()
                            autocomplete="off"
                            readonly=!can_edit
                            prop:value=move || subject.get()
                            on:focus=move |_| target.set(Target::Subject)
                            on:input=move |ev| {
                                subject.set(event_target_value(&ev));
                                ask_preview();
                            }
                        />
                    </FormField>
                    <FormField id="template-body" label="Body" error=error_of("body") hint="{{name}} puts a variable in; {{#if name}}…{{else}}…{{/if}} shows a part only when it is set.">
                        <textarea
                            node_ref=body_ref
                            rows="10"
                            data-testid="template-body"
                            maxlength=BODY_MAX.to_string()
                            spellcheck="false"
                            readonly=!can_edit
                            prop:value=move || body.get()
                            on:focus=move |_| target.set(Target::Body)
                            on:input=move |ev| {
                                body.set(event_target_value(&ev));
                                ask_preview();
                            }
                        ></textarea>
                    </FormField>
                    {move || error.get().map(|e| view! {
                        <p class="alert error" role="alert" data-testid="template-error">{e}</p>
                    })}
                    {can_edit.then(|| view! {
                        <div class="actions">
                            <Show when=edited>
                                <span class="hint" data-testid="template-unsaved">"Unsaved changes"</span>
                            </Show>
                            <button type="button" class="btn ghost" data-testid="template-load-default" on:click=load_default>
                                "Start from the default"
                            </button>
                            {custom.then(|| view! {
                                <button
                                    type="button"
                                    class="btn ghost"
                                    data-testid="template-reset"
                                    disabled=move || busy.get()
                                    on:click=move |_| reset_open.set(true)
                                >
                                    "Back to default"
                                </button>
                            })}
                            <button type="submit" class="btn" data-testid="template-save" disabled=move || busy.get()>
                                {move || if busy.get() { "Saving…" } else { "Save" }}
                            </button>
                        </div>
                    })}
                </form>
                <Variables variables=template.variables can_edit on_insert=Callback::new(insert) />
            </div>
            <PreviewPane preview />
        </section>
        <ConfirmDialog
            id="reset-template"
            open=reset_open
            title=format!("Back to the default for “{label}”?")
            message="The edited subject and body are lost; the message is the default again.".to_owned()
            confirm_label="Back to default"
            on_confirm=reset
            confirm_testid="template-reset-confirm"
        />
    }
}

/// The variables a template may use, each with what it holds; a click puts it in.
#[component]
fn Variables(
    variables: Vec<TemplateVariable>,
    can_edit: bool,
    on_insert: Callback<String>,
) -> impl IntoView {
    let items = variables
        .into_iter()
        .map(|v| {
            let tag = variable_tag(&v.name);
            let name = v.name.clone();
            let shown = if can_edit {
                view! {
                    <button
                        type="button"
                        class="btn ghost small mono"
                        data-testid=format!("template-variable-{}", v.name)
                        aria-label=format!("Insert {tag}")
                        on:click=move |_| on_insert.run(name.clone())
                    >
                        {tag.clone()}
                    </button>
                }
                .into_any()
            } else {
                view! { <code>{tag.clone()}</code> }.into_any()
            };
            view! {
                <li>
                    {shown}
                    <span class="hint">{v.description}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <aside class="template-variables" aria-labelledby="template-variables-title">
            <h3 id="template-variables-title">"Variables"</h3>
            <ul data-testid="template-variables">{items}</ul>
        </aside>
    }
}

/// The template filled with the sample event, or why it cannot be.
#[component]
fn PreviewPane(preview: RwSignal<Preview>) -> impl IntoView {
    view! {
        <section class="template-preview" aria-labelledby="template-preview-title" aria-live="polite" data-testid="template-preview">
            <h3 id="template-preview-title">"Preview, with a sample event"</h3>
            {move || match preview.get() {
                Preview::Waiting => view! { <p class="muted">"Filling in the sample…"</p> }.into_any(),
                Preview::Shown(shown) => view! {
                    <dl class="facts">
                        <dt>"Subject"</dt>
                        <dd data-testid="template-preview-subject">{shown.subject}</dd>
                        <dt>"Body"</dt>
                        <dd><pre class="preview-body" data-testid="template-preview-body">{shown.body}</pre></dd>
                    </dl>
                }
                .into_any(),
                Preview::Refused(why) => view! {
                    <p class="alert error" role="alert" data-testid="template-preview-error">{why}</p>
                }
                .into_any(),
                Preview::Failed(why) => view! {
                    <p class="alert error" role="alert" data-testid="template-preview-failed">
                        {format!("No preview: {why}")}
                    </p>
                }
                .into_any(),
            }}
        </section>
    }
}
