//! Two-factor sign-in: setting up TOTP (the secret sealed at rest, on only once a code proves the
//! app has it, then ten recovery codes shown once), turning it off (with the password), and the
//! second step of a sign-in — a short-lived challenge named by a token, completed by a code
//! (never one already used), a recovery code (each once) or a passkey (`auth::passkeys`),
//! throttled like passwords, audited. Two-factor sign-in is on while the account has TOTP or a
//! passkey.

use plexward_shared::{MfaStatusResponse, PasskeyAssertion, SignInMethod, TotpEnrolmentResponse};
use serde_json::json;

use crate::audit::{Actor, Event, Outcome};
use crate::auth::passkeys::{self, RelyingParty};
use crate::auth::sessions::{self, EndOthers};
use crate::auth::sign_in::{self, Client};
use crate::auth::{
    AuthError, AuthState, Principal, password, sealed, secrets, sign_in_policy, totp,
};
use crate::db::accounts::{self, Account};
use crate::db::{self, mfa};

/// Associated data of a sealed TOTP secret.
const SECRET_AAD: &[u8] = b"plexward:account_totp:secret";
/// How long a sign-in waits for its second step.
const CHALLENGE_MS: i64 = 5 * 60_000;
/// Wrong codes that end a waiting sign-in.
const CHALLENGE_FAILURES: i64 = 5;

/// The methods the second step of `account`'s sign-in takes.
pub fn methods(
    conn: &mut diesel::SqliteConnection,
    account: i64,
) -> diesel::QueryResult<Vec<String>> {
    let mut methods = Vec::new();
    if totp_on(conn, account)? {
        methods.push("totp".to_owned());
    }
    if mfa::recovery_codes_left(conn, account)? > 0 {
        methods.push("recovery_code".to_owned());
    }
    if db::passkeys::count(conn, account)? > 0 {
        methods.push("passkey".to_owned());
    }
    Ok(methods)
}

pub(crate) fn totp_on(
    conn: &mut diesel::SqliteConnection,
    account: i64,
) -> diesel::QueryResult<bool> {
    Ok(mfa::totp(conn, account)?.is_some_and(|t| t.confirmed_at.is_some()))
}

/// Ten new recovery codes: the codes (to show once) and their hashes (to store).
pub struct NewRecoveryCodes {
    pub codes: Vec<String>,
    pub hashes: Vec<String>,
}

impl std::fmt::Debug for NewRecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewRecoveryCodes { <redacted> }")
    }
}

pub fn new_recovery_codes() -> NewRecoveryCodes {
    let codes = totp::recovery_codes();
    let hashes = codes
        .iter()
        .map(|c| secrets::token_hash(&totp::normalise_recovery_code(c)))
        .collect();
    NewRecoveryCodes { codes, hashes }
}

async fn seal(auth: &AuthState, secret: &[u8]) -> Result<String, AuthError> {
    sealed::seal(auth, totp::base32(secret), SECRET_AAD).await
}

fn open(auth: &AuthState, sealed_secret: &str) -> Result<Vec<u8>, AuthError> {
    let text = sealed::open(auth, sealed_secret, SECRET_AAD)?;
    totp_rs::Secret::try_from_base32(&text)
        .map(|s| s.as_ref().to_vec())
        .map_err(|_| AuthError::Internal(anyhow::anyhow!("the TOTP secret is not base32")))
}

fn now_secs(auth: &AuthState) -> u64 {
    u64::try_from(auth.now_ms() / 1_000).unwrap_or(0)
}

/// What protects `account`'s sign-in.
pub async fn status(
    auth: &AuthState,
    account: i64,
    role: plexward_shared::Role,
) -> Result<MfaStatusResponse, AuthError> {
    Ok(db::run(&auth.db, move |conn| {
        let required_by_role = sign_in_policy::load(conn)?
            .mfa_required_roles
            .contains(&role);
        let on = totp_on(conn, account)?;
        let passkeys = db::passkeys::count(conn, account)?;
        Ok(MfaStatusResponse {
            totp: on,
            recovery_codes_left: u32::try_from(mfa::recovery_codes_left(conn, account)?)
                .unwrap_or(0),
            passkeys: u32::try_from(passkeys).unwrap_or(0),
            required_by_role,
        })
    })
    .await?)
}

