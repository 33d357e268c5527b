//! Password hashing with Argon2id at the argon2 crate's defaults (m = 19 MiB, t = 2, p = 1: the
//! OWASP minimum). Hashing is CPU- and memory-heavy, so it runs on the blocking pool, at most a
//! few at a time, so a burst of sign-ins cannot exhaust the machine.

use std::sync::LazyLock;

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use rand::Rng as _;
use tokio::sync::Semaphore;

/// Concurrent hash computations allowed (each takes ~19 MiB and ~20 ms of a core).
const PERMITS: usize = 2;
static HASHING: Semaphore = Semaphore::const_new(PERMITS);

/// Largest memory cost a stored hash may ask for (KiB): a tampered row cannot make us allocate
/// gigabytes.
const MAX_M_COST: u32 = 256 * 1024;

/// glibc serves an allocation larger than this (its highest dynamic mmap threshold, 32 MiB on
/// 64-bit) with a mapping of its own and unmaps it on free. Argon2's 19 MiB alone would come
/// from an arena, after the first free raised the threshold to 19 MiB, and stay resident: one
/// sign-in added 19 MiB to the idle process for good, and a pool of reused buffers kept 38 MiB
/// (docs/BENCHMARKS.md). Reserving just past it costs nothing: pages never written are never
/// resident, and only the `blocks` Argon2 uses are written.
const ALWAYS_MAPPED_BYTES: usize = 32 * 1024 * 1024 + 4096;

/// Argon2's working memory, `blocks` of it, returned to the OS when dropped.
fn working_memory(blocks: usize) -> Vec<Block> {
    let reserve = blocks.max(ALWAYS_MAPPED_BYTES.div_ceil(size_of::<Block>()));
    let mut memory = Vec::with_capacity(reserve);
    memory.resize(blocks, Block::default());
    memory
}

/// Argon2 over `password` with the algorithm, version, parameters and salt of `stored`; whether
/// the output equals the stored one (a constant-time comparison).
fn verify_stored(password: &[u8], stored: &str) -> bool {
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
    let mut memory = working_memory(params.block_count());
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        salt,
        &mut out,
        &mut memory[..],
    );
    hashed.is_ok() && Output::new(&out).is_ok_and(|o| &o == expected)
}

/// A valid hash of a random password, verified against when the username is unknown so that
/// "no such user" costs the same time as "wrong password".
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking(&crate::auth::secrets::random_token(24)).unwrap_or_default());

/// Argon2id at the crate's default parameters with a random 16-byte salt, in
/// [`working_memory`] (the crate's own `hash_password` allocates through the arena).
fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let (algorithm, version, params) = (Algorithm::Argon2id, Version::V0x13, Params::DEFAULT);
    let fail = |e: &dyn std::fmt::Display| anyhow::anyhow!("password hashing failed: {e}");
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = Salt::new(&salt_bytes).map_err(|e| fail(&e))?;
    let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    let mut memory = working_memory(params.block_count());
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, &mut memory[..])
        .map_err(|e| fail(&e))?;
    let hash = PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(hash.to_string())
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
        verify_stored(password.as_bytes(), &hash) && known
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
    fn own_hashing_and_verification_agree_with_the_crate() {
        use argon2::PasswordVerifier;
        let h = hash_now("correct horse battery staple").expect("hash");
        for (password, right) in [("correct horse battery staple", true), ("wrong", false)] {
            let crate_says = Argon2::default()
                .verify_password(password.as_bytes(), h.as_str())
                .is_ok();
            assert_eq!(crate_says, right);
            assert_eq!(verify_stored(password.as_bytes(), &h), right, "{password}");
        }
        // Another algorithm's and a tampered hash are refused, not panicked on.
        assert!(!verify_stored(
            b"x",
            "$argon2id$v=19$m=999999999,t=2,p=1$c2FsdHNhbHQ$aGFzaA"
        ));
        assert!(!verify_stored(b"x", "not a hash"));
        // And the crate's own hash verifies here: hashes stored before this code still work.
        use argon2::password_hash::PasswordHasher;
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery staple")
            .expect("hash")
            .to_string();
        assert!(verify_stored(b"correct horse battery staple", &theirs));
        assert_ne!(
            hash_now("same").expect("hash"),
            hash_now("same").expect("hash")
        );
    }
}
