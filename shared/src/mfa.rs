//! Two-factor sign-in (`/api/v1/auth/mfa`, `/api/v1/me/mfa…`): TOTP codes from an authenticator
//! app, and one-time recovery codes.

use serde::{Deserialize, Serialize};

/// The 200 answer of `POST /api/v1/auth/login` for an account with two-factor sign-in on: no
/// session yet; `POST /api/v1/auth/mfa` with `mfa_token` and a code completes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MfaRequiredResponse {
    /// Always `true`.
    pub mfa_required: bool,
    /// Names this sign-in for 5 minutes (one use; a few wrong codes end it).
    pub mfa_token: String,
    /// What may complete it: `totp`, `recovery_code`, `passkey`.
    pub methods: Vec<String>,
}

/// The answer of `POST /api/v1/auth/login`: a session, or the second step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum LoginAnswer {
    Mfa(MfaRequiredResponse),
    Session(crate::LoginResponse),
}

/// Body of `POST /api/v1/auth/mfa`: the code from the app, one recovery code, or a passkey's
/// assertion (for a ceremony from `POST /api/v1/auth/mfa/passkey/options`); one of the three.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaRequest {
    pub mfa_token: String,
    /// Six digits from the authenticator app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// One of the recovery codes (each works once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
    /// A passkey of the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<crate::PasskeyAssertion>,
}

impl std::fmt::Debug for MfaRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaRequest")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field(
                "recovery_code",
                &self.recovery_code.as_ref().map(|_| "<redacted>"),
            )
            .field("passkey", &self.passkey.as_ref().map(|_| "<assertion>"))
            .finish_non_exhaustive()
    }
}

/// `GET /api/v1/me/mfa`: what protects your sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MfaStatusResponse {
    /// Codes from an authenticator app are asked at sign-in.
    pub totp: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: u32,
    /// Passkeys registered (each signs in alone, or is the second step after the password).
    #[serde(default)]
    pub passkeys: u32,
    /// Your role requires two-factor sign-in (`PUT /api/v1/settings/sign-in`): it cannot be
    /// turned off.
    #[serde(default)]
    pub required_by_role: bool,
}

/// Answer of `POST /api/v1/me/mfa/totp`: the secret to put in an authenticator app, shown while
/// it is being set up (it works once confirmed).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TotpEnrolmentResponse {
    /// Base32, to type in by hand.
    pub secret: String,
    /// `otpauth://totp/Plexward:<you>?secret=…&issuer=Plexward`.
    pub otpauth_uri: String,
    /// The URI as a QR code, an SVG document drawn by Plexward (no outside service).
    pub qr_svg: String,
}

impl std::fmt::Debug for TotpEnrolmentResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolmentResponse { <redacted> }")
    }
}

/// Body of `POST /api/v1/me/mfa/totp/confirm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmRequest {
    /// A current code from the app: proves it was set up right.
    pub code: String,
    /// Whether your other sessions end (default `false`); this one stays signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_other_sessions: Option<bool>,
    /// Whether your API tokens stop working (default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_tokens: Option<bool>,
}

/// Answer of confirming: two-factor sign-in is on; the recovery codes, shown this once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecoveryCodesResponse {
    pub recovery_codes: Vec<String>,
}

impl std::fmt::Debug for RecoveryCodesResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCodesResponse { <redacted> }")
    }
}

/// Body of `DELETE /api/v1/me/mfa/totp`: turning it off takes your password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpDisableRequest {
    pub password: String,
    /// Whether your other sessions end (default `false`); this one stays signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_other_sessions: Option<bool>,
    /// Whether your API tokens stop working (default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_tokens: Option<bool>,
}

impl std::fmt::Debug for TotpDisableRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpDisableRequest { <redacted> }")
    }
}
