//! Two-factor codes (TOTP, RFC 6238: HMAC-SHA1, 6 digits, 30-second steps — what every
//! authenticator app reads), one step either side allowed for clock drift, and never the same
//! step twice (RFC 6238 §5.2); recovery codes, stored as hashes; the enrolment QR code drawn
//! here as SVG (no third-party service sees the secret).

use rand::Rng;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Steps either side of now a code may come from.
const SKEW: u16 = 1;
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("the code is not valid now")]
    Wrong,
    /// A code already used (or older than one used): codes work once.
    #[error("the code was already used")]
    Replayed,
}

/// A new random secret (160 bits, as RFC 4226 recommends).
pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; 20];
    rand::rng().fill(bytes.as_mut_slice());
    bytes
}

fn totp(secret: &[u8], account: &str) -> Totp {
    // (A `:` would end the label early: account names never hold one, but be sure.)
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(SKEW)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_issuer(Some("Plexward"))
        .with_account_name(account.replace(':', "_"))
        .build_noncompliant()
}

/// The secret as people type it (base32).
pub fn base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// `otpauth://totp/Plexward:<account>?secret=…&issuer=Plexward`.
pub fn otpauth_uri(secret: &[u8], account: &str) -> String {
    totp(secret, account).to_url().unwrap_or_default()
}

/// Checks `code` at `now_secs`: the step it matched, newer than `last_step` (the last one
/// accepted), or why not.
pub fn check(
    secret: &[u8],
    code: &str,
    now_secs: u64,
    last_step: Option<u64>,
) -> Result<u64, CodeError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(CodeError::Wrong);
    }
    let t = totp(secret, "");
    let step = t.check(&code, now_secs).ok_or(CodeError::Wrong)?;
    match last_step {
        Some(last) if step <= last => Err(CodeError::Replayed),
        _ => Ok(step),
    }
}

/// The code for `now_secs` (tests, and nothing else, need to make codes).
pub fn code_at(secret: &[u8], now_secs: u64) -> String {
    totp(secret, "").generate(now_secs).to_string()
}

/// Ten recovery codes, `xxxxx-xxxxx` (≈ 50 bits each).
pub fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| super::secrets::random_groups(2))
        .collect()
}

/// A recovery code as typed (case, spaces and dashes aside), for hashing.
pub fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The QR code of `text` as a small SVG document.
pub fn qr_svg(text: &str) -> Option<String> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let border = 4;
    let size = qr.size() + 2 * border;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, truncated to 6 digits.
    #[test]
    fn codes_follow_rfc_6238() {
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(code_at(secret, 1_111_111_109), "081804");
        assert_eq!(code_at(secret, 1_234_567_890), "005924");
        assert_eq!(code_at(secret, 20_000_000_000), "353130");
    }

    #[test]
    fn a_code_works_one_step_either_side_and_only_once() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let step = now / 30;
        assert_eq!(check(&secret, &code_at(&secret, now), now, None), Ok(step));
        assert_eq!(
            check(&secret, &code_at(&secret, now - 30), now, None),
            Ok(step - 1)
        );
        assert_eq!(
            check(&secret, &code_at(&secret, now + 30), now, None),
            Ok(step + 1)
        );
        assert_eq!(
            check(&secret, &code_at(&secret, now - 60), now, None),
            Err(CodeError::Wrong)
        );
        assert_eq!(
            check(&secret, &code_at(&secret, now), now, Some(step)),
            Err(CodeError::Replayed),
            "never twice"
        );
        assert_eq!(
            check(&secret, &code_at(&secret, now - 30), now, Some(step)),
            Err(CodeError::Replayed),
            "nor an older one after a newer"
        );
        assert_eq!(check(&secret, "12 34", now, None), Err(CodeError::Wrong));
        let spaced = code_at(&secret, now);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(check(&secret, &spaced, now, None), Ok(step));
    }

    #[test]
    fn the_uri_and_qr_code_name_the_account() {
        let secret = new_secret();
        let uri = otpauth_uri(&secret, "carol");
        assert!(uri.starts_with("otpauth://totp/Plexward:carol?"), "{uri}");
        assert!(
            uri.contains(&format!("secret={}", base32(&secret))),
            "{uri}"
        );
        let svg = qr_svg(&uri).expect("fits");
        assert!(
            svg.starts_with("<svg") && svg.contains("<path d=\"M"),
            "{svg}"
        );
    }

    #[test]
    fn recovery_codes_are_distinct_and_typed_loosely() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let set: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(set.len(), RECOVERY_CODES);
        assert_eq!(normalise_recovery_code(" ABCDE-fghij "), "abcdefghij");
    }
}
