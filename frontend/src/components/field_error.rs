//! A form field's error line, as the server gave it.

use leptos::prelude::*;

/// Present only while there is an error, so the field's `aria-describedby` may name `id`.
#[component]
pub fn FieldError(#[prop(into)] id: String, error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || error.with(Option::is_some)>
            <p class="field-error" id=id.clone()>{move || error.get()}</p>
        </Show>
    }
}
