//! The route × role matrix: every operation of the OpenAPI document must be listed here with who
//! may call it, and every role (and anonymous callers) is tried against every operation.

use plexward_shared::{Permission, Role};
use reqwest::Method;

use crate::helpers::{GOOD_PASSWORD, spawn_app};

#[derive(Debug, Clone, Copy)]
enum Access {
    Public,
    /// Any signed-in role (own account).
    Signed,
    /// Needs the SPA's refresh cookie: 401 for everyone without it.
    RefreshCookie,
    /// The friend portal's sign-in: anyone while the portal is on.
    Portal,
    /// A friend's portal session only (no account, no token).
    Friend,
    Needs(Permission),
}

/// Who may call what. A new endpoint fails this test until it is listed.
const MATRIX: &[(&str, &str, Access)] = &[
    ("GET", "/api/v1/health", Access::Public),
    ("GET", "/api/v1/openapi.json", Access::Public),
    ("POST", "/api/v1/auth/login", Access::Public),
    ("POST", "/api/v1/auth/mfa", Access::Public),
    ("POST", "/api/v1/auth/mfa/passkey/options", Access::Public),
    ("POST", "/api/v1/auth/passkey/options", Access::Public),
    ("POST", "/api/v1/auth/passkey", Access::Public),
    ("GET", "/api/v1/auth/sso", Access::Public),
    ("GET", "/api/v1/auth/sso/start", Access::Public),
    ("GET", "/api/v1/auth/sso/callback", Access::Public),
    (
        "GET",
        "/api/v1/settings/sso",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "PUT",
        "/api/v1/settings/sso",
        Access::Needs(Permission::ManageAccounts),
    ),
    ("GET", "/api/v1/me/mfa", Access::Signed),
    ("POST", "/api/v1/me/mfa/totp", Access::Signed),
    ("POST", "/api/v1/me/mfa/totp/confirm", Access::Signed),
    ("DELETE", "/api/v1/me/mfa/totp", Access::Signed),
    ("GET", "/api/v1/me/passkeys", Access::Signed),
    ("POST", "/api/v1/me/passkeys/registration", Access::Signed),
    ("POST", "/api/v1/me/passkeys", Access::Signed),
    ("PATCH", "/api/v1/me/passkeys/{id}", Access::Signed),
    ("DELETE", "/api/v1/me/passkeys/{id}", Access::Signed),
    ("GET", "/api/v1/me/sessions", Access::Signed),
    ("DELETE", "/api/v1/me/sessions", Access::Signed),
    ("DELETE", "/api/v1/me/sessions/{id}", Access::Signed),
    (
        "DELETE",
        "/api/v1/accounts/{id}/mfa",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/api/v1/accounts/{id}/sessions",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "DELETE",
        "/api/v1/accounts/{id}/sessions",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "DELETE",
        "/api/v1/accounts/{id}/sessions/{session}",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/api/v1/settings/sign-in",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "PUT",
        "/api/v1/settings/sign-in",
        Access::Needs(Permission::ManageAccounts),
    ),
    ("POST", "/api/v1/auth/refresh", Access::RefreshCookie),
    ("GET", "/api/v1/me", Access::Signed),
    ("PUT", "/api/v1/me/password", Access::Signed),
    ("POST", "/api/v1/password/strength", Access::Signed),
    ("GET", "/api/v1/me/tokens", Access::Signed),
    ("POST", "/api/v1/me/tokens", Access::Signed),
    ("DELETE", "/api/v1/me/tokens/{id}", Access::Signed),
    (
        "GET",
        "/api/v1/tokens",
        Access::Needs(Permission::ManageAllTokens),
    ),
    (
        "DELETE",
        "/api/v1/tokens/{id}",
        Access::Needs(Permission::ManageAllTokens),
    ),
    (
        "GET",
        "/api/v1/accounts",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/api/v1/accounts",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/api/v1/accounts/{id}",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "PATCH",
        "/api/v1/accounts/{id}",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "DELETE",
        "/api/v1/accounts/{id}",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/api/v1/settings/plex",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "PUT",
        "/api/v1/settings/plex",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "POST",
        "/api/v1/settings/plex/test",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "POST",
        "/api/v1/settings/plex/pin",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "GET",
        "/api/v1/settings/plex/pin/{id}",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "GET",
        "/api/v1/settings/server",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "PUT",
        "/api/v1/settings/server",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "POST",
        "/api/v1/settings/server/certificate",
        Access::Needs(Permission::ManageSettings),
    ),
    // Refused with 409 here: the test app runs without the serve loop that could restart it.
    (
        "POST",
        "/api/v1/system/restart",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "GET",
        "/api/v1/system/backups",
        Access::Needs(Permission::ManageBackups),
    ),
    (
        "POST",
        "/api/v1/system/backups",
        Access::Needs(Permission::ManageBackups),
    ),
    (
        "GET",
        "/api/v1/system/backups/{name}",
        Access::Needs(Permission::ManageBackups),
    ),
    (
        "DELETE",
        "/api/v1/system/backups/{name}",
        Access::Needs(Permission::ManageBackups),
    ),
    (
        "POST",
        "/api/v1/system/backups/{name}/restore",
        Access::Needs(Permission::ManageBackups),
    ),
    (
        "POST",
        "/api/v1/system/restore",
        Access::Needs(Permission::ManageBackups),
    ),
    (
        "GET",
        "/api/v1/libraries",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "GET",
        "/api/v1/plex-users",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "GET",
        "/api/v1/plex-users/{id}",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "PUT",
        "/api/v1/plex-users/{id}/grants",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "POST",
        "/api/v1/plex-users/{id}/extend",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "PUT",
        "/api/v1/plex-users/{id}/sharing",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "PUT",
        "/api/v1/plex-users/{id}/end-policy",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "GET",
        "/api/v1/notifications/channels",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "POST",
        "/api/v1/notifications/channels",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "GET",
        "/api/v1/notifications/channels/{id}",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "PUT",
        "/api/v1/notifications/channels/{id}",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "DELETE",
        "/api/v1/notifications/channels/{id}",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "POST",
        "/api/v1/notifications/channels/{id}/test",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "GET",
        "/api/v1/notifications/deliveries",
        Access::Needs(Permission::ViewAudit),
    ),
    (
        "GET",
        "/api/v1/notifications/settings",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "PUT",
        "/api/v1/notifications/settings",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "POST",
        "/api/v1/notifications/deliveries/{id}/resend",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "GET",
        "/api/v1/notifications/templates",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "POST",
        "/api/v1/notifications/templates/preview",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "PUT",
        "/api/v1/notifications/templates/{event}",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "DELETE",
        "/api/v1/notifications/templates/{event}",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "GET",
        "/api/v1/plex-users/{id}/notifications",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "PUT",
        "/api/v1/plex-users/{id}/notifications",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "GET",
        "/api/v1/invites",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "POST",
        "/api/v1/invites",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "GET",
        "/api/v1/invites/{id}",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "DELETE",
        "/api/v1/invites/{id}",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "POST",
        "/api/v1/invites/{id}/resend",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "GET",
        "/api/v1/plans",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "POST",
        "/api/v1/plans",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "GET",
        "/api/v1/plans/{id}",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "PUT",
        "/api/v1/plans/{id}",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "DELETE",
        "/api/v1/plans/{id}",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "POST",
        "/api/v1/plex-users/bulk",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "GET",
        "/api/v1/plex-users/{id}/history",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "GET",
        "/api/v1/summary",
        Access::Needs(Permission::ViewPlexData),
    ),
    ("POST", "/api/v1/sync", Access::Needs(Permission::RunSync)),
    (
        "GET",
        "/api/v1/scheduler",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "PUT",
        "/api/v1/scheduler",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "POST",
        "/api/v1/scheduler/run",
        Access::Needs(Permission::RunSync),
    ),
    (
        "GET",
        "/api/v1/jobs/{id}",
        Access::Needs(Permission::ViewPlexData),
    ),
    ("GET", "/api/v1/audit", Access::Needs(Permission::ViewAudit)),
    (
        "GET",
        "/api/v1/audit/actions",
        Access::Needs(Permission::ViewAudit),
    ),
    (
        "GET",
        "/api/v1/audit/export",
        Access::Needs(Permission::ExportAudit),
    ),
    (
        "GET",
        "/api/v1/audit/stream",
        Access::Needs(Permission::ViewAudit),
    ),
    (
        "GET",
        "/api/v1/grants/export",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "POST",
        "/api/v1/grants/import",
        Access::Needs(Permission::ManageAccess),
    ),
    ("GET", "/api/v1/logs", Access::Needs(Permission::ViewLogs)),
    (
        "GET",
        "/api/v1/logs/download",
        Access::Needs(Permission::DownloadLogs),
    ),
    (
        "GET",
        "/api/v1/logs/stream",
        Access::Needs(Permission::ViewLogs),
    ),
    // Last: it ends the sessions the rows above use.
    ("GET", "/api/v1/portal", Access::Public),
    ("POST", "/api/v1/portal/sign-in", Access::Portal),
    ("GET", "/api/v1/portal/sign-in/{id}", Access::Portal),
    ("GET", "/api/v1/portal/me", Access::Friend),
    ("GET", "/api/v1/portal/requests", Access::Friend),
    ("POST", "/api/v1/portal/requests", Access::Friend),
    ("DELETE", "/api/v1/portal/requests/{id}", Access::Friend),
    ("POST", "/api/v1/portal/sign-out", Access::Friend),
    (
        "GET",
        "/api/v1/plex-users/{id}/activity",
        Access::Needs(Permission::ViewPlexData),
    ),
    (
        "GET",
        "/api/v1/settings/inactivity",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "PUT",
        "/api/v1/settings/inactivity",
        Access::Needs(Permission::ManageSettings),
    ),
    (
        "GET",
        "/api/v1/inactivity",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "POST",
        "/api/v1/inactivity/apply",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "GET",
        "/api/v1/requests",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "POST",
        "/api/v1/requests/{id}/approve",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "POST",
        "/api/v1/requests/{id}/decline",
        Access::Needs(Permission::ManageAccess),
    ),
    (
        "GET",
        "/api/v1/settings/portal",
        Access::Needs(Permission::ViewSettings),
    ),
    (
        "PUT",
        "/api/v1/settings/portal",
        Access::Needs(Permission::ManageSettings),
    ),
    // Last: it signs each caller out.
    ("POST", "/api/v1/auth/logout", Access::Public),
];