/// Starts setting up TOTP for `account`: a new secret (replacing one not confirmed yet).
pub async fn enrol(
    auth: &AuthState,
    account: &Account,
) -> Result<TotpEnrolmentResponse, AuthError> {
    let id = account.id;
    if db::run(&auth.db, move |conn| mfa::totp(conn, id))
        .await?
        .is_some_and(|t| t.confirmed_at.is_some())
    {
        return Err(AuthError::MfaAlreadyOn);
    }
    let secret = totp::new_secret();
    let sealed = seal(auth, &secret).await?;
    let now = auth.now_ms();
    db::run(&auth.db, move |conn| {
        mfa::start_totp(conn, id, &sealed, now)
    })
    .await?;
    let uri = totp::otpauth_uri(&secret, &account.username);
    Ok(TotpEnrolmentResponse {
        secret: totp::base32(&secret),
        qr_svg: totp::qr_svg(&uri).unwrap_or_default(),
        otpauth_uri: uri,
    })
}

/// Turns TOTP on with a current `code`; the recovery codes, shown this once.
pub async fn confirm(
    auth: &AuthState,
    by: &Principal,
    code: &str,
    ends: EndOthers,
) -> Result<Vec<String>, AuthError> {
    let account = &by.account;
    let id = account.id;
    let row = db::run(&auth.db, move |conn| mfa::totp(conn, id))
        .await?
        .filter(|t| t.confirmed_at.is_none())
        .ok_or_else(|| AuthError::invalid("code", "set up two-factor sign-in first"))?;
    let secret = open(auth, &row.secret_sealed)?;
    let step = totp::check(&secret, code, now_secs(auth), None)
        .map_err(|_| AuthError::invalid("code", "is not the app's current code"))?;
    let NewRecoveryCodes { codes, hashes } = new_recovery_codes();
    let (now, actor, keep) = (
        auth.now_ms(),
        by.actor(),
        by.session_id().map(str::to_owned),
    );
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            mfa::confirm_totp(
                conn,
                id,
                i64::try_from(step).unwrap_or(i64::MAX),
                &hashes,
                now,
            )?;
            changed(conn, id)?;
            let ended = sessions::end_others(
                conn,
                id,
                keep.as_deref(),
                ends,
                &actor,
                "two-factor sign-in turned on",
                now,
            )?;
            Event::new("account.mfa_enable", Outcome::Success, &actor)
                .target("account", id)
                .details(json!({
                    "method": "totp",
                    "other_sessions_ended": ended.sessions,
                    "tokens_revoked": ended.tokens,
                }))
                .insert(conn)
        })
    })
    .await?;
    Ok(codes)
}

/// Turns two-factor sign-in off for `account`, with its password.
pub async fn disable(
    auth: &AuthState,
    by: &Principal,
    password_given: String,
    ends: EndOthers,
) -> Result<(), AuthError> {
    let account = &by.account;
    if !password::verify(password_given, Some(account.password_hash.clone())).await {
        return Err(AuthError::invalid("password", "is not your password"));
    }
    let (id, role, actor, now) = (account.id, account.role(), by.actor(), auth.now_ms());
    let keep = by.session_id().map(str::to_owned);
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            // Passkeys left keep two-factor sign-in on: only the last factor is refused.
            if db::passkeys::count(conn, id)? == 0
                && sign_in_policy::load(conn)?
                    .mfa_required_roles
                    .contains(&role)
            {
                return Ok(Err(AuthError::MfaRequiredForRole(role)));
            }
            if !mfa::remove_totp(conn, id)? {
                return Ok(Err(AuthError::NotFound));
            }
            changed(conn, id)?;
            let ended = sessions::end_others(
                conn,
                id,
                keep.as_deref(),
                ends,
                &actor,
                "two-factor sign-in turned off",
                now,
            )?;
            Event::new("account.mfa_disable", Outcome::Success, &actor)
                .target("account", id)
                .details(json!({
                    "other_sessions_ended": ended.sessions,
                    "tokens_revoked": ended.tokens,
                }))
                .insert(conn)?;
            Ok(Ok(()))
        })
    })
    .await?
}

