//! What the auth and accounts services refuse, and why, in their own terms. `http/error.rs` maps
//! each to its status and envelope (the one place that knows about HTTP).

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credentials, or they are not (any longer) valid.
    #[error("not signed in")]
    Unauthenticated,
    /// `If-Match` names an older version of the account (someone changed it since).
    #[error("the account was changed since that version")]
    Stale,
    /// A sign-in with a wrong username or password.
    #[error("wrong username or password")]
    InvalidCredentials,
    /// A second-factor code that is wrong, or was already used.
    #[error("wrong or already used code")]
    InvalidCode,
    /// The sign-in waiting for its second step is unknown, over or ended by wrong codes.
    #[error("the sign-in expired")]
    MfaExpired,
    /// Two-factor sign-in is on already (turn it off first to set it up again).
    #[error("two-factor sign-in is already on")]
    MfaAlreadyOn,
    /// The account's role requires two-factor sign-in: it cannot be turned off.
    #[error("two-factor sign-in is required for the {} role", .0.as_str())]
    MfaRequiredForRole(plexward_shared::Role),
    /// This session must set up two-factor sign-in before anything else (its role requires it).
    #[error("two-factor sign-in must be set up first")]
    MfaEnrolmentRequired,
    /// Local sign-in cannot be off unless an admin can sign in through single sign-on.
    #[error("no admin can sign in through single sign-on")]
    SsoAdminRequired,
    /// The password form is off (single sign-on only).
    #[error("local sign-in is off")]
    LocalSignInOff,
    /// Passkeys cannot work at the address the browser used (a bare IP, or a host that is not
    /// one of the configured hostnames): why, in words.
    #[error("passkeys are unavailable here: {0}")]
    PasskeysUnavailable(String),
    /// The passkey is registered already (to this account or another).
    #[error("the passkey is registered already")]
    PasskeyExists,
    /// A passkey sign-in that failed: an unknown passkey, a wrong signature, or a ceremony that
    /// expired or was used.
    #[error("the passkey was not accepted")]
    InvalidPasskey,
    /// A passkey was asked of an account that has none.
    #[error("the account has no passkeys")]
    NoPasskeys,
    /// Signed in, but the role does not allow it.
    #[error("the role does not allow this")]
    Forbidden,
    /// The session must choose a new password before anything else.
    #[error("a password change is required")]
    PasswordChangeRequired,
    #[error("the account is disabled")]
    AccountDisabled,
    /// API tokens are made from a signed-in session, never from another token.
    #[error("a signed-in session is required")]
    SessionRequired,
    /// The refresh token was used a moment ago by a concurrent request (another tab).
    #[error("the session was refreshed a moment ago")]
    RefreshConflict,
    /// Too many sign-in attempts, from this address or for this name.
    #[error("too many sign-in attempts")]
    LoginThrottled { retry_after_secs: u64 },
    /// Too many wrong current passwords in a password change.
    #[error("too many wrong passwords")]
    PasswordThrottled { retry_after_secs: u64 },
    /// An input a rule refuses: the field and why.
    #[error("{field} {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("no such account or token")]
    NotFound,
    /// An admin may not `what` (delete, disable, demote) their own account.
    #[error("cannot {0} your own account")]
    SelfChange(&'static str),
    /// The change would leave no enabled admin.
    #[error("the last enabled admin")]
    LastAdmin,
    #[error("the username is taken")]
    UsernameTaken,
    #[error("the token name is taken")]
    TokenNameTaken,
    #[error(transparent)]
    Db(#[from] DbError),
    /// A bug or an unexpected failure (hashing, signing).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AuthError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
