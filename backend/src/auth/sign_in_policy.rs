//! The sign-in rules an admin sets (one `settings` row, `sign_in`): which roles must use
//! two-factor sign-in. Read when a session starts: an account of such a role without a second
//! factor gets a session that may only set one up (and see itself, or sign out) until it has.

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::{Role, SignInSettings};
use serde_json::json;

use crate::audit::{Actor, Event, Outcome};
use crate::auth::{AuthError, AuthState, mfa};
use crate::db;

const KEY: &str = "sign_in";

pub fn load(conn: &mut SqliteConnection) -> QueryResult<SignInSettings> {
    db::settings::get(conn, KEY)
}

/// Whether a session of an account with `role` must set up two-factor sign-in first.
pub fn enrolment_pending(
    conn: &mut SqliteConnection,
    account_id: i64,
    role: Role,
) -> QueryResult<bool> {
    Ok(load(conn)?.mfa_required_roles.contains(&role) && !mfa::required(conn, account_id)?)
}

pub async fn get(auth: &AuthState) -> Result<SignInSettings, AuthError> {
    Ok(db::run(&auth.db, load).await?)
}

/// Saves the rules (roles listed once each, in a fixed order), audited with what changed.
pub async fn save(
    auth: &AuthState,
    actor: &Actor,
    wanted: SignInSettings,
) -> Result<SignInSettings, AuthError> {
    let mut roles = wanted.mfa_required_roles;
    roles.sort_by_key(|r| Role::ALL.iter().position(|a| a == r));
    roles.dedup();
    let saved = SignInSettings {
        mfa_required_roles: roles,
    };
    let (actor, value) = (actor.clone(), saved.clone());
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let before = load(conn)?;
            db::settings::put(conn, KEY, &value)?;
            Event::new("settings.sign_in_update", Outcome::Success, &actor)
                .ip(actor.ip.clone())
                .details(json!({
                    "mfa_required_roles": {
                        "before": before.mfa_required_roles,
                        "after": value.mfa_required_roles,
                    }
                }))
                .insert(conn)
        })
    })
    .await?;
    Ok(saved)
}
