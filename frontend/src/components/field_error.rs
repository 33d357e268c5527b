//! A form field's error line, as the server gave it.

use leptos::prelude::*;

/// Present only while there is an error, so the field's `aria-describedby` may name `id`.
#[component]
pub fn FieldError(id: &'static str, error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || error.with(Option::is_some)>
            <p class="field-error" id=id>{move || error.get()}</p>
        </Show>
    }
}
