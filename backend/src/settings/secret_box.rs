//! Secrets at rest (the Plex token): XChaCha20-Poly1305 with a 256-bit key kept in
//! `data_dir/secret.key` (mode 0600), apart from the database, so a leaked database file or backup
//! alone does not leak the token. It does not protect against someone who can read the whole data
//! directory: the key sits beside the database.
//!
//! Stored form: `v1:` + base64(24-byte random nonce ‖ ciphertext ‖ 16-byte tag). The version prefix
//! leaves room for another cipher or a key rotation later. The caller's associated data binds a
//! ciphertext to where it is stored, so a value copied into another setting does not decrypt.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, Key, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::Rng as _;
use secrecy::SecretString;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "secret.key";

const PREFIX: &str = "v1:";
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Why a secret could not be sealed or opened. Never carries the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretBoxError {
    #[error("the key file {path} cannot be read or created: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("the key file {path} is not a {KEY_LEN}-byte key (corrupt or replaced)")]
    BadKey { path: String },
    #[error("the stored value is not in a known format")]
    Format,
    #[error("the stored value does not decrypt with this key (another key, or tampered with)")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
}

/// An AEAD cipher keyed with the data dir's secret key. `Debug` never shows the key.
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<key redacted>)")
    }
}

impl SecretBox {
    pub fn from_key(key: &[u8; KEY_LEN]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(&Key::<XChaCha20Poly1305>::from(*key)),
        }
    }

    /// The key in `data_dir/secret.key`, or `Ok(None)` when there is no key file yet.
    pub fn load(data_dir: &Path) -> Result<Option<Self>, SecretBoxError> {
        let path = data_dir.join(KEY_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => Self::from_file_bytes(&path, &bytes).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SecretBoxError::KeyFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }

    /// The key in `data_dir/secret.key`, created (32 random bytes, mode 0600) when missing. A
    /// corrupt key file is an error, never silently replaced: a backup of the right key may exist.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, SecretBoxError> {
        if let Some(sealer) = Self::load(data_dir)? {
            return Ok(sealer);
        }
        let path = data_dir.join(KEY_FILE);
        let bytes = crate::auth::secrets::load_or_create_key(&path, KEY_LEN).map_err(|e| {
            SecretBoxError::KeyFile {
                path: path.display().to_string(),
                reason: format!("{e:#}"),
            }
        })?;
        tracing::info!(path = %path.display(), "created the key that encrypts secrets at rest");
        Self::from_file_bytes(&path, &bytes)
    }

    fn from_file_bytes(path: &Path, bytes: &[u8]) -> Result<Self, SecretBoxError> {
        let key: &[u8; KEY_LEN] = bytes.try_into().map_err(|_| SecretBoxError::BadKey {
            path: path.display().to_string(),
        })?;
        warn_if_readable_by_others(path);
        Ok(Self::from_key(key))
    }

    /// Encrypts `plaintext` under a fresh random nonce, bound to `aad`.
    pub fn seal(&self, plaintext: &str, aad: &[u8]) -> Result<String, SecretBoxError> {
        let mut nonce = [0u8; NONCE_LEN];
        // A 192-bit random nonce: collisions are negligible however many values are sealed.
        rand::rng().fill(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad,
                },
            )
            .map_err(|_| SecretBoxError::Encrypt)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", BASE64.encode(out)))
    }

    /// Decrypts what [`SecretBox::seal`] produced with the same key and `aad`.
    pub fn open(&self, stored: &str, aad: &[u8]) -> Result<SecretString, SecretBoxError> {
        let encoded = stored.strip_prefix(PREFIX).ok_or(SecretBoxError::Format)?;
        let bytes = BASE64.decode(encoded).map_err(|_| SecretBoxError::Format)?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(SecretBoxError::Format);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| SecretBoxError::Format)?;
        let plain = self
            .cipher
            .decrypt(&nonce, Payload { msg: sealed, aad })
            .map_err(|_| SecretBoxError::Decrypt)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| SecretBoxError::Format)
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777),
            "the secret key file is accessible to other users; `chmod 600` it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    const AAD: &[u8] = b"test:token";

    fn sealer(byte: u8) -> SecretBox {
        SecretBox::from_key(&[byte; KEY_LEN])
    }

    #[test]
    fn round_trip() {
        let sb = sealer(7);
        let stored = sb.seal("my-plex-token", AAD).expect("sealed");
        assert!(stored.starts_with("v1:"));
        assert!(!stored.contains("my-plex-token"));
        let opened = sb.open(&stored, AAD).expect("opened");
        assert_eq!(opened.expose_secret(), "my-plex-token");
    }

    #[test]
    fn every_seal_uses_a_new_nonce() {
        let sb = sealer(7);
        assert_ne!(
            sb.seal("same", AAD).expect("a"),
            sb.seal("same", AAD).expect("b")
        );
    }

    #[test]
    fn tampering_is_detected() {
        let sb = sealer(7);
        let stored = sb.seal("my-plex-token", AAD).expect("sealed");
        let mut bytes = BASE64
            .decode(stored.trim_start_matches(PREFIX))
            .expect("base64");
        for i in [0, NONCE_LEN, bytes.len() - 1] {
            bytes[i] ^= 1;
            let tampered = format!("{PREFIX}{}", BASE64.encode(&bytes));
            assert!(
                matches!(sb.open(&tampered, AAD), Err(SecretBoxError::Decrypt)),
                "flipped byte {i}"
            );
            bytes[i] ^= 1;
        }
        assert!(matches!(
            sb.open(&stored, b"other:place"),
            Err(SecretBoxError::Decrypt)
        ));
        assert!(matches!(
            sb.open("v2:abc", AAD),
            Err(SecretBoxError::Format)
        ));
        assert!(matches!(sb.open("v1:!!", AAD), Err(SecretBoxError::Format)));
        assert!(matches!(
            sb.open("v1:AAAA", AAD),
            Err(SecretBoxError::Format)
        ));
    }

    #[test]
    fn a_wrong_key_does_not_open() {
        let stored = sealer(7).seal("my-plex-token", AAD).expect("sealed");
        assert!(matches!(
            sealer(8).open(&stored, AAD),
            Err(SecretBoxError::Decrypt)
        ));
    }

    #[test]
    fn the_key_file_is_created_private_once_and_reused() {
        let tmp = tempfile::tempdir().expect("tmp");
        assert!(SecretBox::load(tmp.path()).expect("no key").is_none());
        let stored = SecretBox::load_or_create(tmp.path())
            .expect("created")
            .seal("t0ken", AAD)
            .expect("sealed");
        let again = SecretBox::load(tmp.path()).expect("read").expect("exists");
        assert_eq!(
            again.open(&stored, AAD).expect("opened").expose_secret(),
            "t0ken"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(tmp.path().join(KEY_FILE))
                .expect("meta")
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_corrupt_key_file_is_an_error_not_replaced() {
        let tmp = tempfile::tempdir().expect("tmp");
        std::fs::write(tmp.path().join(KEY_FILE), b"short").expect("write");
        assert!(matches!(
            SecretBox::load(tmp.path()),
            Err(SecretBoxError::BadKey { .. })
        ));
        assert!(SecretBox::load_or_create(tmp.path()).is_err());
        assert_eq!(
            std::fs::read(tmp.path().join(KEY_FILE)).expect("kept"),
            b"short"
        );
    }
}
