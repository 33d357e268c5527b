//! Serves the built SPA (Trunk's `dist/`): hashed assets with a year-long immutable cache, the
//! `index.html` page with `no-cache` for every client-side route, and a Content-Security-Policy
//! that allows exactly Trunk's inline loader (by its SHA-256) and nothing else inline.
//!
//! `scripts/build-web.sh` leaves a brotli (`.br`) and a gzip (`.gz`) copy beside every file; each
//! answer picks one by the request's `Accept-Encoding` (brotli, then gzip, then the file itself)
//! with `Vary: Accept-Encoding`, so nothing is compressed per request. A copy older than its file
//! (a build that skipped the script) is ignored.

use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use sha2::{Digest, Sha256};

/// What the page source (`frontend/index.html`) says for the root.
const BASE_ELEMENT: &str = "<base href=\"/\" />";

/// The SPA as found at startup.
#[derive(Debug, Clone)]
pub struct Spa {
    dir: PathBuf,
    index: Option<IndexPage>,
}

#[derive(Debug, Clone)]
struct IndexPage {
    html: web::Bytes,
    /// The build's brotli and gzip copies of `html`, when it made them.
    brotli: Option<web::Bytes>,
    gzip: Option<web::Bytes>,
    /// ` 'sha256-…'` for each inline script, for the page's policy.
    script_hashes: String,
}

/// The precompressed copies, in the order they are preferred.
const ENCODINGS: [(ContentEncoding, &str); 2] = [
    (ContentEncoding::Brotli, "br"),
    (ContentEncoding::Gzip, "gz"),
];

/// The best encoding both sides have: brotli, then gzip, among those `accept` (a request's
/// `Accept-Encoding`) allows and `have` offers; `None` for the file as it is. A coding is allowed
/// when named with a non-zero q-value, or covered by a non-zero `*` without being named.
fn negotiate(accept: &str, have: impl Fn(ContentEncoding) -> bool) -> Option<ContentEncoding> {
    let listed: Vec<(String, bool)> = accept
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let coding = parts.next()?.trim().to_ascii_lowercase();
            let allowed = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                .all(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0));
            (!coding.is_empty()).then_some((coding, allowed))
        })
        .collect();
    let allows = |name: &str| match listed.iter().find(|(c, _)| c == name) {
        Some((_, allowed)) => *allowed,
        None => listed.iter().any(|(c, allowed)| c == "*" && *allowed),
    };
    ENCODINGS
        .into_iter()
        .find_map(|(encoding, _)| (allows(encoding.as_str()) && have(encoding)).then_some(encoding))
}

/// `path` + `.br` / `.gz`.
fn variant_path(path: &Path, extension: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The copy of `path` compressed with `extension`, if the build left one at least as new as it.
fn fresh_variant(path: &Path, extension: &str) -> Option<PathBuf> {
    let variant = variant_path(path, extension);
    let (original, copy) = (modified(path)?, modified(&variant)?);
    (copy >= original).then_some(variant)
}

fn accept_encoding(req: &HttpRequest) -> &str {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Shown when `index.html` is missing, so a fresh checkout explains itself instead of 404ing.
const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Plexward</title></head><body><h1>Plexward is running</h1><p>The web interface has not \
been built. Run <code>bash scripts/build-web.sh</code>, or point <code>PLEXWARD_WEB_DIR</code> \
at a built <code>dist/</code> directory. The API is available under <code>/api/v1</code>; its \
documentation is at <a href=\"/api/docs/\">/api/docs/</a>.</p></body></html>";

impl Spa {
    /// Reads `dir/index.html` once; a missing or unreadable page is logged, not fatal. Under a
    /// `base_path` the page's `<base href="/">` names it (the build's compressed copies of the
    /// page are then stale: the page is compressed per request, it is small).
    pub fn load(dir: &Path, base_path: &str) -> Self {
        let page = dir.join("index.html");
        let index = match std::fs::read(&page) {
            Ok(html) if !base_path.is_empty() => {
                let html = String::from_utf8_lossy(&html).replacen(
                    BASE_ELEMENT,
                    &format!("<base href=\"{base_path}/\" />"),
                    1,
                );
                Some(IndexPage {
                    script_hashes: script_hashes(&html),
                    html: html.into_bytes().into(),
                    brotli: None,
                    gzip: None,
                })
            }
            Ok(html) => {
                let script_hashes = script_hashes(&String::from_utf8_lossy(&html));
                let copy = |extension| {
                    fresh_variant(&page, extension)
                        .and_then(|p| std::fs::read(p).ok())
                        .map(web::Bytes::from)
                };
                Some(IndexPage {
                    html: html.into(),
                    brotli: copy("br"),
                    gzip: copy("gz"),
                    script_hashes,
                })
            }
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "web UI not found; serving API only");
                None
            }
        };
        Self {
            dir: dir.to_path_buf(),
            index,
        }
    }

    /// Whether a built UI was found.
    pub fn is_built(&self) -> bool {
        self.index.is_some()
    }

    fn index_response(&self, req: &HttpRequest) -> HttpResponse {
        match &self.index {
            Some(page) => {
                let encoding = negotiate(accept_encoding(req), |e| match e {
                    ContentEncoding::Brotli => page.brotli.is_some(),
                    _ => page.gzip.is_some(),
                });
                let body = match encoding {
                    Some(ContentEncoding::Brotli) => page.brotli.clone(),
                    Some(_) => page.gzip.clone(),
                    None => None,
                };
                let mut response = HttpResponse::Ok();
                response
                    .content_type("text/html; charset=utf-8")
                    .insert_header((header::CACHE_CONTROL, "no-cache"))
                    .insert_header((header::VARY, "Accept-Encoding"))
                    .insert_header((
                        header::CONTENT_SECURITY_POLICY,
                        page_csp(
                            &page.script_hashes,
                            csp_host(&crate::http::client_addr::host(req)).as_deref(),
                        ),
                    ));
                if let Some(encoding) = encoding {
                    response.insert_header((header::CONTENT_ENCODING, encoding.as_str()));
                }
                response.body(body.unwrap_or_else(|| page.html.clone()))
            }
            None => HttpResponse::ServiceUnavailable()
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .body(NOT_BUILT),
        }
    }
}

