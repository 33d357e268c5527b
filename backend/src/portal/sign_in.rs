//! A friend signs in with Plex (spec §2.6): Plexward asks plex.tv for a PIN, the friend approves
//! it on Plex's page with their own account, and Plexward reads who that account is (`GET
//! /api/v2/user` with the new token) — then forgets the token: it is never stored or used for
//! anything else. A plex.tv account that is one of this server's friends gets a portal session;
//! any other gets a polite refusal and nothing else.
//!
//! Our sign-in ids are random (a stranger's poll cannot guess one), held in memory for the PIN's
//! life (a restart asks the friend to start again), at most [`MAX_PENDING`] at once.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use plexward_shared::{PortalSignInStarted, PortalSignInState};
use serde_json::json;

use crate::audit::{Actor, Event, Outcome};
use crate::db::{self, DbPool};
use crate::plex::PlexError;
use crate::plex::connection::PlexConnection;
use crate::portal::sessions::{self, Client};
use crate::portal::{PortalError, settings};

/// Sign-ins held at once; the oldest goes first.
pub const MAX_PENDING: usize = 200;

/// The portal sign-ins in progress: our id → plex.tv's PIN.
#[derive(Debug, Default)]
pub struct PortalSignIns {
    pending: Mutex<HashMap<String, Pending>>,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    plex_pin: u64,
    started: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl PortalSignIns {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn remember(&self, id: String, pending: Pending) {
        let mut all = self.lock();
        let now = Utc::now();
        all.retain(|_, p| p.expires_at > now);
        while all.len() >= MAX_PENDING {
            let Some(oldest) = all
                .iter()
                .min_by_key(|(_, p)| p.started)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            all.remove(&oldest);
        }
        all.insert(id, pending);
    }

    fn get(&self, id: &str) -> Option<Pending> {
        self.lock().get(id).copied()
    }

    fn forget(&self, id: &str) {
        self.lock().remove(id);
    }
}

fn unreachable(e: &PlexError) -> PortalError {
    PortalError::PlexUnavailable(format!("Plex did not answer ({e}); try again in a minute."))
}

async fn ensure_on(pool: &DbPool) -> Result<(), PortalError> {
    if db::run(pool, settings::load).await?.enabled {
        Ok(())
    } else {
        Err(PortalError::Off)
    }
}

/// Starts a sign-in: a PIN from plex.tv and the Plex page the friend approves it on.
pub async fn start(
    sign_ins: &PortalSignIns,
    plex: &PlexConnection,
    pool: &DbPool,
) -> Result<PortalSignInStarted, PortalError> {
    ensure_on(pool).await?;
    let client = plex.sign_in_client(None).map_err(|e| unreachable(&e))?;
    let pin = client.create_pin().await.map_err(|e| unreachable(&e))?;
    let id = crate::auth::secrets::random_token(22);
    sign_ins.remember(
        id.clone(),
        Pending {
            plex_pin: pin.id,
            started: Utc::now(),
            expires_at: pin.expires_at,
        },
    );
    Ok(PortalSignInStarted {
        auth_url: plex.auth_url(&pin.code),
        code: pin.code,
        expires_at: pin.expires_at,
        id,
    })
}

/// Where sign-in `id` stands (asking plex.tv while it waits); with the new session's token once
/// a friend approved it. Audited once it is decided (`portal.sign_in`).
pub async fn status(
    sign_ins: &PortalSignIns,
    plex: &PlexConnection,
    pool: &DbPool,
    id: &str,
    client: &Client,
) -> Result<(PortalSignInState, Option<String>), PortalError> {
    ensure_on(pool).await?;
    let Some(pending) = sign_ins.get(id) else {
        return Ok((PortalSignInState::Expired, None));
    };
    if pending.expires_at <= Utc::now() {
        sign_ins.forget(id);
        return Ok((PortalSignInState::Expired, None));
    }
    let asker = plex.sign_in_client(None).map_err(|e| unreachable(&e))?;
    let token = match asker.pin(pending.plex_pin).await {
        Ok(pin) => pin.auth_token,
        Err(PlexError::NotFound { .. }) => {
            sign_ins.forget(id);
            return Ok((PortalSignInState::Expired, None));
        }
        Err(e) => return Err(unreachable(&e)),
    };
    let Some(token) = token else {
        return Ok((PortalSignInState::Waiting, None));
    };
    // Who approved it; the token goes out of scope right after (never stored).
    let account = plex
        .sign_in_client(Some(token))
        .map_err(|e| unreachable(&e))?
        .account()
        .await
        .map_err(|e| unreachable(&e))?;
    sign_ins.forget(id);
    let plex_account = i64::try_from(account.id.0).unwrap_or(-1);
    let (client, now) = (client.clone(), db::time::now_ms());
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let friend = db::portal_sessions::friend_of_account(conn, plex_account)?;
            let actor = Actor::anonymous(Some(&account.username));
            let Some(friend) = friend else {
                Event::new("portal.sign_in", Outcome::Denied, &actor)
                    .ip(client.ip.clone())
                    .details(json!({"reason": "not a friend of this server", "plex_account_id": plex_account}))
                    .insert(conn)?;
                return Ok((PortalSignInState::NotAFriend, None));
            };
            let token = sessions::start(conn, friend, &client, now)?;
            Event::new("portal.sign_in", Outcome::Success, &actor)
                .target("plex_user", friend)
                .ip(client.ip.clone())
                .details(json!({"plex_account_id": plex_account}))
                .insert(conn)?;
            Ok((PortalSignInState::SignedIn, Some(token)))
        })
    })
    .await
    .map_err(PortalError::from)
}
