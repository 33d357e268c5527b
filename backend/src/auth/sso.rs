//! Single sign-on through an OpenID provider (Authentik, Authelia, Keycloak…): its settings (one
//! `settings` row, `sso`; the client secret sealed), the start of a sign-in (a pending row named
//! by a cookie) and its callback — the state checked, the ID token checked by `auth::oidc`, the
//! person's groups mapped to a role, the account found by (issuer, subject) or, if allowed,
//! created — then a session like any other sign-in. Every outcome is audited.

use std::sync::Arc;

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::{
    Role, SSO_CALLBACK_PATH, SignInMethod, SsoInfoResponse, SsoRoleRule, SsoSettingsRequest,
    SsoSettingsResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{Actor, Event, Outcome};
use crate::auth::oidc::{OidcConfig, OidcError, OidcProvider, Pending};
use crate::auth::sessions::NewIds;
use crate::auth::sign_in::{self, Client};
use crate::auth::{AuthError, AuthState, password, sealed, secrets, sign_in_policy};
use crate::db::{self, accounts, accounts::Account, sso};

const KEY: &str = "sso";
const SECRET_AAD: &[u8] = b"plexward:sso:client_secret";
/// How long a sign-in may stay at the provider.
const PENDING_MS: i64 = 10 * 60_000;
const LABEL_MAX: usize = 40;
const RULES_MAX: usize = 50;

/// As stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct Stored {
    enabled: bool,
    issuer: String,
    client_id: String,
    client_secret_sealed: Option<String>,
    scopes: Vec<String>,
    role_mapping: Vec<SsoRoleRule>,
    create_unknown_users: bool,
    default_role: Option<Role>,
    button_label: String,
}

fn load(conn: &mut SqliteConnection) -> QueryResult<Stored> {
    db::settings::get(conn, KEY)
}

fn label(stored: &Stored) -> String {
    if stored.button_label.trim().is_empty() {
        "single sign-on".to_owned()
    } else {
        stored.button_label.clone()
    }
}

fn response(stored: &Stored) -> SsoSettingsResponse {
    SsoSettingsResponse {
        enabled: stored.enabled,
        issuer: stored.issuer.clone(),
        client_id: stored.client_id.clone(),
        client_secret_set: stored.client_secret_sealed.is_some(),
        scopes: stored.scopes.clone(),
        role_mapping: stored.role_mapping.clone(),
        create_unknown_users: stored.create_unknown_users,
        default_role: stored.default_role,
        button_label: label(stored),
        callback_path: SSO_CALLBACK_PATH.to_owned(),
    }
}

/// The role a person with `groups` gets: the highest any rule gives, else `default`.
pub fn role_for(groups: &[String], rules: &[SsoRoleRule], default: Option<Role>) -> Option<Role> {
    let rank = |r: &Role| Role::ALL.iter().position(|a| a == r).unwrap_or(usize::MAX);
    rules
        .iter()
        .filter(|rule| groups.contains(&rule.group))
        .map(|rule| rule.role)
        .min_by_key(rank)
        .or(default)
}

/// A username for a new account from what the provider says: its preferred username or the
/// email's local part, reduced to the characters usernames allow; else one from the subject.
pub fn username_for(preferred: Option<&str>, email: Option<&str>, subject: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
            .take(64)
            .collect()
    };
    preferred
        .map(clean)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            email
                .and_then(|e| e.split('@').next())
                .map(clean)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| format!("sso-{}", &secrets::token_hash(subject)[..12]))
}

/// Whether single sign-on is on and an enabled admin has signed in through it (so turning local
/// sign-in off locks nobody out).
pub fn an_admin_can_sign_in(conn: &mut SqliteConnection) -> QueryResult<bool> {
    Ok(load(conn)?.enabled && sso::enabled_admins_linked(conn)? > 0)
}

pub async fn settings(auth: &AuthState) -> Result<SsoSettingsResponse, AuthError> {
    Ok(response(&db::run(&auth.db, load).await?))
}

/// For the login page.
pub async fn info(auth: &AuthState) -> Result<SsoInfoResponse, AuthError> {
    let (stored, local_sign_in) = db::run(&auth.db, |conn| {
        Ok((load(conn)?, sign_in_policy::local_sign_in(conn)?))
    })
    .await?;
    Ok(SsoInfoResponse {
        enabled: stored.enabled,
        button_label: label(&stored),
        local_sign_in,
    })
}

fn check_url(issuer: &str) -> Result<(), AuthError> {
    match url::Url::parse(issuer) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => Ok(()),
        _ => Err(AuthError::invalid(
            "issuer",
            "must be the provider's issuer URL, such as https://auth.example.com/application/o/plexward/",
        )),
    }
}

