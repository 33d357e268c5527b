//! Accounts.

use leptos::prelude::*;

#[component]
pub fn Accounts() -> impl IntoView {
    view! { <h1 class="page-title">"Accounts"</h1> }
}
