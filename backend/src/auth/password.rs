//! Password hashing with Argon2id at the argon2 crate's defaults (m = 19 MiB, t = 2, p = 1: the
//! OWASP minimum). Hashing is CPU- and memory-heavy, so it runs on the blocking pool, at most a
//! few at a time, so a burst of sign-ins cannot exhaust the machine.

use std::sync::LazyLock;

use argon2::password_hash::PasswordHasher;
use argon2::{Argon2, PasswordVerifier};
use tokio::sync::Semaphore;

/// Concurrent hash computations allowed (each takes ~19 MiB and ~20 ms of a core).
static HASHING: Semaphore = Semaphore::const_new(2);

/// A valid hash of a random password, verified against when the username is unknown so that
/// "no such user" costs the same time as "wrong password".
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking(&crate::auth::secrets::random_token(24)).unwrap_or_default());

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Hashes a password (PHC string, `$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _permit = HASHING.acquire().await?;
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Whether `password` matches `stored`; `None` verifies against the dummy hash and returns false.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let (hash, known) = match stored {
            Some(h) => (h, true),
            None => (DUMMY_HASH.clone(), false),
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// Hashes synchronously, for the CLI and start-up (no runtime needed).
pub fn hash_now(password: &str) -> anyhow::Result<String> {
    hash_blocking(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_at_least_owasp_parameters() {
        let h = hash("correct horse battery staple".into())
            .await
            .expect("hash");
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        let params = h.split('$').nth(3).expect("params");
        let get = |k: &str| -> u32 {
            params
                .split(',')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                .and_then(|v| v.parse().ok())
                .expect("param present")
        };
        assert!(
            get("m") >= 19_456 && get("t") >= 2 && get("p") >= 1,
            "{params}"
        );
    }

    #[tokio::test]
    async fn verifies_right_and_refuses_wrong_or_unknown() {
        let h = hash("correct horse battery staple".into())
            .await
            .expect("hash");
        assert!(verify("correct horse battery staple".into(), Some(h.clone())).await);
        assert!(!verify("Correct horse battery staple".into(), Some(h)).await);
        assert!(!verify("anything".into(), None).await);
    }
}
