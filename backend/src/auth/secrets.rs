//! Random secrets and their stored form.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// `len` random alphanumeric characters from the OS-seeded CSPRNG (≈ 5.95 bits each).
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A password people can type: four groups of five lowercase letters and digits (≈ 103 bits).
pub fn random_password() -> String {
    random_groups(4)
}

/// `groups` groups of five lowercase letters and digits, without look-alikes (l, o, 0, 1), joined
/// by dashes (≈ 25 bits a group).
pub fn random_groups(groups: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..groups)
        .map(|_| {
            (0..5)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// How high-entropy tokens (refresh tokens, API tokens) are stored: SHA-256, hex. They are
/// random, so a fast hash is enough; only passwords need Argon2.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a secret key file from the data dir, creating it (mode 0600) with `len` random bytes
/// when missing.
pub fn load_or_create_key(path: &std::path::Path, len: usize) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    if path.exists() {
        let key = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        anyhow::ensure!(
            key.len() >= 32,
            "{} is too short to be a key",
            path.display()
        );
        return Ok(key);
    }
    let mut key = vec![0u8; len];
    rand::rng().fill(key.as_mut_slice());
    write_private(path, &key).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_passwords_pass_the_policy() {
        for _ in 0..20 {
            let pw = random_password();
            assert_eq!(pw.len(), 23);
            assert!(
                plexward_shared::password::check_password(&pw, "admin").acceptable,
                "{pw}"
            );
        }
    }

    #[test]
    fn key_files_are_created_private_and_reused() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("k.key");
        let a = load_or_create_key(&path, 32).expect("created");
        let b = load_or_create_key(&path, 32).expect("read back");
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
