//! An example body for every JSON request body in the OpenAPI document, added in one place:
//! Swagger UI's "Try it out" starts from it, generated clients show it, and the walk over every
//! operation in tests/api/unknown_query.rs sends it. Each one is checked against its DTO below,
//! so an example cannot drift from what the server accepts.

use serde_json::{Value, json};
use utoipa::openapi::{OpenApi, RefOr};

/// `method path` → its example body.
fn examples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "post /api/v1/auth/login",
            json!({"username": "admin", "password": "violet kettle marching upstream"}),
        ),
        (
            "post /api/v1/auth/mfa",
            json!({"mfa_token": "Vh3…", "code": "123456"}),
        ),
        (
            "post /api/v1/me/mfa/totp/confirm",
            json!({"code": "123456"}),
        ),
        (
            "post /api/v1/me/passkeys",
            json!({
                "ceremony_id": "q7Zk…",
                "name": "Phone",
                "credential": {"id": "AbC…", "rawId": "AbC…", "type": "public-key",
                    "response": {"clientDataJSON": "eyJ…", "attestationObject": "o2N…"}}
            }),
        ),
        (
            "patch /api/v1/me/passkeys/{id}",
            json!({"name": "YubiKey 5C"}),
        ),
        (
            "post /api/v1/auth/passkey",
            json!({
                "ceremony_id": "q7Zk…",
                "credential": {"id": "AbC…", "rawId": "AbC…", "type": "public-key",
                    "response": {"clientDataJSON": "eyJ…", "authenticatorData": "SZY…",
                        "signature": "MEU…", "userHandle": "N2I…"}}
            }),
        ),
        (
            "post /api/v1/auth/mfa/passkey/options",
            json!({"mfa_token": "Vh3…"}),
        ),
        ("put /api/v1/settings/portal", json!({"enabled": true})),
        (
            "put /api/v1/settings/inactivity",
            json!({"enabled": true, "days": 90, "action": "end_access",
                "remind_days_before": 14, "automatic": false}),
        ),
        (
            "post /api/v1/inactivity/apply",
            json!({"friend_ids": [12, 31], "dry_run": true}),
        ),
        (
            "post /api/v1/portal/requests",
            json!({"kind": "extension", "library_id": 2, "period": "month",
                "message": "Could I keep it until the end of the series?"}),
        ),
        (
            "post /api/v1/requests/{id}/approve",
            json!({"period": "P2W", "dry_run": true}),
        ),
        (
            "post /api/v1/requests/{id}/decline",
            json!({"reason": "The server is full this month."}),
        ),
        (
            "delete /api/v1/me/mfa/totp",
            json!({"password": "violet kettle marching upstream"}),
        ),
        (
            "put /api/v1/me/password",
            json!({
                "current_password": "violet kettle marching upstream",
                "new_password": "amber lantern drifting north"
            }),
        ),
        (
            "post /api/v1/me/tokens",
            json!({"name": "nightly-extend", "role": "moderator", "expires_at": "2027-12-31T00:00:00.000Z"}),
        ),
        (
            "post /api/v1/password/strength",
            json!({"password": "amber lantern drifting north", "username": "carol"}),
        ),
        (
            "post /api/v1/accounts",
            json!({"username": "carol", "password": "amber lantern drifting north", "role": "moderator", "must_change_password": true}),
        ),
        ("patch /api/v1/accounts/{id}", json!({"role": "auditor"})),
        (
            "put /api/v1/settings/sso",
            json!({
                "enabled": true,
                "issuer": "https://auth.example.com/application/o/plexward/",
                "client_id": "plexward",
                "client_secret": "s3cr3t-from-the-provider",
                "scopes": ["email", "profile", "groups"],
                "role_mapping": [{"group": "plex-admins", "role": "admin"}, {"group": "plex-mods", "role": "moderator"}],
                "create_unknown_users": true,
                "default_role": null,
                "button_label": "Authentik"
            }),
        ),
        (
            "put /api/v1/settings/sign-in",
            json!({"mfa_required_roles": ["admin", "moderator"]}),
        ),
        (
            "put /api/v1/settings/plex",
            json!({"anchor_library_id": 1, "time_zone": "Europe/Berlin", "drift_policy": "report"}),
        ),
        (
            "put /api/v1/settings/server",
            json!({"port": 5000, "https": "self_signed", "hostnames": ["plexward.lan"]}),
        ),
        (
            "put /api/v1/scheduler",
            json!({"mode": "daily", "daily_at": "03:30"}),
        ),
        (
            "put /api/v1/plex-users/{id}/grants",
            json!({
                "grants": [
                    {"library_id": 1},
                    {"library_id": 2, "starts_at": "2027-01-01T00:00:00.000Z", "ends_at": "2027-02-01T00:00:00.000Z"}
                ],
                "dry_run": true
            }),
        ),
        (
            "post /api/v1/plex-users/{id}/extend",
            json!({"period": "P10D", "dry_run": true}),
        ),
        (
            "put /api/v1/plex-users/{id}/sharing",
            json!({
                "sharing": {
                    "allow_downloads": true,
                    "allow_live_tv": false,
                    "allow_camera_upload": false,
                    "restrictions": {"television": {"allow_ratings": ["TV-Y", "TV-G"]}}
                },
                "dry_run": true
            }),
        ),
        (
            "post /api/v1/notifications/channels",
            json!({
                "kind": "webhook",
                "name": "Scripts",
                "config": {"url": "https://hooks.example.com/plexward"},
                "events": ["access.started", "access.ended", "invite.accepted"]
            }),
        ),
        (
            "put /api/v1/notifications/channels/{id}",
            json!({
                "kind": "ntfy",
                "name": "Phone",
                "config": {"server": "https://ntfy.example.com", "topic": "plexward"},
                "events": ["apply.failed", "access.ending"],
                "enabled": true
            }),
        ),
        (
            "put /api/v1/notifications/settings",
            json!({"reminder_leads_minutes": [10080, 1440], "friend_email_channel_id": null}),
        ),
        (
            "put /api/v1/notifications/templates/{event}",
            json!({
                "subject": "Access ending {{ends_at}}: {{friend}}",
                "body": "{{summary}}{{#if libraries}}\n\nLibraries: {{libraries}}{{/if}}"
            }),
        ),
        (
            "post /api/v1/notifications/templates/preview",
            json!({
                "event": "access.ending",
                "subject": "Access ending {{ends_at}}: {{friend}}",
                "body": "{{friend}} loses {{libraries}} in {{lead}}."
            }),
        ),
        (
            "put /api/v1/plex-users/{id}/notifications",
            json!({"reminder_emails": true, "time_zone": "Europe/Paris"}),
        ),
        (
            "post /api/v1/invites",
            json!({
                "identifier": "cousin@example.com",
                "plan": {"grants": [
                    {"library_id": 1, "duration": "P30D"},
                    {"library_id": 2, "duration": "P30D"}
                ]},
                "note": "Ann's cousin",
                "dry_run": true
            }),
        ),
        (
            "post /api/v1/plans",
            json!({
                "name": "Trial — Movies + TV, 14 days",
                "grants": [
                    {"library_id": 1, "duration": "P14D"},
                    {"library_id": 2, "duration": "P14D"}
                ],
                "end_policy": "remove_share"
            }),
        ),
        (
            "put /api/v1/plans/{id}",
            json!({
                "name": "Trial — Movies + TV, 30 days",
                "grants": [
                    {"library_id": 1, "duration": "P30D"},
                    {"library_id": 2, "starts_after": "P7D", "duration": "P23D"}
                ]
            }),
        ),
        (
            "put /api/v1/plex-users/{id}/end-policy",
            json!({"end_policy": "remove_friend", "dry_run": true}),
        ),
        (
            "post /api/v1/plex-users/bulk",
            json!({
                "friend_ids": [6, 7],
                "action": {"kind": "add_libraries", "library_ids": [3], "ends_at": "2027-03-01T00:00:00.000Z"},
                "dry_run": true
            }),
        ),
        (
            "post /api/v1/grants/import",
            json!({
                "csv": "friend_id,library,starts_at,ends_at\r\n7,Movies,,2027-01-31\r\n7,TV Shows,,\r\n",
                "dry_run": true
            }),
        ),
    ]
}

