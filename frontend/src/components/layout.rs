//! The page frame: brand, navigation and the content area.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <div class="shell">
            <header class="topbar glass">
                <A href="/" attr:class="brand">
                    <img src="/favicon.svg" alt="" width="28" height="28" />
                    <span>"Plexward"</span>
                </A>
                <nav aria-label="Main">
                    <ul class="nav">
                        <li><A href="/">"Dashboard"</A></li>
                        <li><a href="/api/docs/" rel="external">"API docs"</a></li>
                    </ul>
                </nav>
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}
