//! A short note of up to 500 characters (a friend's message with a request, a moderator's reason
//! for declining one): the textarea, a live `12 / 500` count that turns red past the limit, a
//! hint, and the server's reason when it refused the text.

use leptos::prelude::*;

use crate::components::field_error::FieldError;
use crate::request_text::chars_used;

#[component]
pub fn MessageField(
    /// The textarea's id; `{id}-count`, `{id}-hint` and `{id}-error` are derived from it.
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let count_id = format!("{id}-count");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    // The count is named by the field (not a live region: it would speak on every key).
    let described_by = [
        Some(count_id.clone()),
        hint.map(|_| hint_id.clone()),
        Some(error_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let used = move || value.with(|v| chars_used(v));
    view! {
        <div class="field">
            <div class="message-head">
                <label for=id>{label}</label>
                <span
                    id=count_id
                    class=move || if used().1 { "char-count over" } else { "char-count" }
                    data-testid=format!("{id}-count")
                >
                    {move || used().0}
                </span>
            </div>
            <textarea
                id=id
                rows="3"
                data-testid=id
                placeholder=placeholder
                disabled=move || disabled.get()
                aria-invalid=move || (error.with(Option::is_some) || used().1).then_some("true")
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    // The server's complaint was about the old text.
                    error.set(None);
                }
            ></textarea>
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <FieldError id=error_id error=error.into() />
        </div>
    }
}
