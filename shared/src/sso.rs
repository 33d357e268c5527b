//! Single sign-on with OpenID Connect (`/api/v1/settings/sso`, `/api/v1/auth/sso…`).

use serde::{Deserialize, Serialize};

use crate::Role;

/// The path the provider sends people back to, under Plexward's address (register
/// `https://plexward.example/api/v1/auth/sso/callback` at the provider).
pub const SSO_CALLBACK_PATH: &str = "/api/v1/auth/sso/callback";

/// A group (from the ID token's groups claim) and the role it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SsoRoleRule {
    pub group: String,
    pub role: Role,
}

/// Single sign-on, as saved (the client secret is never returned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SsoSettingsResponse {
    pub enabled: bool,
    /// The provider's issuer URL, exactly as its discovery document says it.
    pub issuer: String,
    pub client_id: String,
    /// Whether a client secret is saved.
    pub client_secret_set: bool,
    /// Scopes asked besides `openid`.
    pub scopes: Vec<String>,
    /// Group → role, the highest role a person's groups give wins.
    pub role_mapping: Vec<SsoRoleRule>,
    /// Whether a person the provider vouches for who has no account here gets one.
    pub create_unknown_users: bool,
    /// The role of someone whose groups match no rule (none: refused).
    pub default_role: Option<Role>,
    /// The login page's button: "Sign in with {button_label}".
    pub button_label: String,
    /// What to register at the provider as the redirect URI, after Plexward's address.
    pub callback_path: String,
}

/// Body of `PUT /api/v1/settings/sso`: absent fields are kept.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SsoSettingsRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Write-only; `""` removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_mapping: Option<Vec<SsoRoleRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_unknown_users: Option<bool>,
    /// `null` clears it.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_role: Option<Option<Role>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_label: Option<String>,
}

impl std::fmt::Debug for SsoSettingsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSettingsRequest")
            .field("enabled", &self.enabled)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("scopes", &self.scopes)
            .field("role_mapping", &self.role_mapping)
            .field("create_unknown_users", &self.create_unknown_users)
            .field("default_role", &self.default_role)
            .field("button_label", &self.button_label)
            .finish()
    }
}

/// What the login page needs: whether to show the button, and its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SsoInfoResponse {
    pub enabled: bool,
    pub button_label: String,
    /// Whether the password form signs people in (off: single sign-on only).
    #[serde(default = "yes")]
    pub local_sign_in: bool,
}

fn yes() -> bool {
    true
}

/// `Some(None)` for an explicit `null`, `None` when absent.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}
