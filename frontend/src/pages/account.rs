//! My account.

use leptos::prelude::*;

#[component]
pub fn MyAccount() -> impl IntoView {
    view! { <h1 class="page-title">"My account"</h1> }
}
