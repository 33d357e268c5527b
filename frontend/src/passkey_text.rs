//! Passkeys as text: what the sign-in page, the second step and My account say when the server
//! refuses a passkey (the codes of `/api/v1/me/passkeys…` and `/api/v1/auth/passkey…`). Pure,
//! so it is tested on the host; what the *browser* refuses is worded in `webauthn.rs`.

use crate::api::ApiError;
use crate::components::change_password_form::field_sentence;

/// The default name of a new passkey: most people have one, and can rename it later.
pub const DEFAULT_NAME: &str = "Passkey";

/// Why signing in with a passkey alone (the sign-in page's button) failed.
pub fn sign_in_problem(code: &str, message: &str) -> String {
    match code {
        // Also a ceremony that expired or was used: the same sentence, as trying again fixes both.
        "invalid_passkey" => {
            "That passkey is not registered here, or it did not sign the request. \
                              Try again, or sign in with your password."
                .into()
        }
        // `passkeys_unavailable`, `local_sign_in_off`, `account_disabled`: the server's own words
        // say what to do.
        _ => message.to_owned(),
    }
}

/// Why the passkey as the second step of a password sign-in failed.
pub fn second_step_problem(code: &str, message: &str) -> String {
    match code {
        "invalid_passkey" => "That passkey is not one of this account's, or it did not sign the \
                              request: try again, or use another passkey."
            .into(),
        "mfa_expired" => "This sign-in has expired (after 5 minutes): go back and sign in again \
                          with your password."
            .into(),
        _ => message.to_owned(),
    }
}

/// What a sign-in page does with a refused passkey sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 429: the page's countdown, in seconds.
    Wait(u64),
    /// A sentence to show.
    Say(String),
}

impl Refusal {
    /// From the server's answer, worded by `words` ([`sign_in_problem`] or
    /// [`second_step_problem`]).
    pub fn from_api(e: &ApiError, words: fn(&str, &str) -> String) -> Self {
        match (e.status, e.retry_after) {
            (429, Some(secs)) => Self::Wait(secs.max(1)),
            _ => Self::Say(words(&e.code, &e.message)),
        }
    }
}

/// Where a refused registration is said: under the name field, or above the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterProblem {
    Name(String),
    Form(String),
}

/// Why `POST /api/v1/me/passkeys` (or starting it) was refused: `code` and `message` of the
/// answer, `field` the first of its field reasons as (field, reason).
pub fn register_problem(code: &str, message: &str, field: Option<(&str, &str)>) -> RegisterProblem {
    match field {
        Some(("name", reason)) => RegisterProblem::Name(field_sentence("The name", reason)),
        Some(("ceremony_id", _)) => RegisterProblem::Form(
            "That took too long (over 5 minutes), or was already used: add the passkey again."
                .into(),
        ),
        Some(("credential", reason)) => RegisterProblem::Form(format!(
            "Plexward refused the browser's new passkey: {}",
            field_sentence("it", reason)
        )),
        _ if code == "passkey_exists" => RegisterProblem::Form(
            "That passkey is registered here already (under another name): nothing was added."
                .into(),
        ),
        // `passkeys_unavailable` (an IP address, or a host name Plexward is not configured with)
        // and anything else: the server explains.
        _ => RegisterProblem::Form(message.to_owned()),
    }
}

/// A name as typed, trimmed; why not, when it will be refused (the server's rule, checked here
/// first so the browser's prompt is not shown for nothing).
pub fn checked_name(input: &str) -> Result<String, String> {
    plexward_shared::check_passkey_name(input)
        .map(|()| input.trim().to_owned())
        .map_err(|reason| field_sentence("The name", reason))
}

#[cfg(test)]
mod tests {
    use super::{
        RegisterProblem, checked_name, register_problem, second_step_problem, sign_in_problem,
    };

    #[test]
    fn sign_in_refusals_in_words() {
        assert!(
            sign_in_problem("invalid_passkey", "x").starts_with(
                "That passkey is not registered here, or it did not sign the request."
            )
        );
        assert_eq!(
            sign_in_problem("passkeys_unavailable", "Open Plexward at its host name."),
            "Open Plexward at its host name."
        );
        assert!(second_step_problem("invalid_passkey", "x").contains("not one of this account's"));
        assert!(second_step_problem("mfa_expired", "x").contains("expired"));
        assert_eq!(
            second_step_problem("account_disabled", "Disabled."),
            "Disabled."
        );
    }

    #[test]
    fn registration_refusals_land_where_they_belong() {
        assert_eq!(
            register_problem("validation_failed", "x", Some(("name", "is already taken"))),
            RegisterProblem::Name("The name is already taken.".into())
        );
        assert!(matches!(
            register_problem("validation_failed", "x", Some(("ceremony_id", "expired"))),
            RegisterProblem::Form(m) if m.contains("too long")
        ));
        assert_eq!(
            register_problem(
                "validation_failed",
                "x",
                Some(("credential", "was not signed by the authenticator"))
            ),
            RegisterProblem::Form(
                "Plexward refused the browser's new passkey: it was not signed by the \
                 authenticator."
                    .into()
            )
        );
        assert!(matches!(
            register_problem("passkey_exists", "x", None),
            RegisterProblem::Form(m) if m.contains("registered here already")
        ));
        assert_eq!(
            register_problem("passkeys_unavailable", "Use the host name.", None),
            RegisterProblem::Form("Use the host name.".into())
        );
    }

    #[test]
    fn names_are_checked_before_the_prompt() {
        assert_eq!(checked_name("  Phone ").as_deref(), Ok("Phone"));
        assert_eq!(
            checked_name("   "),
            Err("The name must not be empty.".into())
        );
        assert!(checked_name(&"x".repeat(65)).is_err());
    }
}