/// An admin removes another account's second factors (it lost its phone): every session of that
/// account ends, and its next sign-in takes the password alone (or, if its role requires it, sets
/// a second factor up again first). `false` when it had none.
pub async fn reset(auth: &AuthState, by: &Principal, id: i64) -> Result<bool, AuthError> {
    if id == by.account.id {
        return Err(AuthError::SelfChange("reset the two-factor sign-in of"));
    }
    let (actor, now) = (by.actor(), auth.now_ms());
    db::run(&auth.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(target) = accounts::find(conn, id)? else {
                return Ok(Err(AuthError::NotFound));
            };
            if !remove_all(conn, id)? {
                return Ok(Ok(false));
            }
            changed(conn, id)?;
            let ended =
                db::sessions::revoke_all_for_account(conn, id, None, now, "two-factor reset")?;
            Event::new("account.mfa_reset", Outcome::Success, &actor)
                .target("account", id)
                .ip(actor.ip.clone())
                .details(json!({"username": target.username, "sessions_ended": ended}))
                .insert(conn)?;
            Ok(Ok(true))
        })
    })
    .await?
}

/// Whether `account` signs in with a second factor: TOTP on, or a passkey.
pub fn required(conn: &mut diesel::SqliteConnection, account: i64) -> diesel::QueryResult<bool> {
    Ok(totp_on(conn, account)? || db::passkeys::count(conn, account)? > 0)
}

/// Removes every second factor of `account` (TOTP, passkeys, recovery codes): whether it had
/// any. The caller calls [`changed`] after.
pub(crate) fn remove_all(
    conn: &mut diesel::SqliteConnection,
    account: i64,
) -> diesel::QueryResult<bool> {
    let had = required(conn, account)?;
    mfa::remove_totp(conn, account)?;
    db::passkeys::delete_all(conn, account)?;
    mfa::forget_second_step(conn, account)?;
    Ok(had)
}

/// After a second factor was added or removed: the account's flag follows, a session that had
/// to set one up may go on once there is one, and with none left the recovery codes and
/// waiting sign-ins go.
pub(crate) fn changed(
    conn: &mut diesel::SqliteConnection,
    account: i64,
) -> diesel::QueryResult<()> {
    let on = required(conn, account)?;
    accounts::set_mfa_enabled(conn, account, on)?;
    if on {
        db::sessions::clear_mfa_enrolment(conn, account)?;
    } else {
        mfa::forget_second_step(conn, account)?;
    }
    Ok(())
}

/// A sign-in of `account` now waiting for its second step: the token that names it.
pub fn challenge(
    conn: &mut diesel::SqliteConnection,
    account: i64,
    now: i64,
) -> diesel::QueryResult<String> {
    let token = secrets::random_token(43);
    mfa::insert_challenge(
        conn,
        &secrets::token_hash(&token),
        account,
        now + CHALLENGE_MS,
        now,
    )?;
    Ok(token)
}

/// The second factor given.
#[derive(Debug, Clone, Copy)]
pub enum Factor<'a> {
    Code(&'a str),
    RecoveryCode(&'a str),
    /// A passkey's answer, for a ceremony started at `rp`.
    Passkey(&'a PasskeyAssertion, &'a RelyingParty),
}

impl Factor<'_> {
    fn method(&self) -> &'static str {
        match self {
            Factor::Code(_) => "totp",
            Factor::RecoveryCode(_) => "recovery_code",
            Factor::Passkey(..) => "passkey",
        }
    }
}

