//! Secrets auth keeps at rest (TOTP secrets, the SSO client secret), sealed with the data
//! directory's key like the Plex token; each kind under its own associated data, so one cannot
//! be opened as another.

use crate::auth::{AuthError, AuthState};
use crate::settings::secret_box::SecretBox;

/// Seals `text` (creating the key on first use), off the async runtime.
pub async fn seal(auth: &AuthState, text: String, aad: &'static [u8]) -> Result<String, AuthError> {
    let dir = auth.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        SecretBox::load_or_create(&dir).and_then(|b| b.seal(&text, aad))
    })
    .await
    .map_err(|e| AuthError::Internal(e.into()))?
    .map_err(|e| AuthError::Internal(anyhow::anyhow!("cannot seal a secret: {e}")))
}

/// Opens what [`seal`] sealed under `aad`.
pub fn open(auth: &AuthState, sealed: &str, aad: &[u8]) -> Result<String, AuthError> {
    SecretBox::load(&auth.data_dir)
        .ok()
        .flatten()
        .and_then(|b| b.open(sealed, aad).ok())
        .map(|s| secrecy::ExposeSecret::expose_secret(&s).to_owned())
        .ok_or_else(|| AuthError::Internal(anyhow::anyhow!("a sealed secret does not open")))
}
