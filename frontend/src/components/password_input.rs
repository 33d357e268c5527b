//! A labelled password field with a show/hide toggle (an eye icon button).

use leptos::prelude::*;

/// A password field bound to `value`. The eye button switches between hidden and shown text; it
/// says what it does (`aria-label`) and whether the password shows (`aria-pressed`).
#[component]
pub fn PasswordInput(
    /// The input's id (also the base of the error's id).
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    /// `current-password` or `new-password`, for password managers.
    autocomplete: &'static str,
    /// Why the server refused this field, if it did.
    #[prop(optional, into)]
    error: Signal<Option<String>>,
    /// Id of an element that describes the field (e.g. the strength meter).
    #[prop(optional)]
    described_by: Option<&'static str>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let error_id = format!("{id}-error");
    let error_id_attr = error_id.clone();
    let describedby = move || {
        let mut ids: Vec<String> = described_by.map(str::to_owned).into_iter().collect();
        if error.with(Option::is_some) {
            ids.push(error_id_attr.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="password-field">
                <input
                    id=id
                    name=id
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    autocapitalize="off"
                    spellcheck="false"
                    required
                    autofocus=autofocus
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    aria-describedby=describedby
                    prop:value=move || value.get()
                    on:input:target=move |ev| value.set(ev.target().value())
                />
                <button
                    type="button"
                    class="eye"
                    aria-controls=id
                    aria-pressed=move || if shown.get() { "true" } else { "false" }
                    aria-label=move || if shown.get() { "Hide password" } else { "Show password" }
                    title=move || if shown.get() { "Hide password" } else { "Show password" }
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"
                        fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                        <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z" />
                        <circle cx="12" cy="12" r="3" />
                        <Show when=move || shown.get()>
                            <line x1="3" y1="3" x2="21" y2="21" />
                        </Show>
                    </svg>
                </button>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="field-error" id=error_id.clone()>{move || error.get()}</p>
            </Show>
        </div>
    }
}
