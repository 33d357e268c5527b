//! Authentication, authorisation and accounts: passwords, sessions and JWTs, API tokens,
//! throttling, the accounts' rules (the last admin, who may change whom) and the [`Principal`]
//! every protected handler takes. Deny by default: a handler that takes a `Principal` is closed to
//! anonymous callers and must `require` a permission (or be one of the few "own account"
//! endpoints). No HTTP here: refusals are [`AuthError`]s, mapped to answers in `http/error.rs`.

pub mod accounts;
pub mod bootstrap;
pub mod device;
pub mod error;
pub mod failure_burst;
pub mod jwt;
pub mod mfa;
pub mod oidc;
pub mod passkeys;
pub mod password;
pub mod principal;
pub mod sealed;
pub mod secrets;
pub mod session_list;
pub mod sessions;
pub mod sign_in;
pub mod sign_in_policy;
pub mod sso;
pub mod throttle;
pub mod tokens;
pub mod totp;

use std::path::Path;

pub use crate::config::LoginLimits;
pub use error::AuthError;
pub use principal::{PendingPrincipal, Principal};

use crate::clock::SharedClock;
use crate::db::DbPool;

/// Everything auth needs at run time, built once at start-up.
#[derive(Debug)]
pub struct AuthState {
    pub jwt: jwt::JwtKeys,
    pub throttle: throttle::LoginThrottle,
    /// Failed sign-ins, for `signin.failures`.
    pub failures: failure_burst::FailureBurst,
    pub db: DbPool,
    /// Where the key that seals TOTP secrets is.
    pub data_dir: std::path::PathBuf,
    /// Session lifetimes and the refresh race window run on this clock (tests move it). JWT
    /// expiry is checked by `jsonwebtoken` against the system clock.
    pub clock: SharedClock,
    /// The OpenID provider, discovered at the first single sign-on after start or a settings
    /// change.
    pub sso: tokio::sync::Mutex<Option<std::sync::Arc<oidc::OidcProvider>>>,
    /// The runtime start-up ran on: background audit writes (refusals) go there, never onto a
    /// request worker's runtime.
    runtime: tokio::runtime::Handle,
}

/// The JWT signing key in the data directory (0600; in every backup).
pub const JWT_KEY_FILE: &str = "jwt.key";

impl AuthState {
    /// Loads (or creates) the signing key in the data dir. Call from the main runtime.
    pub fn load(
        data_dir: &Path,
        limits: &LoginLimits,
        db: DbPool,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let key = secrets::load_or_create_key(&data_dir.join(JWT_KEY_FILE), 32)?;
        Ok(Self {
            jwt: jwt::JwtKeys::new(&key),
            throttle: throttle::LoginThrottle::new(limits.burst, limits.period),
            failures: failure_burst::FailureBurst::default(),
            db,
            data_dir: data_dir.to_owned(),
            clock,
            sso: tokio::sync::Mutex::new(None),
            runtime: tokio::runtime::Handle::current(),
        })
    }

    /// Unix milliseconds on [`AuthState::clock`].
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
