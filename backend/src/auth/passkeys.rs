//! Passkeys (WebAuthn, by webauthn-rs): registering several per account, naming and removing
//! them, signing in with one alone (a discoverable credential: the browser names the account),
//! and using one as the second step after a password.
//!
//! Each ceremony is two requests. The first stores webauthn-rs's state (its challenge) in
//! `passkey_ceremonies` under a one-use token, for 5 minutes; the second takes it (gone whatever
//! the answer) and lets webauthn-rs check the browser's answer: the origin, the relying-party id,
//! the signature, user verification and the signature counter.
//!
//! The relying party is the host the browser used ([`RelyingParty`]): a passkey works only at
//! the address it was made at. Browsers refuse WebAuthn on a bare IP address, so such an address
//! is refused here first, with a sentence saying why.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use plexward_shared::{
    PasskeyAssertion, PasskeyCeremony, PasskeyRegisterRequest, PasskeyRegisteredResponse,
    PasskeyResponse, SignInMethod, check_passkey_name,
};
use serde_json::json;
use url::Url;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Uuid, Webauthn, WebauthnBuilder,
};

use webauthn_rs_proto::ResidentKeyRequirement;

use crate::audit::{Actor, Event, Outcome};
use crate::auth::sessions::{self, EndOthers, NewIds};
use crate::auth::sign_in::{self, Client};
use crate::auth::{AuthError, AuthState, Principal, secrets, sign_in_policy};
use crate::db::accounts::{self, Account};
use crate::db::passkeys::{self as rows, CeremonyRow, NewPasskey, PasskeyRow};
use crate::db::{self, time::from_ms};

/// How long a ceremony waits for the browser's answer.
const CEREMONY_MS: i64 = 5 * 60_000;
/// Most passkeys one account may hold.
const PER_ACCOUNT_MAX: i64 = 20;
/// What a person sees in the browser's passkey prompt.
const RP_NAME: &str = "Plexward";

const REGISTER: &str = "register";
const SIGN_IN: &str = "sign_in";
const SECOND_FACTOR: &str = "second_factor";

/// The site a passkey belongs to: the host name the browser used (its relying-party id) and the
/// origin its pages come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origin: Url,
}

impl RelyingParty {
    /// The relying party of a page at `scheme://host` (`host` may carry a port), where
    /// `hostnames` are the configured names (server settings): when it names any, the host must
    /// be one of them; a bare IP address never works (browsers refuse it).
    pub fn new(scheme: &str, host: &str, hostnames: &[String]) -> Result<Self, AuthError> {
        let origin = Url::parse(&format!("{scheme}://{host}"))
            .map_err(|_| AuthError::PasskeysUnavailable(format!("`{host}` is not a host name")))?;
        let Some(domain) = origin.domain().map(str::to_ascii_lowercase) else {
            return Err(AuthError::PasskeysUnavailable(
                "Passkeys need a host name: browsers refuse them at a bare IP address. Open \
                 Plexward by its name (e.g. plexward.lan, or localhost on this machine)."
                    .into(),
            ));
        };
        let names: Vec<String> = hostnames
            .iter()
            .filter(|n| n.parse::<std::net::IpAddr>().is_err())
            .map(|n| n.to_ascii_lowercase())
            .collect();
        if !names.is_empty() && !names.contains(&domain) {
            return Err(AuthError::PasskeysUnavailable(format!(
                "Passkeys work at the configured host names only ({}); this page is at {domain}.",
                names.join(", ")
            )));
        }
        let mut origin = origin;
        origin.set_path("");
        Ok(Self { id: domain, origin })
    }

    fn webauthn(&self) -> Result<Webauthn, AuthError> {
        WebauthnBuilder::new(&self.id, &self.origin)
            .and_then(|b| b.rp_name(RP_NAME).build())
            .map_err(|e| AuthError::PasskeysUnavailable(format!("cannot use passkeys here: {e}")))
    }
}

fn internal(e: impl std::fmt::Display) -> AuthError {
    AuthError::Internal(anyhow::anyhow!("passkey state: {e}"))
}

fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

fn response(row: &PasskeyRow) -> PasskeyResponse {
    PasskeyResponse {
        id: row.id,
        name: row.name.clone(),
        rp_id: row.rp_id.clone(),
        created_at: from_ms(row.created_at),
        last_used_at: row.last_used_at.map(from_ms),
    }
}

