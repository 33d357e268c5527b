//! An address to hand on (the friend portal's, single sign-on's redirect URI): read-only, with a
//! Copy button that falls back to selecting the text where the browser offers no clipboard (plain
//! HTTP on another host).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::secret_dialog::copy_to_clipboard;

/// `<label>`, the read-only `value` and "Copy"; the outcome is announced under it. `id` names the
/// input; `test_id` its test id (the button's is `{test_id}-copy`, the outcome's
/// `{test_id}-copied`).
#[component]
pub fn CopyField(
    id: &'static str,
    #[prop(into)] label: String,
    value: String,
    test_id: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let input = NodeRef::<leptos::html::Input>::new();
    let text = value.clone();
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            let status = if copy_to_clipboard(&text).await {
                "Copied to the clipboard."
            } else {
                if let Some(el) = input.get_untracked() {
                    el.select();
                }
                "Selected: press Ctrl+C (⌘C) to copy."
            };
            copied.try_set(Some(status));
        });
    };
    view! {
        <div class="field copy-field">
            <label for=id>{label}</label>
            <div class="secret-row">
                <input
                    id=id
                    type="text"
                    readonly
                    spellcheck="false"
                    data-testid=test_id
                    node_ref=input
                    prop:value=value
                    on:focus:target=move |ev| ev.target().select()
                />
                <button type="button" class="btn ghost" on:click=copy data-testid=format!("{test_id}-copy")>
                    "Copy"
                </button>
            </div>
            <p class="hint" role="status" aria-live="polite" data-testid=format!("{test_id}-copied")>
                {move || copied.get()}
            </p>
        </div>
    }
}
