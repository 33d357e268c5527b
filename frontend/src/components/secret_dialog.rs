//! The one time a secret is shown (an API token, a webhook's signing secret): a dialog with a
//! Copy button that forgets the secret when closed.

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
    let secret = Signal::derive(move || {
        created.with(|c| c.as_ref().map(|c| c.secret.clone()).unwrap_or_default())
    });
    let name =
        move || created.with(|c| c.as_ref().map(|c| c.token.name.clone()).unwrap_or_default());
    view! {
        <OneTimeSecret
            id="token-created"
            open
            title="API token created"
            label="Token"
            testid="token-secret"
            secret
            on_closed=Callback::new(move |()| created.set(None))
        >
            <p>"Token " <strong>{name}</strong> " is ready. Send it as " <code>"Authorization: Bearer <token>"</code> "."</p>
        </OneTimeSecret>
    }
}

/// A secret shown once while `open`: `children` say what it is, then the warning, the secret
/// (read only, `data-testid=testid`, id `{id}-secret`) with a Copy button, and Done. Closing
/// calls `on_closed`, where the owner forgets the secret.
#[component]
pub fn OneTimeSecret(
    /// The dialog's id (its title gets `{id}-title`).
    id: &'static str,
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    /// The secret field's label.
    label: &'static str,
    /// The secret field's `data-testid`.
    testid: &'static str,
    #[prop(into)] secret: Signal<String>,
    on_closed: Callback<()>,
    children: Children,
) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let input = NodeRef::<html::Input>::new();
    // Closed: the secret leaves the page's memory.
    Effect::new(move |_| {
        if !open.get() {
            on_closed.run(());
            copied.set(None);
        }
    });
    let copy = move |_| {
        let text = secret.get_untracked();
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
            copied.try_set(Some(status));
        });
    };
    let input_id = format!("{id}-secret");
    view! {
        <Dialog id open title>
            {children()}
            <p class="warning-text">"Copy it now: you won't see it again."</p>
            <div class="field">
                <label for=input_id.clone()>{label}</label>
                <div class="secret-row">
                    <input
                        id=input_id
                        type="text"
                        readonly
                        autocomplete="off"
                        spellcheck="false"
                        data-testid=testid
                        node_ref=input
                        prop:value=move || secret.get()
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
pub async fn copy_to_clipboard(text: &str) -> bool {
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
