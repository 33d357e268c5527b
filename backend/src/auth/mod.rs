//! Authentication and authorisation: passwords, sessions and JWTs, API tokens, throttling, and
//! the `Principal` extractor every protected handler takes. Deny by default: a handler that takes
//! a `Principal` is closed to anonymous callers and must `require` a permission (or be one of the
//! few "own account" endpoints).

pub mod bootstrap;
pub mod cookies;
pub mod csrf;
pub mod jwt;
pub mod password;
pub mod principal;
pub mod secrets;
pub mod sessions;
pub mod throttle;

use std::path::Path;
use std::time::Duration;

pub use principal::{PendingPrincipal, Principal};

/// Everything auth needs at run time, built once at start-up.
#[derive(Debug)]
pub struct AuthState {
    pub jwt: jwt::JwtKeys,
    pub throttle: throttle::LoginThrottle,
}

impl AuthState {
    /// Loads (or creates) the signing key in the data dir.
    pub fn load(data_dir: &Path, limits: &LoginLimits) -> anyhow::Result<Self> {
        let key = secrets::load_or_create_key(&data_dir.join("jwt.key"), 32)?;
        Ok(Self {
            jwt: jwt::JwtKeys::new(&key),
            throttle: throttle::LoginThrottle::new(limits.burst, limits.period),
        })
    }
}

/// Per-IP sign-in rate: `burst` attempts at once, then one per `period`.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub burst: u32,
    pub period: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            burst: 10,
            period: Duration::from_secs(6),
        }
    }
}