/// ` 'sha256-…'` for each inline script of the built page (Trunk's module loader).
fn script_hashes(html: &str) -> String {
    inline_scripts(html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect()
}

/// The page's policy: `'self'` for everything, WASM compilation allowed, and the exact inline
/// scripts of the built page allowed by hash. `connect-src` also names the page's own host on any
/// port and either scheme: after Settings → Server → Restart the page polls Plexward's health
/// where it will come back (new port, maybe HTTPS) before following it there, and no narrower
/// source expression can name a port chosen after the page loaded. Only Plexward's own host;
/// nothing else can be fetched. `base-uri 'self'`: the page's own `<base href>` (its
/// `base_path`) names where it is served, and no injected one can point elsewhere.
fn page_csp(script_hashes: &str, host: Option<&str>) -> String {
    let restart_target = host
        .map(|h| format!(" http://{h}:* https://{h}:*"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{script_hashes}; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'{restart_target}; \
         object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The request's host name (port dropped) when it can stand in a CSP source expression: a DNS
/// name or an IPv4 address, letters, digits, `-` and `.` only. Anything else (IPv6, which CSP
/// cannot name, or a malformed `Host`) gets no extra source — never a header injection.
fn csp_host(host: &str) -> Option<String> {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let valid = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    valid.then(|| name.to_ascii_lowercase())
}

/// Bodies of the `<script>` elements without a `src` attribute, byte for byte as the browser
/// hashes them.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<script").map(|i| i + from) {
        let Some(open_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let Some(close) = lower[open_end..].find("</script").map(|i| i + open_end) else {
            break;
        };
        let tag = &lower[start..open_end];
        if !tag.contains(" src=") {
            found.push(&html[open_end + 1..close]);
        }
        from = close;
    }
    found.into_iter()
}

/// Trunk names built assets `name-<hash>.ext`, the hash a 64-bit number in hex without leading
/// zeros (so one build in sixteen has 15 digits): their content never changes under that name.
fn is_hashed_asset(file_name: &str) -> bool {
    let stem = file_name.split('.').next().unwrap_or(file_name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A request path as a file path inside the SPA directory, or `None` when it could escape it
/// or name something hidden.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let rel = Path::new(path.trim_start_matches('/'));
    if path.contains(['%', '\\', '\0']) {
        return None;
    }
    rel.components()
        .all(|c| matches!(c, Component::Normal(s) if !s.to_string_lossy().starts_with('.')))
        .then(|| rel.to_path_buf())
}

/// Default service for everything outside `/api`: a file when the path names one, otherwise the
/// SPA page (client-side routes such as `/users/42`).
pub async fn serve(req: HttpRequest, spa: web::Data<Spa>) -> HttpResponse {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .finish();
    }
    let path = crate::http::base_path::inner_path(&req);
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.is_empty() || !last.contains('.') || last == "index.html" {
        return spa.index_response(&req);
    }
    match safe_relative(path) {
        Some(rel) => serve_file(&req, &spa.dir.join(rel), last).await,
        None => not_found(),
    }
}

async fn serve_file(req: &HttpRequest, file: &Path, name: &str) -> HttpResponse {
    // The file itself must exist (a lone `.br` is not served); its type and name are the answer's.
    let Ok(original) = NamedFile::open_async(file).await else {
        return not_found();
    };
    let encoding = negotiate(accept_encoding(req), |e| {
        ENCODINGS
            .iter()
            .any(|(have, ext)| *have == e && fresh_variant(file, ext).is_some())
    });
    let named = match encoding {
        Some(encoding) => {
            let extension = ENCODINGS
                .iter()
                .find_map(|(e, ext)| (*e == encoding).then_some(*ext))
                .unwrap_or("gz");
            match NamedFile::open_async(variant_path(file, extension)).await {
                Ok(copy) => copy
                    .set_content_type(original.content_type().clone())
                    .set_content_disposition(original.content_disposition().clone())
                    .set_content_encoding(encoding),
                Err(_) => original,
            }
        }
        None => original,
    };
    let mut response = named
        .use_etag(true)
        .use_last_modified(true)
        .prefer_utf8(true)
        .into_response(req);
    let cache = if is_hashed_asset(name) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

fn not_found() -> HttpResponse {
    HttpResponse::build(StatusCode::NOT_FOUND)
        .content_type("text/plain; charset=utf-8")
        .body("Not found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts() {
        let html = r#"<html><head><script src="/a.js"></script><script type="module">import init from '/x.js';init();</script></head></html>"#;
        let scripts: Vec<_> = inline_scripts(html).collect();
        assert_eq!(scripts, vec!["import init from '/x.js';init();"]);
        let csp = page_csp(&script_hashes(html), None);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/x.js';init();"));
        assert!(csp.contains(&format!("'sha256-{expected}'")), "{csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn connect_src_names_only_the_pages_own_host() {
        let csp = page_csp("", csp_host("plex.lan:5000").as_deref());
        assert!(
            csp.contains("connect-src 'self' http://plex.lan:* https://plex.lan:*;"),
            "{csp}"
        );
        assert_eq!(csp_host("127.0.0.1:8080").as_deref(), Some("127.0.0.1"));
        assert_eq!(csp_host("Plex.LAN").as_deref(), Some("plex.lan"));
        for bad in [
            "[::1]:5000",
            "a b",
            "x;script-src *",
            "",
            "a..b",
            "evil.example/x",
        ] {
            assert_eq!(csp_host(bad), None, "{bad}");
        }
        assert!(page_csp("", None).contains("connect-src 'self';"));
    }

    #[test]
    fn negotiation_prefers_brotli_then_gzip_and_honours_q_zero() {
        let all = |_| true;
        let br = Some(ContentEncoding::Brotli);
        let gz = Some(ContentEncoding::Gzip);
        for (accept, expected) in [
            ("gzip, deflate, br, zstd", br),
            ("gzip;q=1.0, br;q=0.1", br),
            ("gzip", gz),
            ("br;q=0, gzip", gz),
            ("BR;Q=0, GZIP;q=0.5", gz),
            ("*", br),
            ("*;q=0.5, br;q=0", gz),
            ("*;q=0", None),
            ("identity", None),
            ("", None),
            ("gzip;q=0, br;q=0", None),
        ] {
            assert_eq!(negotiate(accept, all), expected, "{accept}");
        }
        // Only what the build left is offered.
        let only_gzip = |e| e == ContentEncoding::Gzip;
        assert_eq!(negotiate("br, gzip", only_gzip), gz);
        assert_eq!(negotiate("br", only_gzip), None);
    }

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset("plexward-web-0123456789abcdef.js"));
        assert!(is_hashed_asset("plexward-web-0123456789abcdef_bg.wasm"));
        assert!(is_hashed_asset("style-fedcba9876543210.css"));
        // A hash with a leading zero digit, as Trunk prints it.
        assert!(is_hashed_asset("plexward-web-e396c3bdfa3e41b_bg.wasm"));
        assert!(!is_hashed_asset("plexward-web.js"));
        assert!(!is_hashed_asset("favicon.svg"));
        assert!(!is_hashed_asset("style-notahash.css"));
    }

    #[test]
    fn refuses_paths_that_escape_or_hide() {
        assert!(safe_relative("/app-0123.js").is_some());
        assert!(safe_relative("/assets/logo.svg").is_some());
        assert!(safe_relative("/../Cargo.toml").is_none());
        assert!(safe_relative("/assets/../../etc/passwd").is_none());
        assert!(safe_relative("/.env").is_none());
        assert!(safe_relative("/%2e%2e/secret.txt").is_none());
        assert!(safe_relative("/a\\..\\b.txt").is_none());
    }
}
