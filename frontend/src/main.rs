//! Plexward's web UI: a Leptos single-page app. `app.rs` holds the router, `pages/` the route
//! targets, `components/` the reusable pieces, and `api.rs` all HTTP.

mod api;
mod app;
mod components;
mod pages;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
