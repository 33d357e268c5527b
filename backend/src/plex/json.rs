//! The one JSON body the client reads: plex.tv `GET /api/v2/user` with
//! `Accept: application/json` (spec §2.3.1 recommends JSON for the token check). `authToken`
//! is in that body too; it is simply not a field here, so it is never kept.

use serde::Deserialize;

use super::models::{Account, UserId};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserJson {
    id: u64,
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    subscription: Option<SubscriptionJson>,
}

#[derive(Deserialize)]
struct SubscriptionJson {
    #[serde(default)]
    active: bool,
    #[serde(default)]
    status: Option<String>,
}

/// Parses the account; the error message names the problem, never the body.
pub fn account(body: &str) -> Result<Account, String> {
    let u: UserJson = serde_json::from_str(body).map_err(|e| format!("account JSON: {e}"))?;
    Ok(Account {
        id: UserId(u.id),
        uuid: u.uuid.unwrap_or_default(),
        username: u.username.unwrap_or_default(),
        email: u.email.unwrap_or_default(),
        title: u.title.unwrap_or_default(),
        plex_pass: u.subscription.as_ref().is_some_and(|s| s.active),
        subscription_status: u.subscription.and_then(|s| s.status),
    })
}
