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

/// The rules, `local_sign_in` always filled in.
pub fn load(conn: &mut SqliteConnection) -> QueryResult<SignInSettings> {
    let mut rules: SignInSettings = db::settings::get(conn, KEY)?;
    rules.local_sign_in = Some(rules.local_sign_in.unwrap_or(true));
    Ok(rules)
}

/// Whether the password form signs people in.
pub fn local_sign_in(conn: &mut SqliteConnection) -> QueryResult<bool> {
    Ok(load(conn)?.local_sign_in != Some(false))
}

/// Turns the password form back on (the command-line reset: it must always let you in).
pub fn allow_local_sign_in(conn: &mut SqliteConnection) -> QueryResult<bool> {
    let mut rules = load(conn)?;
    let was_off = rules.local_sign_in == Some(false);
    rules.local_sign_in = Some(true);
    db::settings::put(conn, KEY, &rules)?;
    Ok(was_off)
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
    let actor = actor.clone();
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let before = load(conn)?;
            let local = wanted.local_sign_in.or(before.local_sign_in);
            if local == Some(false) && !crate::auth::sso::an_admin_can_sign_in(conn)? {
                return Ok(Err(AuthError::SsoAdminRequired));
            }
            let value = SignInSettings {
                mfa_required_roles: roles,
                local_sign_in: local,
            };
            db::settings::put(conn, KEY, &value)?;
            Event::new("settings.sign_in_update", Outcome::Success, &actor)
                .ip(actor.ip.clone())
                .details(json!({
                    "mfa_required_roles": {
                        "before": before.mfa_required_roles,
                        "after": value.mfa_required_roles,
                    },
                    "local_sign_in": {"before": before.local_sign_in, "after": value.local_sign_in},
                }))
                .insert(conn)?;
            Ok(Ok(value))
        })
    })
    .await?
}