/// A friend of the server with a portal session (the portal switched on): its cookie. Each
/// call makes a new session, so signing one out leaves the others.
async fn friend_cookie(app: &crate::helpers::TestApp) -> String {
    plexward::db::run(&app.db, |conn| {
        plexward::portal::settings::save_now(
            conn,
            &plexward_shared::PortalSettings {
                enabled: true,
                ..Default::default()
            },
        )?;
        let seen = plexward::db::plex_users::SeenFriend {
            plex_user_id: 424_242,
            title: "Matrix Friend".into(),
            username: Some("matrix-friend".into()),
            email: None,
            thumb: None,
            home: false,
            share_id: None,
            share_pending: false,
            actual_keys: Vec::new(),
            sharing: None,
        };
        plexward::db::plex_users::upsert(conn, &seen, plexward::db::time::now_ms())?;
        let friend =
            plexward::db::portal_sessions::friend_of_account(conn, 424_242)?.expect("the friend");
        plexward::portal::sessions::start(
            conn,
            friend,
            &plexward::portal::sessions::Client::default(),
            plexward::db::time::now_ms(),
        )
    })
    .await
    .map(|token| format!("pw_portal={token}"))
    .expect("a portal session")
}

fn operations(doc: &serde_json::Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_route_is_in_the_matrix_and_the_matrix_holds_for_every_role() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("doc");
    let ops = operations(&doc);
    for (method, path) in &ops {
        assert!(
            MATRIX.iter().any(|(m, p, _)| m == method && p == path),
            "{method} {path} is not in the permission matrix: add it"
        );
    }
    assert_eq!(
        ops.len(),
        MATRIX.len(),
        "the matrix lists routes that no longer exist"
    );

    let mut tokens = Vec::new();
    for role in Role::ALL {
        let name = format!("matrix-{}", role.as_str());
        app.create_account(&name, role.as_str(), false).await;
        tokens.push((role, app.login(&name, GOOD_PASSWORD).await.token));
    }

    let friend = friend_cookie(&app).await;
    for (method, path, access) in MATRIX {
        let url = path
            .replace("{id}", "999999")
            .replace("{event}", "access.ending")
            .replace("{session}", "no-such-session");
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let anonymous = app
            .client
            .request(method.clone(), app.url(&url))
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("sent")
            .status();
        match access {
            Access::Public | Access::Portal => assert!(
                anonymous != 401 && anonymous != 403,
                "{method} {path} anonymous: {anonymous}"
            ),
            _ => assert_eq!(
                anonymous, 401,
                "{method} {path} must refuse anonymous callers"
            ),
        }
        for (role, token) in &tokens {
            let status = app
                .bearer(method.clone(), &url, token)
                .json(&serde_json::json!({}))
                .send()
                .await
                .expect("sent")
                .status();
            let allowed = match access {
                Access::Public | Access::Portal | Access::Signed => true,
                Access::RefreshCookie | Access::Friend => {
                    assert_eq!(status, 401, "{method} {path} without the cookie");
                    continue;
                }
                Access::Needs(p) => role.allows(*p),
            };
            if allowed {
                assert!(
                    status != 401 && status != 403,
                    "{method} {path} as {role:?}: {status}"
                );
            } else {
                assert_eq!(status, 403, "{method} {path} as {role:?} must be forbidden");
            }
        }
        // A friend's portal session: the portal, and 403 everywhere else.
        let cookie = if *path == "/api/v1/portal/sign-out" {
            friend_cookie(&app).await
        } else {
            friend.clone()
        };
        let status = app
            .with_cookie(method.clone(), &url, &cookie)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("sent")
            .status();
        match access {
            Access::Public | Access::Portal | Access::Friend => assert!(
                status != 401 && status != 403,
                "{method} {path} as a friend: {status}"
            ),
            Access::RefreshCookie => assert_eq!(status, 401, "{method} {path} as a friend"),
            Access::Signed | Access::Needs(_) => {
                assert_eq!(status, 403, "{method} {path} as a friend must be forbidden");
            }
        }
    }
}
