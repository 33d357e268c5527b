//! Password hashing with Argon2id at the argon2 crate's defaults (m = 19 MiB, t = 2, p = 1: the
//! OWASP minimum). Hashing is CPU- and memory-heavy, so it runs on the blocking pool, at most a
//! few at a time, so a burst of sign-ins cannot exhaust the machine.

use std::sync::{LazyLock, Mutex, PoisonError};

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use tokio::sync::Semaphore;

/// Concurrent hash computations allowed (each takes ~19 MiB and ~20 ms of a core).
const PERMITS: usize = 2;
static HASHING: Semaphore = Semaphore::const_new(PERMITS);

/// Argon2's working memory for verifications, allocated once and reused. With a fresh 19 MiB
/// buffer per sign-in on whichever blocking thread ran it, glibc kept each one in that thread's
/// arena: RSS reached 1.6 GiB after 200 concurrent sign-ins and stayed there (docs/BENCHMARKS.md).
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Largest memory cost a stored hash may ask for (KiB): a tampered row cannot make us allocate
/// gigabytes.
const MAX_M_COST: u32 = 256 * 1024;

/// Argon2 over `password` with the algorithm, version, parameters and salt of `stored`, in pooled
/// memory; whether the output equals the stored one (a constant-time comparison).
fn verify_pooled(password: &[u8], stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    if params.m_cost() > MAX_M_COST {
        return false;
    }
    let mut out = vec![0_u8; expected.len()];
    let blocks = params.m_cost() as usize;
    let mut memory = MEMORY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop()
        .unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        salt,
        &mut out,
        &mut memory[..blocks],
    );
    let mut pool = MEMORY.lock().unwrap_or_else(PoisonError::into_inner);
    if pool.len() < PERMITS {
        pool.push(memory);
    }
    drop(pool);
    hashed.is_ok() && argon2::password_hash::phc::Output::new(&out).is_ok_and(|o| &o == expected)
}

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
        verify_pooled(password.as_bytes(), &hash) && known
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

    #[test]
    fn pooled_verification_agrees_with_the_crate_and_reuses_its_memory() {
        use argon2::PasswordVerifier;
        let h = hash_now("correct horse battery staple").expect("hash");
        for (password, right) in [("correct horse battery staple", true), ("wrong", false)] {
            let crate_says = Argon2::default()
                .verify_password(password.as_bytes(), h.as_str())
                .is_ok();
            assert_eq!(crate_says, right);
            assert_eq!(verify_pooled(password.as_bytes(), &h), right, "{password}");
        }
        // Another algorithm's and a tampered hash are refused, not panicked on.
        assert!(!verify_pooled(
            b"x",
            "$argon2id$v=19$m=999999999,t=2,p=1$c2FsdHNhbHQ$aGFzaA"
        ));
        assert!(!verify_pooled(b"x", "not a hash"));
        assert!(MEMORY.lock().map(|p| p.len() <= PERMITS).unwrap_or(false));
    }
}
