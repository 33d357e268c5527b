//! Portal sessions: a random token in an HttpOnly cookie, stored hashed, 7 days; each names one
//! friend and nothing else.

use crate::auth::secrets;
use crate::db::portal_sessions::{self as rows, NewPortalSession};
use crate::db::{self, DbPool};
use crate::portal::{PortalError, settings};

/// How long a portal session lasts.
pub const SESSION_MS: i64 = 7 * 24 * 3_600_000;

/// Who opened a session, as the socket tells.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Starts a session for friend `plex_user_id`: its token (for the cookie).
pub fn start(
    conn: &mut diesel::SqliteConnection,
    plex_user_id: i64,
    client: &Client,
    now: i64,
) -> diesel::QueryResult<String> {
    let token = secrets::random_token(43);
    rows::insert(
        conn,
        &NewPortalSession {
            token_hash: &secrets::token_hash(&token),
            plex_user_id,
            ip: client.ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + SESSION_MS,
        },
    )?;
    Ok(token)
}

/// The friend the session `token` belongs to, while the portal is on and the friend is still
/// one of this server's.
pub async fn friend_of(pool: &DbPool, token: &str, now: i64) -> Result<i64, PortalError> {
    let hash = secrets::token_hash(token);
    db::run(pool, move |conn| {
        if !settings::load(conn)?.enabled {
            return Ok(Err(PortalError::Off));
        }
        let Some(friend) = rows::touch(conn, &hash, now)? else {
            return Ok(Err(PortalError::Unauthenticated));
        };
        // A friend who left the server keeps nothing here.
        let still = rows::friend_is_current(conn, friend)?;
        Ok(if still {
            Ok(friend)
        } else {
            rows::delete(conn, &hash)?;
            Err(PortalError::Unauthenticated)
        })
    })
    .await?
}

/// Ends the session `token` (signing out).
pub async fn end(pool: &DbPool, token: &str) -> Result<(), PortalError> {
    let hash = secrets::token_hash(token);
    db::run(pool, move |conn| rows::delete(conn, &hash)).await?;
    Ok(())
}