/// Stores a ceremony's state; the token that names it.
async fn store_ceremony(
    auth: &AuthState,
    kind: &'static str,
    account: Option<i64>,
    rp: &RelyingParty,
    state: String,
) -> Result<String, AuthError> {
    let token = secrets::random_token(43);
    let now = auth.now_ms();
    let row = CeremonyRow {
        token_hash: secrets::token_hash(&token),
        kind: kind.to_owned(),
        account_id: account,
        rp_id: rp.id.clone(),
        state,
        created_at: now,
        expires_at: now + CEREMONY_MS,
    };
    db::run(&auth.db, move |conn| rows::insert_ceremony(conn, &row)).await?;
    Ok(token)
}

/// Takes the ceremony `token` of `kind` started at `rp` (and for `account`, when given): its
/// state, or `None` when it is unknown, expired, used, or another's.
async fn take_ceremony(
    auth: &AuthState,
    token: &str,
    kind: &'static str,
    rp: &RelyingParty,
    account: Option<i64>,
) -> Result<Option<String>, AuthError> {
    let (hash, now) = (secrets::token_hash(token), auth.now_ms());
    let row = db::run(&auth.db, move |conn| {
        rows::take_ceremony(conn, &hash, kind, now)
    })
    .await?;
    Ok(row
        .filter(|r| r.rp_id == rp.id && (account.is_none() || r.account_id == account))
        .map(|r| r.state))
}

/// Your passkeys, oldest first.
pub async fn list(auth: &AuthState, account: i64) -> Result<Vec<PasskeyResponse>, AuthError> {
    let found = db::run(&auth.db, move |conn| rows::list(conn, account)).await?;
    Ok(found.iter().map(response).collect())
}

/// Starts registering a passkey for `account`: the browser's options. It must be a discoverable
/// credential (resident key) so that it can sign in without a username.
pub async fn start_registration(
    auth: &AuthState,
    rp: &RelyingParty,
    account: &Account,
) -> Result<PasskeyCeremony, AuthError> {
    let webauthn = rp.webauthn()?;
    let id = account.id;
    let fresh = Uuid::new_v4().to_string();
    let (handle, existing) = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let handle = rows::ensure_user_handle(conn, id, &fresh)?;
            Ok((handle, rows::list(conn, id)?))
        })
    })
    .await?;
    if i64::try_from(existing.len()).unwrap_or(i64::MAX) >= PER_ACCOUNT_MAX {
        return Err(AuthError::invalid(
            "name",
            format!("you have {PER_ACCOUNT_MAX} passkeys already: remove one first"),
        ));
    }
    let handle = Uuid::parse_str(&handle).map_err(internal)?;
    let exclude = existing
        .iter()
        .filter_map(|r| serde_json::from_str::<Passkey>(&r.passkey).ok())
        .map(|p| p.cred_id().clone())
        .collect::<Vec<_>>();
    let (mut options, state) = webauthn
        .start_passkey_registration(handle, &account.username, &account.username, Some(exclude))
        .map_err(internal)?;
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    let state = serde_json::to_string(&state).map_err(internal)?;
    let ceremony_id = store_ceremony(auth, REGISTER, Some(id), rp, state).await?;
    Ok(PasskeyCeremony {
        ceremony_id,
        options: serde_json::to_value(&options).map_err(internal)?,
    })
}

