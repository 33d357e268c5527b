//! The recovery codes, shown the one time the server gives them: when an account's first second
//! factor is set up, an authenticator app (`totp_setup.rs`) or a passkey (`passkeys.rs`). Copy,
//! download, and "I have saved them", after which they are gone from the page.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::secret_dialog::copy_to_clipboard;
use crate::components::totp_setup::{recovery_codes_file, text_data_uri};

#[component]
pub fn RecoveryCodes(
    /// The account's name (for the file).
    #[prop(into)]
    username: Signal<String>,
    codes: Vec<String>,
    /// What they are for, one sentence: "If you lose your phone, each of these …".
    if_lost: &'static str,
    /// The user has saved them: the caller hides them.
    on_saved: Callback<()>,
) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let text = codes.join("\n");
    let copy_codes = move |_| {
        let text = text.clone();
        spawn_local(async move {
            let status = if copy_to_clipboard(&text).await {
                "Copied to the clipboard."
            } else {
                "The browser gives no clipboard here: download them, or select and copy them."
            };
            copied.try_set(Some(status));
        });
    };
    let file = text_data_uri(&recovery_codes_file(&username.get_untracked(), &codes));
    view! {
        <div class="two-factor-codes">
            <p class="alert success" role="status">"Two-factor sign-in is on."</p>
            <h3>"Your recovery codes"</h3>
            <p class="warning-text">"Save them now: you won't see them again."</p>
            <p class="hint">
                {if_lost}
                " Copy them or download them as a file, and keep them somewhere safe, like a \
                 password manager."
            </p>
            <ol class="recovery-codes" data-testid="recovery-codes">
                {codes
                    .into_iter()
                    .map(|c| view! { <li><code>{c}</code></li> })
                    .collect_view()}
            </ol>
            <p class="hint" role="status" aria-live="polite">{move || copied.get()}</p>
            <div class="actions">
                <button type="button" class="btn ghost" on:click=copy_codes>"Copy"</button>
                <a class="btn ghost" href=file download="plexward-recovery-codes.txt">"Download"</a>
                <button type="button" class="btn" on:click=move |_| on_saved.run(())>"I have saved them"</button>
            </div>
        </div>
    }
}