/// Saves the settings (absent fields kept), audited without the secret.
pub async fn save(
    auth: &AuthState,
    actor: &Actor,
    request: SsoSettingsRequest,
) -> Result<SsoSettingsResponse, AuthError> {
    let mut stored = db::run(&auth.db, load).await?;
    if let Some(issuer) = request.issuer {
        let issuer = issuer.trim().to_owned();
        if !issuer.is_empty() {
            check_url(&issuer)?;
        }
        stored.issuer = issuer;
    }
    if let Some(client_id) = request.client_id {
        stored.client_id = client_id.trim().to_owned();
    }
    if let Some(scopes) = request.scopes {
        if scopes
            .iter()
            .any(|s| s.is_empty() || s.len() > 64 || s.chars().any(|c| c.is_whitespace()))
        {
            return Err(AuthError::invalid(
                "scopes",
                "each is one word, up to 64 characters",
            ));
        }
        stored.scopes = scopes.into_iter().filter(|s| s != "openid").collect();
        stored.scopes.dedup();
    }
    if let Some(rules) = request.role_mapping {
        if rules.len() > RULES_MAX || rules.iter().any(|r| r.group.trim().is_empty()) {
            return Err(AuthError::invalid(
                "role_mapping",
                format!("up to {RULES_MAX} rules, each naming a group"),
            ));
        }
        stored.role_mapping = rules;
    }
    if let Some(create) = request.create_unknown_users {
        stored.create_unknown_users = create;
    }
    if let Some(role) = request.default_role {
        stored.default_role = role;
    }
    if let Some(text) = request.button_label {
        if text.chars().count() > LABEL_MAX {
            return Err(AuthError::invalid(
                "button_label",
                format!("up to {LABEL_MAX} characters"),
            ));
        }
        stored.button_label = text.trim().to_owned();
    }
    if let Some(secret) = request.client_secret {
        stored.client_secret_sealed = if secret.is_empty() {
            None
        } else {
            Some(sealed::seal(auth, secret, SECRET_AAD).await?)
        };
    }
    if let Some(enabled) = request.enabled {
        stored.enabled = enabled;
    }
    if stored.enabled && (stored.issuer.is_empty() || stored.client_id.is_empty()) {
        return Err(AuthError::invalid(
            "enabled",
            "needs the provider's issuer and a client id first",
        ));
    }
    let (actor, value) = (actor.clone(), stored.clone());
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if !value.enabled && !sign_in_policy::local_sign_in(conn)? {
                return Ok(Err(AuthError::SsoAdminRequired));
            }
            db::settings::put(conn, KEY, &value)?;
            Event::new("settings.sso_update", Outcome::Success, &actor)
                .ip(actor.ip.clone())
                .details(json!({
                    "enabled": value.enabled,
                    "issuer": value.issuer,
                    "client_id": value.client_id,
                    "client_secret_set": value.client_secret_sealed.is_some(),
                    "scopes": value.scopes,
                    "role_mapping": value.role_mapping,
                    "create_unknown_users": value.create_unknown_users,
                    "default_role": value.default_role,
                }))
                .insert(conn)?;
            Ok(Ok(()))
        })
    })
    .await??;
    // The next sign-in discovers the provider again with what was saved.
    *auth.sso.lock().await = None;
    Ok(response(&stored))
}

