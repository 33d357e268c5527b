//! Single sign-on as text: why a sign-in through the provider came back to the login page
//! (`?sso_error=<code>`, the codes `backend/src/auth/sso.rs` sends), the scopes field, the login
//! button's words and the redirect URI to register at the provider. Pure, so it is tested on the
//! host.

use plexward_shared::Role;

/// What the login page says for `?sso_error=<code>`; an unknown code (a newer server) still gets
/// a sentence.
pub fn sso_error_sentence(code: &str) -> &'static str {
    match code {
        "disabled" => "Single sign-on is turned off: sign in with your username and password.",
        "expired" => "That sign-in took too long or was used already: try again.",
        "token_expired" => {
            "The provider's answer had expired when it reached Plexward (is either clock wrong?): try again."
        }
        "state_mismatch" => {
            "That sign-in was not the one this browser started (another tab, or an old link): try again."
        }
        "refused" => "The provider did not sign you in (cancelled or refused there).",
        "wrong_audience" | "bad_token" | "wrong_issuer" | "wrong_nonce" => {
            "The provider's answer did not pass Plexward's checks; an admin can see why in the audit trail."
        }
        "not_allowed" => {
            "Your account at the provider is not allowed into Plexward: ask an admin to map one of your groups to a role."
        }
        "username_taken" => {
            "Your username at the provider belongs to another Plexward account already: ask an admin to sort it out."
        }
        "account_disabled" => "Your Plexward account is disabled: ask an admin.",
        "provider" => {
            "Plexward cannot reach the provider, or it is set up wrong: try again later, or ask an admin."
        }
        "token_request" => {
            "The provider refused to finish the sign-in (the client id or secret may be wrong): ask an admin."
        }
        "no_id_token" => {
            "The provider answered without an ID token (check its OpenID settings): ask an admin."
        }
        _ => "Single sign-on failed: try again, or ask an admin to look in the audit trail.",
    }
}

/// The login page's link: `Sign in with Authentik`.
pub fn button_text(label: &str) -> String {
    format!("Sign in with {label}")
}

/// The scopes field (`profile email groups`, any whitespace between) → the scopes, each once.
pub fn parse_scopes(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in text.split_whitespace() {
        if !out.iter().any(|s| s == scope) {
            out.push(scope.to_owned());
        }
    }
    out
}

/// The scopes as the field shows them.
pub fn scopes_text(scopes: &[String]) -> String {
    scopes.join(" ")
}

/// What to register at the provider: this page's origin, the base path and the callback path
/// (`http://plexward.lan:8080` + `/plexward` + `/api/v1/auth/sso/callback`).
pub fn redirect_uri(origin: &str, base: &str, callback_path: &str) -> String {
    format!("{}{base}{callback_path}", origin.trim_end_matches('/'))
}

/// The default role's select: `none` or a role's name.
pub fn default_role_value(role: Option<Role>) -> &'static str {
    role.map_or("none", Role::as_str)
}

/// The default role's select value back: `none` (or anything unknown) is no role.
pub fn parse_default_role(value: &str) -> Option<Role> {
    value.parse().ok()
}

#[cfg(test)]
mod tests {
    use plexward_shared::Role;

    use super::*;

    #[test]
    fn every_code_reads_as_a_sentence() {
        assert_eq!(
            sso_error_sentence("not_allowed"),
            "Your account at the provider is not allowed into Plexward: ask an admin to map one of your groups to a role."
        );
        assert_eq!(
            sso_error_sentence("expired"),
            "That sign-in took too long or was used already: try again."
        );
        for code in ["wrong_audience", "bad_token", "wrong_issuer", "wrong_nonce"] {
            assert!(sso_error_sentence(code).contains("did not pass Plexward's checks"));
        }
        let fallback = sso_error_sentence("something_new");
        for code in [
            "disabled",
            "expired",
            "state_mismatch",
            "refused",
            "wrong_audience",
            "not_allowed",
            "username_taken",
            "account_disabled",
            "provider",
            "token_request",
            "no_id_token",
        ] {
            assert_ne!(sso_error_sentence(code), fallback, "{code} has its own");
        }
        assert!(fallback.contains("try again"));
        assert!(sso_error_sentence("internal").contains("try again"));
    }

    #[test]
    fn scopes_are_words() {
        assert_eq!(
            parse_scopes("  profile email\tgroups\nemail "),
            ["profile", "email", "groups"]
        );
        assert!(parse_scopes("   ").is_empty());
        assert_eq!(
            scopes_text(&["profile".into(), "groups".into()]),
            "profile groups"
        );
    }

    #[test]
    fn the_redirect_uri_is_under_the_base_path() {
        let path = "/api/v1/auth/sso/callback";
        assert_eq!(
            redirect_uri("http://127.0.0.1:8080", "", path),
            "http://127.0.0.1:8080/api/v1/auth/sso/callback"
        );
        assert_eq!(
            redirect_uri("https://home.example/", "/plexward", path),
            "https://home.example/plexward/api/v1/auth/sso/callback"
        );
    }

    #[test]
    fn the_default_role_goes_both_ways() {
        assert_eq!(default_role_value(None), "none");
        assert_eq!(default_role_value(Some(Role::Auditor)), "auditor");
        assert_eq!(parse_default_role("none"), None);
        assert_eq!(parse_default_role("moderator"), Some(Role::Moderator));
        assert_eq!(button_text("Test IdP"), "Sign in with Test IdP");
    }
}
