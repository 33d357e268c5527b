//! Signing in with Plex (`/settings/plex/pin`), the way a newcomer connects: Plexward asks
//! plex.tv for a PIN, the admin approves it on Plex's page, and Plexward gets a token of its own
//! (a new device on the account: revoking it affects no other tool). The token stays here, in
//! memory and never in an answer, until the admin picks a server and saves with `pin_id`
//! (`plex_update`), or until it expires.
//!
//! Our ids are random, not plex.tv's PIN ids: another admin's (or a stranger's) poll cannot
//! guess one, and no more than [`MAX_PENDING`] sign-ins are held at once.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use plexward_shared::{
    PlexConnectionKind, PlexPinStarted, PlexPinState, PlexPinStatus, PlexServerChoice,
    PlexServerConnection, time,
};
use secrecy::SecretString;

use crate::audit::{Actor, Event, Outcome};
use crate::db::DbPool;
use crate::plex::PlexError;
use crate::plex::connection::{PlexConnection, TOKEN_ENV};
use crate::plex::sign_in::{Resource, ResourceConnection};
use crate::settings::SettingsError;

/// Sign-ins held at once; the oldest goes first.
pub const MAX_PENDING: usize = 20;
/// How long an approved sign-in's token waits for a server to be picked.
const AUTHORIZED_FOR_MINUTES: i64 = 30;

/// The sign-ins in progress.
#[derive(Debug, Default)]
pub struct SignIns {
    pending: Mutex<HashMap<String, Pending>>,
}

#[derive(Debug)]
struct Pending {
    plex_pin: u64,
    started: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    /// Once approved: Plexward's new token, whose account and servers.
    authorized: Option<Authorized>,
}

#[derive(Debug, Clone)]
struct Authorized {
    token: SecretString,
    account: String,
    servers: Vec<PlexServerChoice>,
}

impl SignIns {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The token of authorized sign-in `id`, if it is one (it stays until [`Self::forget`]).
    pub fn token(&self, id: &str) -> Option<SecretString> {
        let now = Utc::now();
        self.lock()
            .get(id)
            .filter(|p| p.expires_at > now)
            .and_then(|p| p.authorized.as_ref().map(|a| a.token.clone()))
    }

    /// Drops sign-in `id` (its token was saved).
    pub fn forget(&self, id: &str) {
        self.lock().remove(id);
    }
}

fn unreachable(e: &PlexError) -> SettingsError {
    SettingsError::PlexUnavailable(format!(
        "plex.tv did not give a sign-in code ({e}); try again, or paste a token instead"
    ))
}

/// Starts a sign-in: a PIN from plex.tv and the page the admin approves it on.
pub async fn start(
    sign_ins: &SignIns,
    plex: &PlexConnection,
    pool: &DbPool,
    actor: &Actor,
    ip: Option<String>,
) -> Result<PlexPinStarted, SettingsError> {
    if plex.token_pinned() {
        return Err(SettingsError::field(
            "token",
            format!(
                "is set by environment variable {TOKEN_ENV}; signing in with Plex cannot replace it"
            ),
        ));
    }
    let client = plex.sign_in_client(None).map_err(|e| unreachable(&e))?;
    let pin = client.create_pin().await.map_err(|e| unreachable(&e))?;
    let id = crate::auth::secrets::random_token(22);
    let now = Utc::now();
    {
        let mut pending = sign_ins.lock();
        pending.retain(|_, p| p.expires_at > now);
        while pending.len() >= MAX_PENDING {
            let oldest = pending
                .iter()
                .min_by_key(|(_, p)| p.started)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => pending.remove(&k),
                None => break,
            };
        }
        pending.insert(
            id.clone(),
            Pending {
                plex_pin: pin.id,
                started: now,
                expires_at: pin.expires_at,
                authorized: None,
            },
        );
    }
    Event::new("settings.plex_sign_in", Outcome::Success, actor)
        .target("settings", "plex")
        .ip(ip)
        .details(serde_json::json!({"step": "started"}))
        .record(pool)
        .await;
    Ok(PlexPinStarted {
        auth_url: plex.auth_url(&pin.code),
        code: pin.code,
        expires_at: time::format(&pin.expires_at),
        id,
    })
}

/// Where sign-in `id` stands; asks plex.tv while it waits. `None`: no such sign-in here.
pub async fn status(
    sign_ins: &SignIns,
    plex: &PlexConnection,
    pool: &DbPool,
    actor: &Actor,
    id: &str,
) -> Result<Option<PlexPinStatus>, SettingsError> {
    let now = Utc::now();
    let (plex_pin, expires_at, authorized) = {
        let pending = sign_ins.lock();
        let Some(p) = pending.get(id) else {
            return Ok(None);
        };
        (p.plex_pin, p.expires_at, p.authorized.clone())
    };
    let answer = |state, authorized: Option<&Authorized>| PlexPinStatus {
        state,
        expires_at: time::format(&expires_at),
        account: authorized.map(|a| a.account.clone()),
        servers: authorized.map(|a| a.servers.clone()),
    };
    if expires_at <= now {
        sign_ins.forget(id);
        return Ok(Some(answer(PlexPinState::Expired, None)));
    }
    if let Some(a) = authorized {
        return Ok(Some(answer(PlexPinState::Authorized, Some(&a))));
    }
    let client = plex.sign_in_client(None).map_err(|e| unreachable(&e))?;
    let token = match client.pin(plex_pin).await {
        Ok(pin) => pin.auth_token,
        // plex.tv forgets expired PINs.
        Err(PlexError::NotFound { .. }) => {
            sign_ins.forget(id);
            return Ok(Some(answer(PlexPinState::Expired, None)));
        }
        Err(e) => return Err(unreachable(&e)),
    };
    let Some(token) = token else {
        return Ok(Some(answer(PlexPinState::Waiting, None)));
    };
    let with_token = plex
        .sign_in_client(Some(token.clone()))
        .map_err(|e| unreachable(&e))?;
    let account = with_token.account().await.map_err(|e| unreachable(&e))?;
    let resources = with_token.resources().await.map_err(|e| unreachable(&e))?;
    let authorized = Authorized {
        token,
        account: account.username.clone(),
        servers: server_choices(resources),
    };
    {
        let mut pending = sign_ins.lock();
        if let Some(p) = pending.get_mut(id) {
            p.expires_at = now + Duration::minutes(AUTHORIZED_FOR_MINUTES);
            p.authorized = Some(authorized.clone());
        }
    }
    Event::new("settings.plex_sign_in", Outcome::Success, actor)
        .target("settings", "plex")
        .details(serde_json::json!({
            "step": "authorized",
            "account": account.username,
            "servers": authorized.servers.len(),
        }))
        .record(pool)
        .await;
    tracing::info!(account = %account.username, servers = authorized.servers.len(), "signed in with Plex");
    Ok(Some(answer(PlexPinState::Authorized, Some(&authorized))))
}