/// Sets each example on its operation's `application/json` request body.
pub fn add_examples(doc: &mut OpenApi) {
    for (key, example) in examples() {
        let (method, path) = key.split_once(' ').expect("`method path`");
        let Some(item) = doc.paths.paths.get_mut(path) else {
            continue;
        };
        let operation = match method {
            "get" => item.get.as_mut(),
            "put" => item.put.as_mut(),
            "post" => item.post.as_mut(),
            "delete" => item.delete.as_mut(),
            _ => item.patch.as_mut(),
        };
        if let Some(RefOr::T(body)) = operation.and_then(|o| o.request_body.as_mut())
            && let Some(RefOr::T(content)) = body.content.get_mut("application/json")
        {
            content.example = Some(example);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plexward_shared as dto;

    /// Whether `example` fits the body type of `key`.
    fn fits(key: &str, example: &Value) -> Result<(), serde_json::Error> {
        let v = example.clone();
        match key {
            "post /api/v1/auth/login" => serde_json::from_value::<dto::LoginRequest>(v).map(drop),
            "post /api/v1/auth/mfa" => serde_json::from_value::<dto::MfaRequest>(v).map(drop),
            "post /api/v1/me/mfa/totp/confirm" => {
                serde_json::from_value::<dto::TotpConfirmRequest>(v).map(drop)
            }
            "post /api/v1/me/passkeys" => {
                serde_json::from_value::<dto::PasskeyRegisterRequest>(v).map(drop)
            }
            "patch /api/v1/me/passkeys/{id}" => {
                serde_json::from_value::<dto::PasskeyRenameRequest>(v).map(drop)
            }
            "post /api/v1/auth/passkey" => {
                serde_json::from_value::<dto::PasskeyAssertion>(v).map(drop)
            }
            "put /api/v1/settings/portal" => {
                serde_json::from_value::<dto::PortalSettings>(v).map(drop)
            }
            "put /api/v1/settings/inactivity" => {
                serde_json::from_value::<dto::InactivityPolicy>(v).map(drop)
            }
            "post /api/v1/inactivity/apply" => {
                serde_json::from_value::<dto::InactivityApplyRequest>(v).map(drop)
            }
            "post /api/v1/portal/requests" => {
                serde_json::from_value::<dto::NewAccessRequest>(v).map(drop)
            }
            "post /api/v1/requests/{id}/approve" => {
                serde_json::from_value::<dto::ApproveRequest>(v).map(drop)
            }
            "post /api/v1/requests/{id}/decline" => {
                serde_json::from_value::<dto::DeclineRequest>(v).map(drop)
            }
            "post /api/v1/auth/mfa/passkey/options" => {
                serde_json::from_value::<dto::PasskeyMfaOptionsRequest>(v).map(drop)
            }
            "delete /api/v1/me/mfa/totp" => {
                serde_json::from_value::<dto::TotpDisableRequest>(v).map(drop)
            }
            "put /api/v1/me/password" => {
                serde_json::from_value::<dto::ChangePasswordRequest>(v).map(drop)
            }
            "put /api/v1/settings/sso" => {
                serde_json::from_value::<dto::SsoSettingsRequest>(v).map(drop)
            }
            "put /api/v1/settings/sign-in" => {
                serde_json::from_value::<dto::SignInSettings>(v).map(drop)
            }
            "post /api/v1/me/tokens" => {
                serde_json::from_value::<dto::CreateApiTokenRequest>(v).map(drop)
            }
            "post /api/v1/password/strength" => {
                serde_json::from_value::<dto::password::PasswordStrengthRequest>(v).map(drop)
            }
            "post /api/v1/accounts" => {
                serde_json::from_value::<dto::CreateAccountRequest>(v).map(drop)
            }
            "patch /api/v1/accounts/{id}" => {
                serde_json::from_value::<dto::UpdateAccountRequest>(v).map(drop)
            }
            "put /api/v1/settings/plex" => {
                serde_json::from_value::<dto::UpdatePlexSettingsRequest>(v).map(drop)
            }
            "put /api/v1/settings/server" => {
                serde_json::from_value::<dto::UpdateServerSettingsRequest>(v).map(drop)
            }
            "put /api/v1/scheduler" => serde_json::from_value::<dto::ScheduleUpdate>(v).map(drop),
            "put /api/v1/plex-users/{id}/grants" => {
                serde_json::from_value::<dto::SetGrantsRequest>(v).map(drop)
            }
            "post /api/v1/plex-users/{id}/extend" => {
                serde_json::from_value::<dto::ExtendRequest>(v).map(drop)
            }
            "put /api/v1/plex-users/{id}/sharing" => {
                serde_json::from_value::<dto::SetSharingRequest>(v).map(drop)
            }
            "post /api/v1/plex-users/bulk" => {
                serde_json::from_value::<dto::BulkRequest>(v).map(drop)
            }
            "post /api/v1/notifications/channels" | "put /api/v1/notifications/channels/{id}" => {
                serde_json::from_value::<dto::ChannelRequest>(v).map(drop)
            }
            "put /api/v1/notifications/settings" => {
                serde_json::from_value::<dto::NotificationSettings>(v).map(drop)
            }
            "put /api/v1/notifications/templates/{event}" => {
                serde_json::from_value::<dto::TemplateRequest>(v).map(drop)
            }
            "post /api/v1/notifications/templates/preview" => {
                serde_json::from_value::<dto::TemplatePreviewRequest>(v).map(drop)
            }
            "put /api/v1/plex-users/{id}/notifications" => {
                serde_json::from_value::<dto::FriendNotifications>(v).map(drop)
            }
            "post /api/v1/invites" => {
                serde_json::from_value::<dto::CreateInviteRequest>(v).map(drop)
            }
            "post /api/v1/plans" | "put /api/v1/plans/{id}" => {
                serde_json::from_value::<dto::AccessPlanRequest>(v).map(drop)
            }
            "put /api/v1/plex-users/{id}/end-policy" => {
                serde_json::from_value::<dto::SetEndPolicyRequest>(v).map(drop)
            }
            "post /api/v1/grants/import" => {
                serde_json::from_value::<dto::ImportGrantsRequest>(v).map(drop)
            }
            other => panic!("no body type listed for {other}"),
        }
    }

    #[test]
    fn every_example_fits_its_body_type() {
        for (key, example) in examples() {
            fits(key, &example).unwrap_or_else(|e| panic!("{key}: {e}"));
        }
    }

    #[test]
    fn every_json_request_body_has_an_example() {
        let doc = crate::http::openapi_document();
        let json = serde_json::to_value(&doc).expect("serialises");
        let mut missing = Vec::new();
        for (path, item) in json["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("item") {
                let content = &operation["requestBody"]["content"]["application/json"];
                if content.is_object() && content["example"].is_null() {
                    missing.push(format!("{method} {path}"));
                }
            }
        }
        assert!(missing.is_empty(), "no example: {missing:?}");
    }
}
