//! The router: one `<Route>` per page, inside the session and the shared layout. Every page but
//! sign-in, the forced password change and the forced two-factor setup sits behind `Protected`.
//! The friend portal (`/portal`) is the exception: an app of its own (see [`App`]).

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use plexward_shared::Permission;

use crate::components::layout::Layout;
use crate::pages::{
    account::MyAccount, accounts::Accounts, audit::Audit, change_password::ChangePassword,
    dashboard::Dashboard, deliveries::Deliveries, friend::Friend, friends::Friends,
    inactive::Inactive, invites::Invites, libraries::Libraries, login::Login, logs::Logs,
    not_found::NotFound, notifications::Notifications, plans::Plans, portal::Portal,
    requests::Requests, set_up_two_factor::SetUpTwoFactor, settings::Settings, sso::SingleSignOn,
    templates::Templates,
};
use crate::session::{Protected, SessionProvider};

/// Whether `pathname` is the friend portal's (`/portal` under the `base` path).
fn is_portal(pathname: &str, base: &str) -> bool {
    let inner = pathname.strip_prefix(base).unwrap_or(pathname);
    inner == "/portal" || inner == "/portal/"
}

#[component]
pub fn App() -> impl IntoView {
    // The friend portal is for friends, not Plexward's accounts: it gets neither the session
    // provider (which asks `GET /api/v1/me`, refreshes, and sends a signed-out browser to the
    // sign-in page — a friend has no such session, and a portal session is refused there) nor the
    // admin shell. Decided once, at load: links to it are plain links (a full page load).
    let pathname = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    if is_portal(&pathname, &crate::api::base_path()) {
        return view! { <Portal /> }.into_any();
    }
    view! {
        <Router base=crate::api::base_path()>
            <SessionProvider>
                <Layout>
                    <Routes fallback=|| view! { <Protected><NotFound /></Protected> }>
                        <Route path=path!("/login") view=Login />
                        <Route path=path!("/change-password") view=ChangePassword />
                        <Route path=path!("/set-up-two-factor") view=SetUpTwoFactor />
                        <Route path=path!("/") view=|| view! { <Protected><Dashboard /></Protected> } />
                        <Route path=path!("/account") view=|| view! { <Protected><MyAccount /></Protected> } />
                        <Route
                            path=path!("/friends")
                            view=|| view! { <Protected permission=Permission::ViewPlexData><Friends /></Protected> }
                        />
                        <Route
                            path=path!("/friends/:id")
                            view=|| view! { <Protected permission=Permission::ViewPlexData><Friend /></Protected> }
                        />
                        <Route
                            path=path!("/inactive")
                            view=|| view! { <Protected permission=Permission::ManageAccess><Inactive /></Protected> }
                        />
                        <Route
                            path=path!("/libraries")
                            view=|| view! { <Protected permission=Permission::ViewPlexData><Libraries /></Protected> }
                        />
                        <Route
                            path=path!("/plans")
                            view=|| view! { <Protected permission=Permission::ViewPlexData><Plans /></Protected> }
                        />
                        <Route
                            path=path!("/invites")
                            view=|| view! { <Protected permission=Permission::ViewPlexData><Invites /></Protected> }
                        />
                        <Route
                            path=path!("/requests")
                            view=|| view! { <Protected permission=Permission::ManageAccess><Requests /></Protected> }
                        />
                        <Route
                            path=path!("/logs")
                            view=|| view! { <Protected permission=Permission::ViewLogs><Logs /></Protected> }
                        />
                        <Route
                            path=path!("/audit")
                            view=|| view! { <Protected permission=Permission::ViewAudit><Audit /></Protected> }
                        />
                        <Route
                            path=path!("/deliveries")
                            view=|| view! { <Protected permission=Permission::ViewAudit><Deliveries /></Protected> }
                        />
                        <Route
                            path=path!("/settings")
                            view=|| view! { <Protected permission=Permission::ViewSettings><Settings /></Protected> }
                        />
                        <Route
                            path=path!("/settings/notifications")
                            view=|| view! { <Protected permission=Permission::ViewSettings><Notifications /></Protected> }
                        />
                        <Route
                            path=path!("/settings/templates")
                            view=|| view! { <Protected permission=Permission::ViewSettings><Templates /></Protected> }
                        />
                        <Route
                            path=path!("/settings/sso")
                            view=|| view! { <Protected permission=Permission::ManageAccounts><SingleSignOn /></Protected> }
                        />
                        <Route
                            path=path!("/accounts")
                            view=|| view! { <Protected permission=Permission::ManageAccounts><Accounts /></Protected> }
                        />
                    </Routes>
                </Layout>
            </SessionProvider>
        </Router>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::is_portal;

    #[test]
    fn the_portal_is_told_apart_under_the_base_path() {
        assert!(is_portal("/portal", ""));
        assert!(is_portal("/portal/", ""));
        assert!(is_portal("/plexward/portal", "/plexward"));
        assert!(!is_portal("/portals", ""));
        assert!(!is_portal("/friends/7", ""));
        assert!(!is_portal("/plexward/friends", "/plexward"));
        assert!(!is_portal("/", ""));
    }
}