/// The servers the account owns, online ones first, each with its connections best first.
pub fn server_choices(resources: Vec<Resource>) -> Vec<PlexServerChoice> {
    let mut servers: Vec<PlexServerChoice> = resources
        .into_iter()
        .filter(|r| r.is_server && r.owned)
        .map(|r| {
            let mut connections: Vec<PlexServerConnection> =
                r.connections.iter().map(connection).collect();
            connections.sort_by_key(rank);
            connections.dedup_by(|a, b| a.uri == b.uri);
            if let Some(best) = connections.first_mut() {
                best.recommended = true;
            }
            PlexServerChoice {
                name: r.name,
                machine_id: r.machine_id.to_string(),
                version: r.product_version,
                online: r.presence,
                connections,
            }
        })
        .collect();
    servers.sort_by_key(|s| (!s.online, s.name.to_lowercase()));
    servers
}

fn connection(c: &ResourceConnection) -> PlexServerConnection {
    PlexServerConnection {
        uri: c.uri.clone(),
        kind: match (c.relay, c.local) {
            (true, _) => PlexConnectionKind::Relay,
            (false, true) => PlexConnectionKind::Local,
            (false, false) => PlexConnectionKind::Remote,
        },
        secure: c.protocol.eq_ignore_ascii_case("https") || c.uri.starts_with("https://"),
        recommended: false,
    }
}

/// Local before remote before relay (Plexward usually runs beside the server; the relay is
/// slow and size-limited); within each, https first.
fn rank(c: &PlexServerConnection) -> (u8, bool) {
    let kind = match c.kind {
        PlexConnectionKind::Local => 0,
        PlexConnectionKind::Remote => 1,
        PlexConnectionKind::Relay => 2,
    };
    (kind, !c.secure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plex::MachineId;

    fn conn(uri: &str, local: bool, relay: bool) -> ResourceConnection {
        ResourceConnection {
            uri: uri.into(),
            protocol: uri.split(':').next().unwrap_or_default().into(),
            local,
            relay,
        }
    }

    fn resource(
        name: &str,
        owned: bool,
        server: bool,
        connections: Vec<ResourceConnection>,
    ) -> Resource {
        Resource {
            name: name.into(),
            machine_id: MachineId::new(format!(
                "mid-{}",
                name.replace(|c: char| !c.is_ascii_alphanumeric(), "")
            ))
            .expect("id"),
            product_version: "1.41".into(),
            owned,
            is_server: server,
            presence: true,
            connections,
        }
    }

    #[test]
    fn owned_servers_only_with_local_https_recommended() {
        let choices = server_choices(vec![
            resource(
                "Home",
                true,
                true,
                vec![
                    conn("https://relay.plex.direct:8443", false, true),
                    conn("http://10.0.0.2:32400", true, false),
                    conn("https://1-2-3-4.x.plex.direct:32400", false, false),
                    conn("https://10-0-0-2.x.plex.direct:32400", true, false),
                ],
            ),
            resource(
                "Friend's",
                false,
                true,
                vec![conn("http://9.9.9.9:32400", false, false)],
            ),
            resource("Phone", true, false, vec![]),
        ]);
        assert_eq!(choices.len(), 1);
        let uris: Vec<(&str, PlexConnectionKind, bool)> = choices[0]
            .connections
            .iter()
            .map(|c| (c.uri.as_str(), c.kind, c.recommended))
            .collect();
        assert_eq!(
            uris,
            vec![
                (
                    "https://10-0-0-2.x.plex.direct:32400",
                    PlexConnectionKind::Local,
                    true
                ),
                ("http://10.0.0.2:32400", PlexConnectionKind::Local, false),
                (
                    "https://1-2-3-4.x.plex.direct:32400",
                    PlexConnectionKind::Remote,
                    false
                ),
                (
                    "https://relay.plex.direct:8443",
                    PlexConnectionKind::Relay,
                    false
                ),
            ]
        );
    }

    #[test]
    fn a_server_reachable_only_through_the_relay_still_gets_a_recommendation() {
        let choices = server_choices(vec![resource(
            "Far",
            true,
            true,
            vec![conn("https://relay.plex.direct:8443", false, true)],
        )]);
        assert!(choices[0].connections[0].recommended);
        assert_eq!(choices[0].connections[0].kind, PlexConnectionKind::Relay);
    }
}