/// Finishes registering: the passkey is stored under its name, and — when it is the account's
/// first second factor — recovery codes are made (shown this once). Audited.
pub async fn finish_registration(
    auth: &AuthState,
    rp: &RelyingParty,
    by: &Principal,
    request: PasskeyRegisterRequest,
) -> Result<PasskeyRegisteredResponse, AuthError> {
    let name = request.name.trim().to_owned();
    check_passkey_name(&name).map_err(|why| AuthError::invalid("name", why))?;
    let credential: RegisterPublicKeyCredential = serde_json::from_value(request.credential)
        .map_err(|_| AuthError::invalid("credential", "is not a WebAuthn credential"))?;
    let account = by.account.id;
    let state = take_ceremony(auth, &request.ceremony_id, REGISTER, rp, Some(account))
        .await?
        .ok_or_else(|| AuthError::invalid("ceremony_id", "has expired or was used: start again"))?;
    let state: PasskeyRegistration = serde_json::from_str(&state).map_err(internal)?;
    let passkey = rp
        .webauthn()?
        .finish_passkey_registration(&credential, &state)
        .map_err(|e| AuthError::invalid("credential", format!("was not accepted ({e})")))?;
    let record = serde_json::to_string(&passkey).map_err(internal)?;
    let credential_id = credential_key(passkey.cred_id().as_ref());
    let codes = crate::auth::mfa::new_recovery_codes();
    let ends = EndOthers {
        sessions: request.end_other_sessions.unwrap_or(false),
        tokens: request.revoke_tokens.unwrap_or(false),
    };
    let (now, actor, keep, rp_id) = (
        auth.now_ms(),
        by.actor(),
        by.session_id().map(str::to_owned),
        rp.id.clone(),
    );
    let (row, codes) = db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            if rows::find_by_credential(conn, &credential_id)?.is_some() {
                return Ok(Err(AuthError::PasskeyExists));
            }
            if rows::name_taken(conn, account, &name, None)? {
                return Ok(Err(AuthError::invalid(
                    "name",
                    "is the name of another of your passkeys",
                )));
            }
            let first_factor = !crate::auth::mfa::required(conn, account)?;
            let row = rows::insert(
                conn,
                &NewPasskey {
                    account_id: account,
                    credential_id: &credential_id,
                    name: &name,
                    rp_id: &rp_id,
                    passkey: &record,
                    created_at: now,
                },
            )?;
            let codes = if first_factor {
                db::mfa::replace_recovery_codes(conn, account, &codes.hashes)?;
                Some(codes.codes)
            } else {
                None
            };
            crate::auth::mfa::changed(conn, account)?;
            let ended = sessions::end_others(
                conn,
                account,
                keep.as_deref(),
                ends,
                &actor,
                "a passkey was added",
                now,
            )?;
            Event::new("account.passkey_add", Outcome::Success, &actor)
                .target("account", account)
                .details(json!({
                    "passkey": row.name,
                    "rp_id": row.rp_id,
                    "recovery_codes_made": codes.is_some(),
                    "other_sessions_ended": ended.sessions,
                    "tokens_revoked": ended.tokens,
                }))
                .insert(conn)?;
            Ok(Ok((row, codes)))
        })
    })
    .await??;
    Ok(PasskeyRegisteredResponse {
        passkey: response(&row),
        recovery_codes: codes,
    })
}

/// Renames one of your passkeys. Audited.
pub async fn rename(
    auth: &AuthState,
    by: &Principal,
    id: i64,
    name: &str,
) -> Result<PasskeyResponse, AuthError> {
    let name = name.trim().to_owned();
    check_passkey_name(&name).map_err(|why| AuthError::invalid("name", why))?;
    let (account, actor) = (by.account.id, by.actor());
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(before) = rows::find(conn, account, id)? else {
                return Ok(Err(AuthError::NotFound));
            };
            if rows::name_taken(conn, account, &name, Some(id))? {
                return Ok(Err(AuthError::invalid(
                    "name",
                    "is the name of another of your passkeys",
                )));
            }
            rows::rename(conn, account, id, &name)?;
            Event::new("account.passkey_rename", Outcome::Success, &actor)
                .target("account", account)
                .details(json!({"from": before.name, "to": name}))
                .insert(conn)?;
            let after = rows::find(conn, account, id)?.ok_or(diesel::result::Error::NotFound)?;
            Ok(Ok(response(&after)))
        })
    })
    .await?
}

/// Removes one of your passkeys; refused when your role requires two-factor sign-in and it is
/// your last second factor. The last second factor gone, the recovery codes go too. Audited.
pub async fn remove(auth: &AuthState, by: &Principal, id: i64) -> Result<(), AuthError> {
    let (account, role, actor) = (by.account.id, by.account.role(), by.actor());
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(row) = rows::find(conn, account, id)? else {
                return Ok(Err(AuthError::NotFound));
            };
            let last =
                rows::count(conn, account)? == 1 && !crate::auth::mfa::totp_on(conn, account)?;
            if last
                && sign_in_policy::load(conn)?
                    .mfa_required_roles
                    .contains(&role)
            {
                return Ok(Err(AuthError::MfaRequiredForRole(role)));
            }
            rows::delete(conn, account, id)?;
            crate::auth::mfa::changed(conn, account)?;
            Event::new("account.passkey_remove", Outcome::Success, &actor)
                .target("account", account)
                .details(json!({"passkey": row.name, "rp_id": row.rp_id, "last": last}))
                .insert(conn)?;
            Ok(Ok(()))
        })
    })
    .await?
}

