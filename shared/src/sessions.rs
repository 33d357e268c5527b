//! Sign-in sessions (`/api/v1/me/sessions`, `/api/v1/accounts/{id}/sessions`) and the sign-in
//! rules an admin sets (`/api/v1/settings/sign-in`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Role;

/// How a session signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// Username and password.
    Password,
    /// Password, then a code from an authenticator app.
    PasswordTotp,
    /// Password, then a recovery code.
    PasswordRecoveryCode,
    /// Password, then a passkey.
    PasswordPasskey,
    /// A passkey alone.
    Passkey,
    /// Single sign-on (OpenID Connect).
    Sso,
}

impl SignInMethod {
    pub const ALL: [SignInMethod; 6] = [
        SignInMethod::Password,
        SignInMethod::PasswordTotp,
        SignInMethod::PasswordRecoveryCode,
        SignInMethod::PasswordPasskey,
        SignInMethod::Passkey,
        SignInMethod::Sso,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::PasswordTotp => "password_totp",
            SignInMethod::PasswordRecoveryCode => "password_recovery_code",
            SignInMethod::PasswordPasskey => "password_passkey",
            SignInMethod::Passkey => "passkey",
            SignInMethod::Sso => "sso",
        }
    }

    /// As a person would say it.
    pub fn label(self) -> &'static str {
        match self {
            SignInMethod::Password => "Password",
            SignInMethod::PasswordTotp => "Password and code",
            SignInMethod::PasswordRecoveryCode => "Password and recovery code",
            SignInMethod::PasswordPasskey => "Password and passkey",
            SignInMethod::Passkey => "Passkey",
            SignInMethod::Sso => "Single sign-on",
        }
    }
}

impl std::str::FromStr for SignInMethod {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        SignInMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or(())
    }
}

/// A live sign-in session (never its tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// Names the session in `DELETE …/sessions/{id}`; not a credential.
    pub id: String,
    pub account_id: i64,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub created_at: DateTime<Utc>,
    /// When it last refreshed its access (at most 15 minutes behind while in use).
    #[serde(with = "crate::time::rfc3339_ms")]
    pub last_seen_at: DateTime<Utc>,
    /// When it ends unless used again.
    #[serde(with = "crate::time::rfc3339_ms")]
    pub expires_at: DateTime<Utc>,
    /// The address it signed in from.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The browser and system, read from the user agent ("Firefox on Linux").
    pub device: String,
    pub method: SignInMethod,
    /// The session this request comes from.
    pub current: bool,
}

/// Answer of ending several sessions at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionsEndedResponse {
    pub ended: u32,
}

/// The sign-in rules (`GET`/`PUT /api/v1/settings/sign-in`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInSettings {
    /// Roles whose accounts must use two-factor sign-in. An account of such a role without it
    /// sets it up at its next sign-in, before it can do anything else.
    #[serde(default)]
    pub mfa_required_roles: Vec<Role>,
    /// Whether the password form signs people in (default on). It can be turned off only while
    /// single sign-on is on and an enabled admin has signed in through it; the command-line
    /// password reset turns it back on. Absent in a `PUT`: kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_sign_in: Option<bool>,
}
