//! The one time an API token's secret is shown: a dialog with a Copy button.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::CreatedApiTokenResponse;
use wasm_bindgen::JsValue;

use crate::components::dialog::Dialog;

/// Shows `created`'s secret while `open`; forgets it when closed.
#[component]
pub fn SecretDialog(
    open: RwSignal<bool>,
    created: RwSignal<Option<CreatedApiTokenResponse>>,
) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let input = NodeRef::<html::Input>::new();
    // Closed: the secret leaves the page's memory.
    Effect::new(move |_| {
        if !open.get() {
            created.set(None);
            copied.set(None);
        }
    });
    let secret = move || created.with(|c| c.as_ref().map(|c| c.secret.clone()).unwrap_or_default());
    let name =
        move || created.with(|c| c.as_ref().map(|c| c.token.name.clone()).unwrap_or_default());
    let copy = move |_| {
        let text = secret();
        spawn_local(async move {
            let status = if copy_to_clipboard(&text).await {
                "Copied to the clipboard."
            } else {
                // No clipboard (e.g. plain HTTP on another host): select it for Ctrl+C.
                if let Some(el) = input.get_untracked() {
                    el.select();
                }
                "Selected: press Ctrl+C (⌘C) to copy."
            };
            copied.set(Some(status));
        });
    };
    view! {
        <Dialog id="token-created" open title="API token created">
            <p>"Token " <strong>{name}</strong> " is ready. Send it as " <code>"Authorization: Bearer <token>"</code> "."</p>
            <p class="warning-text">"Copy it now: you won't see it again."</p>
            <div class="field">
                <label for="token-secret">"Token"</label>
                <div class="secret-row">
                    <input
                        id="token-secret"
                        type="text"
                        readonly
                        autocomplete="off"
                        spellcheck="false"
                        data-testid="token-secret"
                        node_ref=input
                        prop:value=secret
                        on:focus:target=move |ev| ev.target().select()
                    />
                    <button type="button" class="btn" on:click=copy>"Copy"</button>
                </div>
            </div>
            <p class="hint" role="status" aria-live="polite">{move || copied.get()}</p>
            <div class="actions">
                <button type="button" class="btn ghost" on:click=move |_| open.set(false)>"Done"</button>
            </div>
        </Dialog>
    }
}

/// Writes `text` to the clipboard; false when the browser offers no clipboard or refuses.
async fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    // `navigator.clipboard` is missing outside secure contexts.
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has_clipboard {
        return false;
    }
    let promise = navigator.clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}
