//! Plexward's web UI: a Leptos single-page app. `app.rs` holds the router, `session.rs` who is
//! signed in, `pages/` the route targets, `components/` the reusable pieces, and `api.rs` all HTTP.

mod activity_text;
mod api;
mod app;
mod components;
mod format;
mod jobs;
mod lead_text;
mod notify_text;
mod pages;
mod passkey_text;
mod plan_text;
mod portal_text;
mod request_text;
mod session;
mod sso_text;
mod template_text;
mod time_zone;
mod webauthn;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
