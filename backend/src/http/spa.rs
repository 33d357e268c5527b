//! Serves the built SPA (Trunk's `dist/`): hashed assets with a year-long immutable cache, the
//! `index.html` page with `no-cache` for every client-side route, and a Content-Security-Policy
//! that allows exactly Trunk's inline loader (by its SHA-256) and nothing else inline.

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The SPA as found at startup.
#[derive(Debug, Clone)]
pub struct Spa {
    dir: PathBuf,
    index: Option<IndexPage>,
}

#[derive(Debug, Clone)]
struct IndexPage {
    html: web::Bytes,
    /// ` 'sha256-…'` for each inline script, for the page's policy.
    script_hashes: String,
}

/// Shown when `index.html` is missing, so a fresh checkout explains itself instead of 404ing.
const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Plexward</title></head><body><h1>Plexward is running</h1><p>The web interface has not \
been built. Run <code>bash scripts/build-web.sh</code>, or point <code>PLEXWARD_WEB_DIR</code> \
at a built <code>dist/</code> directory. The API is available under <code>/api/v1</code>; its \
documentation is at <a href=\"/api/docs/\">/api/docs/</a>.</p></body></html>";

impl Spa {
    /// Reads `dir/index.html` once; a missing or unreadable page is logged, not fatal.
    pub fn load(dir: &Path) -> Self {
        let index = match std::fs::read(dir.join("index.html")) {
            Ok(html) => {
                let script_hashes = script_hashes(&String::from_utf8_lossy(&html));
                Some(IndexPage {
                    html: html.into(),
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
            Some(page) => HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .insert_header((
                    header::CONTENT_SECURITY_POLICY,
                    page_csp(
                        &page.script_hashes,
                        csp_host(req.connection_info().host()).as_deref(),
                    ),
                ))
                .body(page.html.clone()),
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
/// nothing else can be fetched.
fn page_csp(script_hashes: &str, host: Option<&str>) -> String {
    let restart_target = host
        .map(|h| format!(" http://{h}:* https://{h}:*"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{script_hashes}; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'{restart_target}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
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

/// Trunk names built assets `name-<16 hex>.ext`: their content never changes under that name.
fn is_hashed_asset(file_name: &str) -> bool {
    let stem = file_name.split('.').next().unwrap_or(file_name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
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
    let path = req.path();
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
    let Ok(named) = NamedFile::open_async(file).await else {
        return not_found();
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
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
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
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset("plexward-web-0123456789abcdef.js"));
        assert!(is_hashed_asset("plexward-web-0123456789abcdef_bg.wasm"));
        assert!(is_hashed_asset("style-fedcba9876543210.css"));
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