/// Starts a sign-in with a passkey alone: the browser offers the passkeys it holds for this
/// site, no username asked. Each start is a sign-in attempt for the address's throttle (its
/// finish, bound to this one-use ceremony, is not counted again).
pub async fn start_sign_in(
    auth: &AuthState,
    rp: &RelyingParty,
    client: &Client,
) -> Result<PasskeyCeremony, AuthError> {
    if let Some(ip) = client.ip
        && let Err(refused) = auth.throttle.check_ip(ip)
    {
        return Err(AuthError::LoginThrottled {
            retry_after_secs: crate::auth::throttle::retry_after_secs(refused.wait),
        });
    }
    if !db::run(&auth.db, sign_in_policy::local_sign_in).await? {
        return Err(AuthError::LocalSignInOff);
    }
    let (mut options, state) = rp
        .webauthn()?
        .start_discoverable_authentication()
        .map_err(internal)?;
    // webauthn-rs asks for the browser's autofill ("conditional") prompt; ours is a button.
    options.mediation = None;
    let state = serde_json::to_string(&state).map_err(internal)?;
    let ceremony_id = store_ceremony(auth, SIGN_IN, None, rp, state).await?;
    Ok(PasskeyCeremony {
        ceremony_id,
        options: serde_json::to_value(&options).map_err(internal)?,
    })
}

/// Checks `assertion` against passkey `row` for a stored state; whether it was good. A good
/// one stores the passkey's moved-on counter and when it was used.
async fn verify(
    auth: &AuthState,
    row: &PasskeyRow,
    check: impl FnOnce(&Passkey) -> Result<webauthn_rs::prelude::AuthenticationResult, String>,
) -> Result<bool, AuthError> {
    let mut passkey: Passkey = serde_json::from_str(&row.passkey).map_err(internal)?;
    let Ok(result) = check(&passkey) else {
        return Ok(false);
    };
    passkey.update_credential(&result);
    let record = serde_json::to_string(&passkey).map_err(internal)?;
    let (id, now) = (row.id, auth.now_ms());
    db::run(&auth.db, move |conn| rows::used(conn, id, &record, now)).await?;
    Ok(true)
}

/// Finishes a sign-in with a passkey alone: a session (method `passkey`), or why not. Failures
/// are audited as `auth.login` and count towards the failed-sign-in burst alert.
pub async fn finish_sign_in(
    auth: &AuthState,
    rp: &RelyingParty,
    assertion: PasskeyAssertion,
    client: &Client,
) -> Result<(Account, NewIds), AuthError> {
    let credential: Option<PublicKeyCredential> = serde_json::from_value(assertion.credential).ok();
    let state = take_ceremony(auth, &assertion.ceremony_id, SIGN_IN, rp, None).await?;
    let webauthn = rp.webauthn()?;
    let found = match (&credential, state) {
        (Some(credential), Some(state)) => {
            let state: DiscoverableAuthentication =
                serde_json::from_str(&state).map_err(internal)?;
            match webauthn.identify_discoverable_authentication(credential) {
                Ok((handle, credential_id)) => {
                    let (handle, key) = (handle.to_string(), credential_key(credential_id));
                    let row = db::run(&auth.db, move |conn| {
                        let Some(row) = rows::find_by_credential(conn, &key)? else {
                            return Ok(None);
                        };
                        let owner = rows::account_of_handle(conn, &handle)?;
                        let account = accounts::find(conn, row.account_id)?;
                        Ok((owner == Some(row.account_id))
                            .then_some(account.map(|a| (row, a)))
                            .flatten())
                    })
                    .await?;
                    row.map(|r| (r, state))
                }
                Err(_) => None,
            }
        }
        _ => None,
    };
    let accepted = match (&credential, found) {
        (Some(credential), Some(((row, account), state))) => {
            let good = verify(auth, &row, |passkey| {
                webauthn
                    .finish_discoverable_authentication_v2(credential, state, passkey)
                    .map_err(|e| e.to_string())
            })
            .await?;
            good.then_some(account)
        }
        _ => None,
    };
    let Some(account) = accepted else {
        Event::new("auth.login", Outcome::Failure, &Actor::anonymous(None))
            .ip(client.ip.map(|ip| ip.to_string()))
            .details(json!({"method": "passkey", "reason": "passkey not accepted"}))
            .record(&auth.db)
            .await;
        sign_in::tell_if_burst(auth).await;
        return Err(AuthError::InvalidPasskey);
    };
    let actor = Actor::account(account.id, &account.username);
    let refusal = if account.disabled {
        Some((AuthError::AccountDisabled, "account disabled"))
    } else if !db::run(&auth.db, sign_in_policy::local_sign_in).await? {
        Some((AuthError::LocalSignInOff, "local sign-in is off"))
    } else {
        None
    };
    if let Some((error, reason)) = refusal {
        Event::new("auth.login", Outcome::Denied, &actor)
            .ip(client.ip.map(|ip| ip.to_string()))
            .details(json!({"method": "passkey", "reason": reason}))
            .record(&auth.db)
            .await;
        return Err(error);
    }
    sign_in::start_session(auth, &account, client, SignInMethod::Passkey, None).await
}

