//! Modal dialogs on the native `<dialog>` element: it traps focus, closes on Escape and returns
//! focus to where it was.

use leptos::html;
use leptos::prelude::*;

/// A modal dialog, open while `open` is true. Escape (or the close button) sets it to false.
#[component]
pub fn Dialog(
    /// Base id: the title gets `{id}-title`.
    id: &'static str,
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    children: Children,
) -> impl IntoView {
    let node = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let want = open.get();
        if let Some(dialog) = node.get() {
            if want && !dialog.open() {
                // Fails only if the element is detached; then there is nothing to show.
                let _ = dialog.show_modal();
            } else if !want && dialog.open() {
                dialog.close();
            }
        }
    });
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <dialog
            id=id
            class="dialog glass"
            node_ref=node
            aria-labelledby=labelled_by
            on:close=move |_| open.set(false)
        >
            <div class="dialog-head">
                <h2 id=title_id>{move || title.get()}</h2>
                <button type="button" class="icon-btn" aria-label="Close" on:click=move |_| open.set(false)>
                    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"
                        fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
                        <path d="M6 6l12 12M18 6L6 18" />
                    </svg>
                </button>
            </div>
            {children()}
        </dialog>
    }
}

/// "Are you sure?" for something that cannot be undone. Cancel has the focus first.
#[component]
pub fn ConfirmDialog(
    id: &'static str,
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] message: Signal<String>,
    confirm_label: &'static str,
    on_confirm: Callback<()>,
    /// The confirm button's `data-testid`, when tests need it.
    #[prop(optional)]
    confirm_testid: Option<&'static str>,
) -> impl IntoView {
    view! {
        <Dialog id open title>
            <p>{move || message.get()}</p>
            <div class="actions">
                <button type="button" class="btn ghost" autofocus on:click=move |_| open.set(false)>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="btn danger"
                    data-testid=confirm_testid
                    on:click=move |_| {
                        open.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </button>
            </div>
        </Dialog>
    }
}
