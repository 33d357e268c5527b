//! One labelled form field: the label, the control, an optional hint and the field's error from
//! the server's 422, wired together by ids so every form says it the same way.

use leptos::attr::{aria_describedby, aria_invalid, id as id_attr};
use leptos::prelude::*;

use crate::components::field_error::FieldError;

/// `<div class="field">` with `<label for=id>`, the control (the one element in `children`), the
/// hint (`{id}-hint`) and the error (`{id}-error`). The control gets its `id`, `aria-invalid`
/// while there is an error, and `aria-describedby` naming the hint and the error.
#[component]
pub fn FormField(
    /// The control's id; the hint's and the error's are derived from it.
    id: &'static str,
    #[prop(into)] label: TextProp,
    /// Why the server refused this field, if it did.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// A line under the control: what to enter, where a pinned value comes from.
    #[prop(optional, into)]
    hint: Option<TextProp>,
    children: Children,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = if hint.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        error_id.clone()
    };
    let control = children()
        .add_any_attr(id_attr(id))
        .add_any_attr(aria_invalid(move || {
            error.with(Option::is_some).then_some("true")
        }))
        .add_any_attr(aria_describedby(described_by));
    view! {
        <div class="field">
            <label for=id>{move || label.get()}</label>
            {control}
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{move || hint.get()}</p> })}
            <FieldError id=error_id error />
        </div>
    }
}