/// Why a sign-in through the provider did not end in a session (the login page names it).
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("single sign-on is off")]
    Disabled,
    #[error(transparent)]
    Provider(#[from] OidcError),
    /// No pending sign-in for this browser (expired, or already used).
    #[error("the sign-in expired or was already used")]
    Expired,
    #[error("the state does not match")]
    StateMismatch,
    /// The provider answered `error=…` (the person cancelled, or it refused).
    #[error("the provider refused: {0}")]
    Refused(String),
    /// No rule gives this person a role, or unknown people are not created.
    #[error("not allowed: {0}")]
    NotAllowed(&'static str),
    #[error("the username {0} is taken by another account")]
    UsernameTaken(String),
    #[error("the account is disabled")]
    AccountDisabled,
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<db::DbError> for SsoError {
    fn from(e: db::DbError) -> Self {
        SsoError::Auth(e.into())
    }
}

impl SsoError {
    /// The code the login page is sent back with (`?sso_error=`).
    pub fn code(&self) -> &'static str {
        match self {
            SsoError::Disabled => "disabled",
            SsoError::Provider(e) => e.kind(),
            SsoError::Expired => "expired",
            SsoError::StateMismatch => "state_mismatch",
            SsoError::Refused(_) => "refused",
            SsoError::NotAllowed(_) => "not_allowed",
            SsoError::UsernameTaken(_) => "username_taken",
            SsoError::AccountDisabled => "account_disabled",
            SsoError::Auth(_) => "internal",
        }
    }
}

/// The provider for the saved settings: discovered once, again after the settings change.
async fn provider(auth: &AuthState) -> Result<Arc<OidcProvider>, SsoError> {
    let stored = db::run(&auth.db, load).await?;
    if !stored.enabled {
        return Err(SsoError::Disabled);
    }
    let config = OidcConfig {
        issuer: stored.issuer.clone(),
        client_id: stored.client_id.clone(),
        client_secret: match &stored.client_secret_sealed {
            Some(secret) => Some(sealed::open(auth, secret, SECRET_AAD)?),
            None => None,
        },
        scopes: stored.scopes.clone(),
    };
    let mut cached = auth.sso.lock().await;
    if let Some(p) = cached.as_ref().filter(|p| p.config == config) {
        return Ok(p.clone());
    }
    let discovered = Arc::new(OidcProvider::discover(config).await?);
    *cached = Some(discovered.clone());
    Ok(discovered)
}

/// Starts a sign-in: the provider's URL to send the browser to, and the token for its cookie.
pub async fn start(auth: &AuthState, redirect_uri: &str) -> Result<(String, String), SsoError> {
    let provider = provider(auth).await?;
    let (url, pending) = provider
        .authorize(redirect_uri)
        .map_err(SsoError::Provider)?;
    let token = secrets::random_token(43);
    let now = auth.now_ms();
    let row = sso::SsoLogin {
        token_hash: secrets::token_hash(&token),
        csrf_state: pending.csrf_state,
        nonce: pending.nonce,
        pkce_verifier: pending.pkce_verifier,
        redirect_uri: redirect_uri.to_owned(),
        created_at: now,
        expires_at: now + PENDING_MS,
    };
    db::run(&auth.db, move |conn| sso::insert_login(conn, &row)).await?;
    Ok((url.to_string(), token))
}

/// What the provider sent back to the callback.
#[derive(Debug, Clone, Default)]
pub struct Callback {
    /// The cookie set by [`start`].
    pub token: Option<String>,
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// Finishes a sign-in: a session, or why not (audited either way).
pub async fn finish(
    auth: &AuthState,
    callback: Callback,
    client: &Client,
) -> Result<(Account, NewIds), SsoError> {
    let outcome = finish_inner(auth, callback, client).await;
    if let Err(e) = &outcome {
        tracing::warn!(error = %e, "a single sign-on failed");
        Event::new("auth.sso", Outcome::Failure, &Actor::anonymous(None))
            .ip(client.ip.map(|ip| ip.to_string()))
            .details(json!({"reason": e.code(), "detail": e.to_string()}))
            .record(&auth.db)
            .await;
    }
    outcome
}

async fn finish_inner(
    auth: &AuthState,
    callback: Callback,
    client: &Client,
) -> Result<(Account, NewIds), SsoError> {
    let now = auth.now_ms();
    // The pending row goes whatever happens next: a callback is used once.
    let pending = match callback.token.as_deref() {
        Some(token) => {
            let hash = secrets::token_hash(token);
            db::run(&auth.db, move |conn| sso::take_login(conn, &hash, now)).await?
        }
        None => None,
    };
    let Some(pending) = pending else {
        return Err(SsoError::Expired);
    };
    if let Some(error) = callback.error {
        return Err(SsoError::Refused(error.chars().take(100).collect()));
    }
    let state = callback.state.unwrap_or_default();
    if !crate::auth::oidc::same_secret(&state, &pending.csrf_state) {
        return Err(SsoError::StateMismatch);
    }
    let code = callback.code.ok_or(SsoError::Refused("no code".into()))?;
    let provider = provider(auth).await?;
    let identity = provider
        .finish(
            &code,
            Pending {
                csrf_state: pending.csrf_state,
                nonce: pending.nonce,
                pkce_verifier: pending.pkce_verifier,
            },
            &pending.redirect_uri,
        )
        .await?;
    let stored = db::run(&auth.db, load).await?;
    let role = role_for(&identity.groups, &stored.role_mapping, stored.default_role);
    let (issuer, subject) = (identity.issuer.clone(), identity.subject.clone());
    let linked = db::run(&auth.db, move |conn| {
        let Some(id) = sso::account_of(conn, &issuer, &subject)? else {
            return Ok(None);
        };
        accounts::find(conn, id)
    })
    .await?;
    let account = match linked {
        Some(account) => {
            let Some(role) = role else {
                return Err(SsoError::NotAllowed("no rule gives your groups a role"));
            };
            follow_role(auth, account, role, &identity.groups).await?
        }
        None => {
            if !stored.create_unknown_users {
                return Err(SsoError::NotAllowed("there is no account for you here"));
            }
            let Some(role) = role else {
                return Err(SsoError::NotAllowed("no rule gives your groups a role"));
            };
            create(auth, &identity, role).await?
        }
    };
    if account.disabled {
        return Err(SsoError::AccountDisabled);
    }
    let details = json!({"issuer": identity.issuer, "groups": identity.groups});
    Ok(sign_in::start_session(auth, &account, client, SignInMethod::Sso, Some(details)).await?)
}

/// The account's role follows its groups at each sign-in, except that the last enabled admin is
/// never demoted this way (an admin must be able to fix the mapping).
async fn follow_role(
    auth: &AuthState,
    account: Account,
    role: Role,
    groups: &[String],
) -> Result<Account, SsoError> {
    if account.role() == role {
        return Ok(account);
    }
    let (id, before, groups) = (account.id, account.role(), groups.to_vec());
    let actor = Actor::account(account.id, &account.username);
    let changed = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if before == Role::Admin && accounts::count_other_active_admins(conn, id)? == 0 {
                return Ok(None);
            }
            accounts::set_role(conn, id, role)?;
            Event::new("account.update", Outcome::Success, &actor)
                .target("account", id)
                .details(json!({
                    "role": {"before": before.as_str(), "after": role.as_str()},
                    "via": "single sign-on groups",
                    "groups": groups,
                }))
                .insert(conn)?;
            accounts::find(conn, id)
        })
    })
    .await?;
    Ok(changed.unwrap_or(account))
}

