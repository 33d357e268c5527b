//! Passkeys (WebAuthn): `/api/v1/me/passkeys…` to register, name and remove yours,
//! `/api/v1/auth/passkey…` to sign in with one alone, and `/api/v1/auth/mfa/passkey/options`
//! to use one as the second step of a password sign-in.
//!
//! Every ceremony has two halves: Plexward's options for the browser (`navigator.credentials
//! .create()` or `.get()`), named by a `ceremony_id` that works once for 5 minutes, and the
//! browser's answer (`PublicKeyCredential.toJSON()`), sent back with that id.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest passkey name, in characters.
pub const PASSKEY_NAME_MAX: usize = 64;

/// The first half of a ceremony: what the browser needs, and the id to answer with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PasskeyCeremony {
    /// Names this ceremony for 5 minutes; it works once.
    pub ceremony_id: String,
    /// WebAuthn's options as JSON (`{"publicKey": {…}}`, binary fields base64url): give
    /// `publicKey` to `PublicKeyCredential.parseCreationOptionsFromJSON` (registering) or
    /// `parseRequestOptionsFromJSON` (signing in).
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub options: serde_json::Value,
}

/// Body of `POST /api/v1/me/passkeys`: the browser's new credential, and a name for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyRegisterRequest {
    /// From `POST /api/v1/me/passkeys/registration`.
    pub ceremony_id: String,
    /// 1–64 characters, unique among your passkeys ("Phone", "YubiKey 5C").
    pub name: String,
    /// `navigator.credentials.create()`'s answer, as `toJSON()` gives it.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub credential: serde_json::Value,
    /// Whether your other sessions end (default `false`); this one stays signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_other_sessions: Option<bool>,
    /// Whether your API tokens stop working (default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_tokens: Option<bool>,
}

/// Body of `PATCH /api/v1/me/passkeys/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyRenameRequest {
    /// 1–64 characters, unique among your passkeys.
    pub name: String,
}

/// A registered passkey as listed (never its key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PasskeyResponse {
    pub id: i64,
    pub name: String,
    /// The host name it belongs to (the relying party): it works only at this address.
    pub rp_id: String,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Answer of `POST /api/v1/me/passkeys`: the passkey, and — when it is your first second factor
/// — ten recovery codes, shown this once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PasskeyRegisteredResponse {
    pub passkey: PasskeyResponse,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

impl std::fmt::Debug for PasskeyRegisteredResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyRegisteredResponse")
            .field("passkey", &self.passkey)
            .field(
                "recovery_codes",
                &self.recovery_codes.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The second half of a sign-in ceremony: the browser's assertion for a `ceremony_id`. The body
/// of `POST /api/v1/auth/passkey`, and the `passkey` of `POST /api/v1/auth/mfa`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyAssertion {
    pub ceremony_id: String,
    /// `navigator.credentials.get()`'s answer, as `toJSON()` gives it.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// Body of `POST /api/v1/auth/mfa/passkey/options`: the sign-in waiting for its second step.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyMfaOptionsRequest {
    pub mfa_token: String,
}

impl std::fmt::Debug for PasskeyMfaOptionsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasskeyMfaOptionsRequest { <redacted> }")
    }
}

/// Whether a passkey name is acceptable: why not, if it is not.
pub fn check_passkey_name(name: &str) -> Result<(), &'static str> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("must not be empty");
    }
    if trimmed.chars().count() > PASSKEY_NAME_MAX {
        return Err("must be at most 64 characters");
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_passkey_name("Phone").is_ok());
        assert!(check_passkey_name("  ").is_err());
        assert!(check_passkey_name(&"x".repeat(65)).is_err());
        assert!(check_passkey_name(&"é".repeat(64)).is_ok());
        assert!(check_passkey_name("a\nb").is_err());
    }
}
