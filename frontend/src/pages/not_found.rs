use crate::api;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card glass">
            <h1>"Page not found"</h1>
            <p class="muted">"There is nothing at this address."</p>
            <A href=api::href("/")>"Back to the dashboard"</A>
        </section>
    }
}