/// Completes the sign-in named by `mfa_token` with `factor`: a session, or why not.
pub async fn complete(
    auth: &AuthState,
    mfa_token: &str,
    factor: Factor<'_>,
    client: &Client,
) -> Result<(Account, sessions::NewIds), AuthError> {
    if let Some(ip) = client.ip
        && let Err(refused) = auth.throttle.check_ip(ip)
    {
        return Err(AuthError::LoginThrottled {
            retry_after_secs: crate::auth::throttle::retry_after_secs(refused.wait),
        });
    }
    let hash = secrets::token_hash(mfa_token);
    let now = auth.now_ms();
    let lookup = hash.clone();
    let found = db::run(&auth.db, move |conn| {
        let Some((account, failures)) = mfa::challenge(conn, &lookup, now)? else {
            return Ok(None);
        };
        Ok(Some((
            accounts::find(conn, account)?,
            mfa::totp(conn, account)?,
            failures,
        )))
    })
    .await?;
    let Some((Some(account), totp_row, failures)) = found else {
        return Err(AuthError::MfaExpired);
    };
    if failures >= CHALLENGE_FAILURES {
        let gone = hash.clone();
        db::run(&auth.db, move |conn| mfa::end_challenge(conn, &gone)).await?;
        return Err(AuthError::MfaExpired);
    }
    let (id, method) = (account.id, factor.method());
    let accepted = match factor {
        Factor::Code(code) => {
            let Some(row) = totp_row.filter(|t| t.confirmed_at.is_some()) else {
                return Err(AuthError::invalid(
                    "code",
                    "two-factor codes are not set up",
                ));
            };
            let secret = open(auth, &row.secret_sealed)?;
            let last = row.last_step.and_then(|s| u64::try_from(s).ok());
            match totp::check(&secret, code, now_secs(auth), last) {
                Ok(step) => {
                    let step = i64::try_from(step).unwrap_or(i64::MAX);
                    db::run(&auth.db, move |conn| mfa::use_step(conn, id, step)).await?
                }
                Err(_) => false,
            }
        }
        Factor::RecoveryCode(code) => {
            let code_hash = secrets::token_hash(&totp::normalise_recovery_code(code));
            db::run(&auth.db, move |conn| {
                mfa::use_recovery_code(conn, id, &code_hash, now)
            })
            .await?
        }
        Factor::Passkey(assertion, rp) => {
            passkeys::check_second_factor(auth, rp, id, assertion).await?
        }
    };
    if !accepted {
        auth.throttle
            .record_failure(&account.username, client.ip, true);
        let (failed, ip) = (hash.clone(), client.ip.map(|ip| ip.to_string()));
        let actor = Actor::account(account.id, &account.username);
        db::run(&auth.db, move |conn| {
            conn.immediate_transaction(|conn| {
                mfa::challenge_failed(conn, &failed)?;
                Event::new("auth.mfa", Outcome::Failure, &actor)
                    .ip(ip)
                    .details(json!({"method": method, "reason": "wrong or used code"}))
                    .insert(conn)
            })
        })
        .await?;
        sign_in::tell_if_burst(auth).await;
        return Err(match factor {
            Factor::Passkey(..) => AuthError::InvalidPasskey,
            _ => AuthError::InvalidCode,
        });
    }
    if account.disabled {
        return Err(AuthError::AccountDisabled);
    }
    auth.throttle.record_success(&account.username, client.ip);
    let done = hash.clone();
    db::run(&auth.db, move |conn| mfa::end_challenge(conn, &done)).await?;
    sign_in::start_session(
        auth,
        &account,
        client,
        match factor {
            Factor::Code(_) => SignInMethod::PasswordTotp,
            Factor::RecoveryCode(_) => SignInMethod::PasswordRecoveryCode,
            Factor::Passkey(..) => SignInMethod::PasswordPasskey,
        },
        Some(json!({"second_factor": method})),
    )
    .await
}

/// Starts the passkey step of the sign-in named by `mfa_token`: the browser's options.
pub async fn start_passkey_step(
    auth: &AuthState,
    rp: &RelyingParty,
    mfa_token: &str,
) -> Result<plexward_shared::PasskeyCeremony, AuthError> {
    let (hash, now) = (secrets::token_hash(mfa_token), auth.now_ms());
    let live = db::run(&auth.db, move |conn| mfa::challenge(conn, &hash, now)).await?;
    match live {
        Some((account, failures)) if failures < CHALLENGE_FAILURES => {
            passkeys::start_second_factor(auth, rp, account).await
        }
        _ => Err(AuthError::MfaExpired),
    }
}