/// A new account for a person the provider vouches for: no usable password (it signs in through
/// the provider), linked by (issuer, subject).
async fn create(
    auth: &AuthState,
    identity: &crate::auth::oidc::Identity,
    role: Role,
) -> Result<Account, SsoError> {
    let username = username_for(
        identity.preferred_username.as_deref(),
        identity.email.as_deref(),
        &identity.subject,
    );
    let hash = password::hash(secrets::random_token(48))
        .await
        .map_err(AuthError::Internal)?;
    let (issuer, subject, now) = (
        identity.issuer.clone(),
        identity.subject.clone(),
        auth.now_ms(),
    );
    let name = username.clone();
    let made = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if accounts::find_by_username(conn, &name)?.is_some() {
                return Ok(None);
            }
            let account = accounts::insert(
                conn,
                &accounts::NewAccount {
                    username: &name,
                    password_hash: &hash,
                    role: role.as_str(),
                    must_change_password: false,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            sso::link(conn, &issuer, &subject, account.id, now)?;
            Event::new("account.create", Outcome::Success, &Actor::system())
                .target("account", account.id)
                .details(json!({
                    "username": name,
                    "role": role.as_str(),
                    "via": "single sign-on",
                    "issuer": issuer,
                }))
                .insert(conn)?;
            Ok(Some(account))
        })
    })
    .await?;
    made.ok_or(SsoError::UsernameTaken(username))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(group: &str, role: Role) -> SsoRoleRule {
        SsoRoleRule {
            group: group.into(),
            role,
        }
    }

    #[test]
    fn the_highest_role_any_group_gives_wins_else_the_default() {
        let rules = [
            rule("plex-viewers", Role::Auditor),
            rule("plex-admins", Role::Admin),
            rule("plex-mods", Role::Moderator),
        ];
        let groups = |g: &[&str]| g.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            role_for(&groups(&["plex-viewers", "plex-admins"]), &rules, None),
            Some(Role::Admin)
        );
        assert_eq!(
            role_for(&groups(&["plex-mods", "x"]), &rules, None),
            Some(Role::Moderator)
        );
        assert_eq!(role_for(&groups(&["x"]), &rules, None), None);
        assert_eq!(
            role_for(&groups(&[]), &rules, Some(Role::Auditor)),
            Some(Role::Auditor)
        );
        // Group names are compared exactly (no case folding: "Plex-Admins" is another group).
        assert_eq!(role_for(&groups(&["Plex-Admins"]), &rules, None), None);
    }

    #[test]
    fn usernames_come_from_the_provider_reduced_to_what_is_allowed() {
        assert_eq!(username_for(Some("alice"), None, "s"), "alice");
        assert_eq!(username_for(Some("Ann Lee!"), None, "s"), "AnnLee");
        assert_eq!(username_for(None, Some("bob@example.test"), "s"), "bob");
        let made = username_for(Some("  "), None, "subject-1");
        assert!(made.starts_with("sso-") && made.len() == 16, "{made}");
    }
}
