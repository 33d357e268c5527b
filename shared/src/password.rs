//! The password policy: 12–128 characters, no composition rules, and a zxcvbn score of at least 3
//! with the username and the product's names as context, so "plexward-admin-2026" style passwords
//! are refused. One scorer, on the server (feature `server`): it enforces the policy, and the
//! SPA's strength meter asks it (`POST /api/v1/password/strength`) instead of carrying zxcvbn's
//! word lists in its WASM. The length rule needs no word list, so the SPA checks it too.

use serde::{Deserialize, Serialize};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;
/// zxcvbn scores 0–4; 3 means "safely unguessable: moderate protection from offline attacks".
pub const MIN_SCORE: u8 = 3;

/// Words an attacker would try first against this app.
#[cfg(feature = "server")]
const CONTEXT: [&str; 4] = ["plex", "plexward", "admin", "password"];

/// Body of `POST /api/v1/password/strength`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordStrengthRequest {
    /// The candidate password (never stored or logged).
    pub password: String,
    /// The account it is for (a new account's name, say); the caller's own when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// The verdict on a candidate password (the answer of `POST /api/v1/password/strength`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PasswordCheck {
    /// zxcvbn score, 0 (trivial) to 4 (very strong).
    pub score: u8,
    /// Whether the policy accepts it.
    pub acceptable: bool,
    /// Why it is refused, or how to make it stronger; empty when there is nothing to say.
    pub message: String,
}

/// Why `password` has the wrong length, if it has; counted in characters. The first rule of
/// [`check_password`], cheap enough for the SPA to apply before asking the server.
pub fn length_problem(password: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        Some(format!(
            "Use at least {MIN_LENGTH} characters (now {length}); a few unrelated words work well."
        ))
    } else if length > MAX_LENGTH {
        Some(format!("Use at most {MAX_LENGTH} characters."))
    } else {
        None
    }
}

/// Checks `password` for the account `username`. Length is counted in characters.
#[cfg(feature = "server")]
pub fn check_password(password: &str, username: &str) -> PasswordCheck {
    if let Some(problem) = length_problem(password) {
        return refused(0, problem);
    }
    let mut context: Vec<&str> = CONTEXT.to_vec();
    if !username.is_empty() {
        context.push(username);
    }
    let entropy = zxcvbn::zxcvbn(password, &context);
    let score = u8::from(entropy.score());
    let hint = entropy
        .feedback()
        .map(|f| {
            let mut parts: Vec<String> = f.warning().map(|w| w.to_string()).into_iter().collect();
            parts.extend(f.suggestions().iter().map(ToString::to_string));
            parts.join(" ")
        })
        .unwrap_or_default();
    if score < MIN_SCORE {
        let message = if hint.is_empty() {
            "This password is too easy to guess; add more unrelated words.".to_owned()
        } else {
            format!("This password is too easy to guess. {hint}")
        };
        return refused(score, message);
    }
    PasswordCheck {
        score,
        acceptable: true,
        message: String::new(),
    }
}

#[cfg(feature = "server")]
fn refused(score: u8, message: String) -> PasswordCheck {
    PasswordCheck {
        score,
        acceptable: false,
        message,
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused_with_the_reason() {
        let check = check_password("Tr0ub4dor&3", "alice");
        assert!(!check.acceptable);
        assert!(check.message.contains("at least 12"), "{}", check.message);
    }

    #[test]
    fn common_and_contextual_passwords_are_refused() {
        for (pw, user) in [
            ("password1234", "bob"),
            ("aaaaaaaaaaaaaaaa", "bob"),
            ("plexwardplexward", "bob"),
            ("carol-the-admin", "carol-the-admin"),
        ] {
            let check = check_password(pw, user);
            assert!(!check.acceptable, "{pw} should be refused");
            assert!(!check.message.is_empty());
        }
    }

    #[test]
    fn long_unrelated_words_are_accepted_without_composition_rules() {
        let check = check_password("correct horse battery staple", "alice");
        assert!(check.acceptable, "{check:?}");
        assert!(check.score >= MIN_SCORE);
    }

    #[test]
    fn the_length_rule_alone_gives_the_same_message_as_the_whole_check() {
        for pw in ["short".to_owned(), "x".repeat(129)] {
            assert_eq!(length_problem(&pw), Some(check_password(&pw, "x").message));
        }
        assert_eq!(length_problem("plexplexplex"), None);
    }

    #[test]
    fn length_limits_count_characters_not_bytes() {
        assert!(!check_password(&"é".repeat(11), "x").acceptable);
        assert!(!check_password(&"x".repeat(129), "y").acceptable);
        assert!(check_password("ünïcödé wörds gälöre früh", "z").acceptable);
    }
}