/// Starts the passkey step of the sign-in `account` is in (its password accepted): the browser
/// may use any of the account's passkeys.
pub async fn start_second_factor(
    auth: &AuthState,
    rp: &RelyingParty,
    account: i64,
) -> Result<PasskeyCeremony, AuthError> {
    let found = db::run(&auth.db, move |conn| rows::list(conn, account)).await?;
    let passkeys: Vec<Passkey> = found
        .iter()
        .filter(|r| r.rp_id == rp.id)
        .filter_map(|r| serde_json::from_str(&r.passkey).ok())
        .collect();
    if passkeys.is_empty() {
        return Err(if found.is_empty() {
            AuthError::NoPasskeys
        } else {
            AuthError::PasskeysUnavailable(format!(
                "Your passkeys work at {} only; this page is at {}.",
                found
                    .iter()
                    .map(|r| r.rp_id.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", "),
                rp.id
            ))
        });
    }
    let (options, state) = rp
        .webauthn()?
        .start_passkey_authentication(&passkeys)
        .map_err(internal)?;
    let state = serde_json::to_string(&state).map_err(internal)?;
    let ceremony_id = store_ceremony(auth, SECOND_FACTOR, Some(account), rp, state).await?;
    Ok(PasskeyCeremony {
        ceremony_id,
        options: serde_json::to_value(&options).map_err(internal)?,
    })
}

/// Whether `assertion` is a good passkey answer of `account` for a second-factor ceremony.
pub async fn check_second_factor(
    auth: &AuthState,
    rp: &RelyingParty,
    account: i64,
    assertion: &PasskeyAssertion,
) -> Result<bool, AuthError> {
    let Ok(credential) =
        serde_json::from_value::<PublicKeyCredential>(assertion.credential.clone())
    else {
        return Ok(false);
    };
    let Some(state) = take_ceremony(
        auth,
        &assertion.ceremony_id,
        SECOND_FACTOR,
        rp,
        Some(account),
    )
    .await?
    else {
        return Ok(false);
    };
    let state: PasskeyAuthentication = serde_json::from_str(&state).map_err(internal)?;
    let key = credential_key(credential.get_credential_id());
    let Some(row) = db::run(&auth.db, move |conn| rows::find_by_credential(conn, &key))
        .await?
        .filter(|r| r.account_id == account)
    else {
        return Ok(false);
    };
    let webauthn = rp.webauthn()?;
    verify(auth, &row, |_| {
        webauthn
            .finish_passkey_authentication(&credential, &state)
            .map_err(|e| e.to_string())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_host_the_browser_used() {
        let rp = RelyingParty::new("https", "Plexward.LAN:8443", &[]).expect("a name");
        assert_eq!(rp.id, "plexward.lan");
        assert_eq!(rp.origin.as_str(), "https://plexward.lan:8443/");
        let local = RelyingParty::new("http", "localhost:5000", &[]).expect("localhost");
        assert_eq!(local.id, "localhost");
        assert!(local.webauthn().is_ok());
    }

    #[test]
    fn a_bare_ip_is_refused_with_a_reason() {
        for host in ["127.0.0.1:5000", "192.168.1.20", "[::1]:5000"] {
            match RelyingParty::new("http", host, &[]) {
                Err(AuthError::PasskeysUnavailable(why)) => {
                    assert!(why.contains("bare IP"), "{why}");
                }
                other => panic!("{host}: {other:?}"),
            }
        }
    }

    #[test]
    fn configured_hostnames_limit_where_passkeys_work() {
        let names = vec!["plexward.lan".to_owned(), "10.0.0.5".to_owned()];
        assert!(RelyingParty::new("https", "plexward.lan", &names).is_ok());
        match RelyingParty::new("https", "evil.example", &names) {
            Err(AuthError::PasskeysUnavailable(why)) => assert!(why.contains("plexward.lan")),
            other => panic!("{other:?}"),
        }
        // Only IPs configured: any name the browser used works.
        let ips = vec!["10.0.0.5".to_owned()];
        assert!(RelyingParty::new("https", "nas.home", &ips).is_ok());
    }
}
