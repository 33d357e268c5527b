//! Security headers on every response — API answers, static files, the SPA, 404s and errors.
//! A response that already set its own Content-Security-Policy (the SPA page, whose policy carries
//! the hash of Trunk's loader) keeps it; everything else gets the strictest policy that fits.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// For JSON, files and anything not a page: nothing may load or frame it.
const STRICT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Swagger UI (`/api/docs`) styles its widgets inline; it gets its own, looser policy, and only
/// there. It loads nothing from other origins.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// The public health answer may be read by Plexward's own pages on another port or scheme of the
/// same host: after a restart onto a new port the SPA polls it there (a `no-cors` fetch, which
/// `same-origin` blocks) to know when to follow. `same-site` is not enough: Chromium never counts
/// two IP-address origins as same-site (`http://192.168.1.10:5000` → `:5001` is blocked), and
/// self-hosters often use IPs. It holds nothing private (any client may GET it), so it is
/// `cross-origin`; the page's own CSP still limits where the SPA may connect.
const HEALTH_PATH: &str = "/api/v1/health";

/// Over HTTPS only (our own TLS, or a trusted proxy that says so): browsers then refuse plain
/// HTTP to this host for a year. Not `includeSubDomains` nor `preload`: Plexward does not own the
/// domain it is served under, and a preload listing is an owner's decision that is hard to undo.
const HSTS: &str = "max-age=31536000";

/// `same-origin-allow-popups` rather than `same-origin`: "Sign in with Plex" opens Plex's page
/// in a pop-up, and Plexward must keep the handle to close it once the owner approved. Pages of
/// other origins still cannot reach a Plexward window they did not open.
const FIXED: [(&str, &str); 6] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin-allow-popups"),
    ("cross-origin-resource-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    ),
];

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = crate::http::base_path::inner_path(req.request()).to_owned();
    let https = crate::http::client_addr::of(req.request()).https;
    let mut response = next.call(req).await?;
    apply(&path, response.headers_mut());
    if https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    Ok(response)
}

fn apply(path: &str, headers: &mut HeaderMap) {
    for (name, value) in FIXED {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if path == HEALTH_PATH {
        headers.insert(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = if path.starts_with("/api/docs") {
            DOCS_CSP
        } else {
            STRICT_CSP
        };
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    // API answers may carry personal data and tokens: never cache them anywhere.
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_answers_get_strict_csp_and_no_store() {
        let mut headers = HeaderMap::new();
        apply("/api/v1/health", &mut headers);
        assert_eq!(
            headers.get("content-security-policy").map(|v| v.as_bytes()),
            Some(STRICT_CSP.as_bytes())
        );
        assert_eq!(
            headers.get("cache-control").map(|v| v.as_bytes()),
            Some(&b"no-store"[..])
        );
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
    }

    #[test]
    fn only_health_may_be_read_from_another_origin() {
        let corp = |path: &str| {
            let mut headers = HeaderMap::new();
            apply(path, &mut headers);
            headers
                .get("cross-origin-resource-policy")
                .map(|v| v.to_str().unwrap_or_default().to_owned())
        };
        assert_eq!(corp("/api/v1/health").as_deref(), Some("cross-origin"));
        assert_eq!(corp("/api/v1/health/x").as_deref(), Some("same-origin"));
        assert_eq!(corp("/api/v1/me").as_deref(), Some("same-origin"));
        assert_eq!(corp("/").as_deref(), Some("same-origin"));
    }

    #[test]
    fn an_existing_policy_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'"),
        );
        apply("/", &mut headers);
        assert_eq!(
            headers.get("content-security-policy").map(|v| v.as_bytes()),
            Some(&b"default-src 'self'"[..])
        );
        assert!(
            headers.get("cache-control").is_none(),
            "pages choose their own caching"
        );
    }

    #[test]
    fn docs_get_their_own_policy() {
        let mut headers = HeaderMap::new();
        apply("/api/docs/index.html", &mut headers);
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-eval"));
    }
}
