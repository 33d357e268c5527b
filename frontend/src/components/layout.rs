//! The page frame: brand, the navigation the signed-in role may use, who is signed in, sign-out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use plexward_shared::Permission;

use crate::api;
use crate::session::use_session;

/// One navigation entry, shown only to roles holding `permission` (`None`: every signed-in role).
struct NavItem {
    href: &'static str,
    label: &'static str,
    permission: Option<Permission>,
}

const NAV: [NavItem; 12] = [
    NavItem {
        href: "/",
        label: "Dashboard",
        permission: None,
    },
    NavItem {
        href: "/friends",
        label: "Friends",
        permission: Some(Permission::ViewPlexData),
    },
    NavItem {
        href: "/libraries",
        label: "Libraries",
        permission: Some(Permission::ViewPlexData),
    },
    NavItem {
        href: "/invites",
        label: "Invites",
        permission: Some(Permission::ViewPlexData),
    },
    // Friends' requests from the portal: only for the roles that may answer them.
    NavItem {
        href: "/requests",
        label: "Requests",
        permission: Some(Permission::ManageAccess),
    },
    NavItem {
        href: "/plans",
        label: "Plans",
        permission: Some(Permission::ViewPlexData),
    },
    NavItem {
        href: "/logs",
        label: "Logs",
        permission: Some(Permission::ViewLogs),
    },
    NavItem {
        href: "/audit",
        label: "Audit",
        permission: Some(Permission::ViewAudit),
    },
    NavItem {
        href: "/deliveries",
        label: "Deliveries",
        permission: Some(Permission::ViewAudit),
    },
    NavItem {
        href: "/settings",
        label: "Settings",
        permission: Some(Permission::ViewSettings),
    },
    NavItem {
        href: "/accounts",
        label: "Accounts",
        permission: Some(Permission::ManageAccounts),
    },
    NavItem {
        href: "/account",
        label: "My account",
        permission: None,
    },
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let session = use_session();
    // The full navigation only for a signed-in account that has nothing to do first.
    let ready = move || session.account().is_some() && !session.first_step_due();
    let busy = RwSignal::new(false);
    let sign_out = move |_| {
        busy.set(true);
        spawn_local(async move {
            // Signed out locally whatever the answer: the server ends the session when it can.
            let _ = api::logout().await;
            busy.set(false);
            session.left();
        });
    };
    view! {
        <div class="shell">
            <header class="topbar glass">
                <A href=api::href("/") attr:class="brand">
                    <img src="favicon.svg" alt="" width="28" height="28" />
                    <span>"Plexward"</span>
                </A>
                <Show when=ready>
                    <nav aria-label="Main">
                        <ul class="nav">
                            {NAV
                                .iter()
                                .map(|item| {
                                    let permission = item.permission;
                                    view! {
                                        <Show when=move || permission.is_none_or(|p| session.allows(p))>
                                            <li><A href=api::href(item.href) exact=true>{item.label}</A></li>
                                        </Show>
                                    }
                                })
                                .collect_view()}
                            <li><a href=api::url("/api/docs/") rel="external">"API docs"</a></li>
                        </ul>
                    </nav>
                </Show>
                {move || {
                    session
                        .account()
                        .map(|account| {
                            view! {
                                <div class="user" data-testid="user">
                                    <span class="user-name">{account.username}</span>
                                    <span class="pill role" data-testid="user-role">{account.role.as_str()}</span>
                                    <button
                                        type="button"
                                        class="btn ghost small"
                                        disabled=move || busy.get()
                                        on:click=sign_out
                                    >
                                        "Sign out"
                                    </button>
                                </div>
                            }
                        })
                }}
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}
