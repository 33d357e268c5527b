//! CSRF defence for cookie-authenticated requests that change something. Browsers attach cookies
//! to cross-site requests (SameSite=Strict already stops most), so a mutating request carrying our
//! cookies must also prove it came from our own pages: `Sec-Fetch-Site: same-origin`, or an
//! `Origin` equal to this server's; and it must be `Content-Type: application/json`, which a
//! cross-site form cannot send and cross-site `fetch` cannot send without a CORS preflight that
//! this server never approves. Bearer-token requests need no such check: browsers never add
//! an Authorization header on their own.
//!
//! One exception: the certificate upload is `multipart/form-data` (the SPA sends the files as
//! `FormData`), which a cross-site form *can* send. It passes only with `Sec-Fetch-Site:
//! same-origin` — a header page scripts cannot set, sent by every browser that runs the SPA — and
//! never on the weaker `Origin` fallback. Together with SameSite=Strict that still refuses every
//! request not made by our own pages.

use actix_web::HttpRequest;
use actix_web::http::Method;

/// Whether the request may proceed.
pub fn same_origin(req: &HttpRequest) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let media_type = |wanted: &str| {
        header("content-type").is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case(wanted))
        })
    };
    if media_type("multipart/form-data") {
        return header("sec-fetch-site") == Some("same-origin");
    }
    if !media_type("application/json") {
        return false;
    }
    if let Some(site) = header("sec-fetch-site") {
        return site == "same-origin";
    }
    match header("origin") {
        Some(origin) => {
            let scheme = if crate::http::client_addr::of(req).https {
                "https"
            } else {
                "http"
            };
            origin == format!("{scheme}://{}", crate::http::client_addr::host(req))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn reads_are_always_fine() {
        assert!(same_origin(&TestRequest::get().to_http_request()));
    }

    #[test]
    fn mutations_need_same_origin_proof() {
        let bare = TestRequest::post()
            .insert_header(("host", "pw.local:5000"))
            .to_http_request();
        assert!(!same_origin(&bare));
        let same = TestRequest::post()
            .insert_header(("host", "pw.local:5000"))
            .insert_header(("origin", "http://pw.local:5000"))
            .insert_header(("content-type", "application/json; charset=utf-8"))
            .to_http_request();
        assert!(same_origin(&same));
        let form = TestRequest::post()
            .insert_header(("host", "pw.local:5000"))
            .insert_header(("origin", "http://pw.local:5000"))
            .insert_header(("content-type", "text/plain"))
            .to_http_request();
        assert!(!same_origin(&form), "not JSON");
        let cross = TestRequest::post()
            .insert_header(("host", "pw.local:5000"))
            .insert_header(("origin", "http://evil.example"))
            .insert_header(("content-type", "application/json"))
            .to_http_request();
        assert!(!same_origin(&cross));
        let fetch_cross = TestRequest::put()
            .insert_header(("sec-fetch-site", "cross-site"))
            .insert_header(("origin", "http://pw.local:5000"))
            .insert_header(("host", "pw.local:5000"))
            .insert_header(("content-type", "application/json"))
            .to_http_request();
        assert!(!same_origin(&fetch_cross), "Sec-Fetch-Site wins");
    }

    #[test]
    fn multipart_passes_only_with_sec_fetch_site_same_origin() {
        let upload = |site: Option<&str>| {
            let mut req = TestRequest::post()
                .insert_header(("host", "pw.local:5000"))
                .insert_header(("origin", "http://pw.local:5000"))
                .insert_header(("content-type", "multipart/form-data; boundary=x"));
            if let Some(site) = site {
                req = req.insert_header(("sec-fetch-site", site));
            }
            same_origin(&req.to_http_request())
        };
        assert!(upload(Some("same-origin")));
        assert!(!upload(Some("same-site")), "a sibling subdomain's form");
        assert!(!upload(Some("cross-site")));
        assert!(
            !upload(None),
            "a matching Origin alone is not enough for a form-able body"
        );
    }
}
