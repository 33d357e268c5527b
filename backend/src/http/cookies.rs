//! The SPA's session cookies: HttpOnly (scripts can't read them), SameSite=Strict (not sent on
//! cross-site requests). Over HTTPS they are also Secure and carry the `__Host-`/`__Secure-`
//! prefixes, which browsers enforce.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};

const ACCESS: &str = "pw_access";
const REFRESH: &str = "pw_refresh";
/// A friend's portal session (no Plexward account): its own cookie, never the access one.
const PORTAL: &str = "pw_portal";
const PORTAL_PATH: &str = "/api/v1/portal";
/// The refresh cookie is only ever needed by these endpoints.
const REFRESH_PATH: &str = "/api/v1/auth";

/// Our own TLS, or a trusted proxy's `X-Forwarded-Proto: https` (never a stranger's header).
fn is_https(req: &HttpRequest) -> bool {
    crate::http::client_addr::of(req).https
}

fn name(base: &str, prefix: &str, secure: bool) -> String {
    if secure {
        format!("{prefix}{base}")
    } else {
        base.to_owned()
    }
}

fn build(
    name: String,
    value: String,
    path: &str,
    max_age_secs: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path.to_owned())
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

pub fn access(req: &HttpRequest, token: &str, max_age_secs: i64) -> Cookie<'static> {
    let secure = is_https(req);
    build(
        name(ACCESS, "__Host-", secure),
        token.to_owned(),
        "/",
        max_age_secs,
        secure,
    )
}

pub fn refresh(req: &HttpRequest, token: &str, max_age_secs: i64) -> Cookie<'static> {
    let secure = is_https(req);
    build(
        name(REFRESH, "__Secure-", secure),
        token.to_owned(),
        &format!("{}{REFRESH_PATH}", crate::http::base_path::of(req)),
        max_age_secs,
        secure,
    )
}

/// Cookies that delete both.
pub fn cleared(req: &HttpRequest) -> [Cookie<'static>; 2] {
    let secure = is_https(req);
    [
        build(
            name(ACCESS, "__Host-", secure),
            String::new(),
            "/",
            0,
            secure,
        ),
        build(
            name(REFRESH, "__Secure-", secure),
            String::new(),
            &format!("{}{REFRESH_PATH}", crate::http::base_path::of(req)),
            0,
            secure,
        ),
    ]
}

/// The portal cookie goes to the portal's own routes only: an owner who tries the portal in the
/// browser they administer from keeps their admin session (an expired access cookie must still
/// answer 401 and refresh, not meet the portal session's 403 elsewhere).
pub fn portal(req: &HttpRequest, token: &str, max_age_secs: i64) -> Cookie<'static> {
    let secure = is_https(req);
    build(
        name(PORTAL, "__Secure-", secure),
        token.to_owned(),
        &format!("{}{PORTAL_PATH}", crate::http::base_path::of(req)),
        max_age_secs,
        secure,
    )
}

/// The cookie that deletes the portal session's.
pub fn portal_cleared(req: &HttpRequest) -> Cookie<'static> {
    portal(req, "", 0)
}

pub fn read_portal(req: &HttpRequest) -> Option<String> {
    read(req, PORTAL, "__Secure-")
}

pub fn read_access(req: &HttpRequest) -> Option<String> {
    read(req, ACCESS, "__Host-")
}

pub fn read_refresh(req: &HttpRequest) -> Option<String> {
    read(req, REFRESH, "__Secure-")
}

fn read(req: &HttpRequest, base: &str, prefix: &str) -> Option<String> {
    let value = if is_https(req) {
        req.cookie(&format!("{prefix}{base}"))
    } else {
        req.cookie(base)
    };
    value
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}
