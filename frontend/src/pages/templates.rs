//! Settings → Notifications → Templates (`/settings/templates`): what each notification says.
//! The list holds every event's message and the friend's own reminder email, "custom" when an
//! admin edited it; choosing one (`?event=access.ending`) opens it in the editor with a live
//! preview. Everyone who may read the settings sees them; admins save them or go back to the
//! default.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use plexward_shared::{Permission, TemplateResponse};

use crate::api;
use crate::components::template_editor::TemplateEditor;
use crate::session::use_session;
use crate::template_text::template_label;

/// A template's link in the list (`/settings/templates?event=access.ending`).
fn template_href(event: &str) -> String {
    api::href(&format!(
        "/settings/templates{}",
        api::query(&[("event", Some(event))])
    ))
}

/// The `data-testid` of a template's link: `access.ending` → `template-link-access-ending`.
fn link_testid(event: &str) -> String {
    format!("template-link-{}", event.replace('.', "-"))
}

#[component]
pub fn Templates() -> impl IntoView {
    let can_edit = use_session().allows(Permission::ManageSettings);
    let templates = LocalResource::new(api::templates);
    let query = use_query_map();
    let selected = Memo::new(move |_| query.with(|q| q.get("event")));
    let outcome = RwSignal::new(None::<String>);
    // What was saved belongs to the template it was said about.
    Effect::new(move |before: Option<Option<String>>| {
        let now = selected.get();
        if before.is_some_and(|b| b != now) {
            outcome.set(None);
        }
        now
    });
    let on_changed = Callback::new(move |said: String| {
        outcome.set(Some(said));
        templates.refetch();
    });

    view! {
        <p><a href=api::href("/settings/notifications") data-testid="templates-back">"← Notifications"</a></p>
        <h1 class="page-title">"Templates"</h1>
        <p class="hint">
            "What each notification says. "
            <code>"{{name}}"</code>
            " puts a variable in (each message lists its own); "
            <code>"{{#if name}}…{{else}}…{{/if}}"</code>
            " shows a part only when the variable is set. Nothing else runs: no code, no loops. Webhooks get the event as JSON whatever the template says; Discord, ntfy and email get the message."
        </p>
        <div class="template-layout">
            <nav class="card glass template-list" aria-label="Templates">
                <Transition fallback=|| view! { <p class="muted">"Loading the templates…"</p> }>
                    {move || Suspend::new(async move {
                        match templates.await {
                            Ok(list) => view! { <TemplateList items=list.items selected /> }.into_any(),
                            Err(e) => view! { <p class="alert error" role="alert" data-testid="templates-error">{e.message}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
            <div class="template-main">
                {move || outcome.get().map(|text| view! {
                    <p class="alert success" role="status" data-testid="template-outcome">{text}</p>
                })}
                {move || match selected.get() {
                    None => view! {
                        <section class="card glass">
                            <p class="muted" data-testid="template-none">"Choose a message on the left to edit it."</p>
                        </section>
                    }
                    .into_any(),
                    Some(event) => view! { <ChosenTemplate event templates can_edit on_changed /> }.into_any(),
                }}
            </div>
        </div>
    }
}

#[component]
fn TemplateList(items: Vec<TemplateResponse>, selected: Memo<Option<String>>) -> impl IntoView {
    let links = items
        .into_iter()
        .map(|t| {
            let event = t.event.clone();
            let current = event.clone();
            view! {
                <li>
                    <a
                        href=template_href(&event)
                        data-testid=link_testid(&event)
                        aria-current=move || selected.with(|s| s.as_deref() == Some(current.as_str())).then_some("page")
                    >
                        <span>{template_label(&event).to_owned()}</span>
                        {t.custom.then(|| view! {
                            <span class="pill warn" data-testid=format!("{}-custom", link_testid(&event))>"custom"</span>
                        })}
                        <code class="muted">{event.clone()}</code>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! { <ul data-testid="templates">{links}</ul> }
}

/// The editor for `event`, once the templates are loaded (and again after each change).
#[component]
fn ChosenTemplate(
    event: String,
    templates: LocalResource<Result<plexward_shared::List<TemplateResponse>, api::ApiError>>,
    can_edit: bool,
    on_changed: Callback<String>,
) -> impl IntoView {
    let event = StoredValue::new(event);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading the template…"</p> }>
            {move || Suspend::new(async move {
                let wanted = event.get_value();
                match templates.await {
                    Ok(list) => match list.items.into_iter().find(|t| t.event == wanted) {
                        Some(template) => view! { <TemplateEditor template can_edit on_changed /> }.into_any(),
                        None => view! {
                            <p class="alert error" role="alert" data-testid="template-unknown">
                                {format!("There is no template “{wanted}”.")}
                            </p>
                        }
                        .into_any(),
                    },
                    Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::link_testid;

    #[test]
    fn links_are_named_by_their_event() {
        assert_eq!(link_testid("access.ending"), "template-link-access-ending");
        assert_eq!(
            link_testid("friend.access.ending"),
            "template-link-friend-access-ending"
        );
    }
}
