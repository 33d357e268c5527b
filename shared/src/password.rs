//! The password policy, one implementation for the server (which enforces it) and the SPA (which
//! shows strength as you type): 12–128 characters, no composition rules, and a zxcvbn score of at
//! least 3 with the username and the product's names as context, so "plexward-admin-2026" style
//! passwords are refused.

use serde::{Deserialize, Serialize};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;
/// zxcvbn scores 0–4; 3 means "safely unguessable: moderate protection from offline attacks".
pub const MIN_SCORE: u8 = 3;

/// Words an attacker would try first against this app.
const CONTEXT: [&str; 4] = ["plex", "plexward", "admin", "password"];

/// The verdict on a candidate password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordCheck {
    /// zxcvbn score, 0 (trivial) to 4 (very strong).
    pub score: u8,
    /// Whether the policy accepts it.
    pub acceptable: bool,
    /// Why it is refused, or how to make it stronger; empty when there is nothing to say.
    pub message: String,
}

/// Checks `password` for the account `username`. Length is counted in characters.
pub fn check_password(password: &str, username: &str) -> PasswordCheck {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return refused(
            0,
            format!(
                "Use at least {MIN_LENGTH} characters (now {length}); a few unrelated words work well."
            ),
        );
    }
    if length > MAX_LENGTH {
        return refused(0, format!("Use at most {MAX_LENGTH} characters."));
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

fn refused(score: u8, message: String) -> PasswordCheck {
    PasswordCheck {
        score,
        acceptable: false,
        message,
    }
}

#[cfg(test)]
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
    fn length_limits_count_characters_not_bytes() {
        assert!(!check_password(&"é".repeat(11), "x").acceptable);
        assert!(!check_password(&"x".repeat(129), "y").acceptable);
        assert!(check_password("ünïcödé wörds gälöre früh", "z").acceptable);
    }
}
