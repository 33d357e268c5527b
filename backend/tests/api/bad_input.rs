//! Bad input (issue #8, suite 5): oversized and mistyped bodies, invalid UTF-8, deep JSON, huge
//! numbers, path traversal in the log parameters, broken multipart, unknown fields. Each case must
//! get a 4xx with the JSON error envelope and its code, and must leave everything as it was.

use plex_sim::{PlexSim, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, app_on};

/// One malformed request and the answer it must get.
struct Case {
    name: &'static str,
    method: Method,
    path: String,
    content_type: &'static str,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
    /// For 422s and `invalid_query`: the field or parameter the error must name.
    field: Option<&'static str>,
}

fn case(name: &'static str, method: Method, path: impl Into<String>) -> Case {
    Case {
        name,
        method,
        path: path.into(),
        content_type: "application/json",
        body: Vec::new(),
        status: 400,
        code: "",
        field: None,
    }
}

impl Case {
    fn json(mut self, body: Value) -> Self {
        self.body = body.to_string().into_bytes();
        self
    }
    fn raw(mut self, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        self.content_type = content_type;
        self.body = body.into();
        self
    }
    fn wants(mut self, status: u16, code: &'static str) -> Self {
        self.status = status;
        self.code = code;
        self
    }
    /// A query parameter that is unknown or does not fit: 400 naming it.
    fn naming_param(mut self, field: &'static str) -> Self {
        self.status = 400;
        self.code = "invalid_query";
        self.field = Some(field);
        self
    }
    fn naming(mut self, field: &'static str) -> Self {
        self.status = 422;
        self.code = "validation_failed";
        self.field = Some(field);
        self
    }
}

/// Everything a bad request could have changed: the settings, the friend's grants, the
/// certificate, the accounts and the audit trail.
async fn snapshot(app: &TestApp, admin: &str, friend: i64) -> Value {
    let mut all = serde_json::Map::new();
    for path in [
        "/api/v1/settings/plex".to_owned(),
        "/api/v1/settings/server".to_owned(),
        "/api/v1/accounts".to_owned(),
        format!("/api/v1/plex-users/{friend}"),
    ] {
        let (status, body) = app.call(Method::GET, &path, admin, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        all.insert(path, body);
    }
    let (_, scheduler) = app
        .call(Method::GET, "/api/v1/scheduler", admin, None)
        .await;
    all.insert("scheduler".into(), scheduler["settings"].clone());
    let audit = plexward::db::run(&app.db, |conn| {
        plexward::db::audit::recent(conn, None, 10_000)
    })
    .await
    .expect("audit read");
    all.insert("audit events".into(), json!(audit.len()));
    Value::Object(all)
}

/// `[[[…]]]` nested `depth` deep.
fn nested(depth: usize) -> Vec<u8> {
    let mut v = vec![b'['; depth];
    v.extend(std::iter::repeat_n(b']', depth));
    v
}

fn multipart(boundary: &str, parts: &[(&str, &[u8])], closed: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, content) in parts {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.pem\"\r\nContent-Type: application/x-pem-file\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend(b"\r\n");
    }
    if closed {
        body.extend(format!("--{boundary}--\r\n").as_bytes());
    }
    body
}

fn cases(friend: i64, library: i64) -> Vec<Case> {
    use Method as M;
    let plex = "/api/v1/settings/plex";
    let grants = format!("/api/v1/plex-users/{friend}/grants");
    let extend = format!("/api/v1/plex-users/{friend}/extend");
    let bulk = "/api/v1/plex-users/bulk";
    let cert = "/api/v1/settings/server/certificate";
    let big_string = "x".repeat(70 * 1024);
    let big_pem = vec![b'A'; 100 * 1024];
    let mut cases = vec![
        // --- bodies ---------------------------------------------------------------------
        case("body over the 64 KiB limit", M::PUT, plex)
            .json(json!({ "time_zone": big_string }))
            .wants(413, "payload_too_large"),
        case("text/plain to a JSON endpoint", M::PUT, plex)
            .raw("text/plain", r#"{"time_zone":"Asia/Tokyo"}"#)
            .wants(415, "unsupported_media_type"),
        case("form-encoded to a JSON endpoint", M::PUT, "/api/v1/scheduler")
            .raw("application/x-www-form-urlencoded", "mode=interval")
            .wants(415, "unsupported_media_type"),
        case("no content type", M::PUT, plex)
            .raw("", r#"{"time_zone":"Asia/Tokyo"}"#)
            .wants(415, "unsupported_media_type"),
        case("invalid UTF-8 in a string", M::PUT, plex)
            .raw("application/json", b"{\"time_zone\":\"Asia/\xff\xfeTokyo\"}".to_vec())
            .wants(400, "malformed_json"),
        case("invalid UTF-8 outside strings", M::PUT, plex)
            .raw("application/json", b"{\"time_zone\"\xc3:\"Asia/Tokyo\"}".to_vec())
            .wants(400, "malformed_json"),
        // Typed bodies stop at the first level that does not fit; serde_json's recursion limit
        // (128) guards the rest. Either way: a 400, no stack overflow.
        case("JSON nested 10,000 deep", M::PUT, plex)
            .raw("application/json", nested(10_000))
            .wants(400, "invalid_body"),
        case("JSON nested 10,000 deep inside a field", M::PUT, &grants)
            .raw("application/json", {
                let mut v = b"{\"grants\":".to_vec();
                v.extend(nested(10_000));
                v.extend(b"}");
                v
            })
            .wants(400, "invalid_body"),
        case("truncated JSON", M::PUT, plex)
            .raw("application/json", r#"{"time_zone":"Asia/To"#)
            .wants(400, "malformed_json"),
        case("empty JSON body", M::PUT, plex)
            .raw("application/json", "")
            .wants(400, "malformed_json"),
        // --- unknown fields: a typo must not be silently ignored ------------------------
        case("unknown field in the Plex settings", M::PUT, plex)
            .json(json!({ "timezone": "Asia/Tokyo" }))
            .wants(400, "invalid_body"),
        case("unknown field in the schedule", M::PUT, "/api/v1/scheduler")
            .json(json!({ "mode": "interval", "interval_minutes": 30, "daily_at": "04:00", "interval": 5 }))
            .wants(400, "invalid_body"),
        case("unknown field in a grant", M::PUT, &grants)
            .json(json!({ "grants": [{ "library_id": library, "ends": "2030-01-01T00:00:00Z" }] }))
            .wants(400, "invalid_body"),
        case("unknown field in extend", M::POST, &extend)
            .json(json!({ "period": "week", "libraries": [library] }))
            .wants(400, "invalid_body"),
        case("misspelt dry_run in a bulk revoke", M::POST, bulk)
            .json(json!({ "friend_ids": [friend], "action": { "kind": "revoke" }, "dryrun": true }))
            .wants(400, "invalid_body"),
        case("unknown field in a bulk action", M::POST, bulk)
            .json(json!({ "friend_ids": [friend], "action": { "kind": "revoke", "all": true }, "dry_run": true }))
            .wants(400, "invalid_body"),
        case("unknown field in a new account", M::POST, "/api/v1/accounts")
            .json(json!({ "username": "eve", "password": "violet kettle marching upstream", "role": "admin", "is_admin": true }))
            .wants(400, "invalid_body"),
        // --- numbers out of range --------------------------------------------------------
        case("port above 65535", M::PUT, "/api/v1/settings/server")
            .json(json!({ "port": 70000 }))
            .wants(400, "invalid_body"),
        case("port below 1024", M::PUT, "/api/v1/settings/server")
            .json(json!({ "port": 80 }))
            .naming("port"),
        case("interval above u32", M::PUT, "/api/v1/scheduler")
            .json(json!({ "mode": "interval", "interval_minutes": 4_294_967_296_u64, "daily_at": "04:00" }))
            .wants(400, "invalid_body"),
        case("interval of zero", M::PUT, "/api/v1/scheduler")
            .json(json!({ "mode": "interval", "interval_minutes": 0, "daily_at": "04:00" }))
            .naming("interval_minutes"),
        case("library id above i64", M::PUT, &grants)
            .raw("application/json", r#"{"grants":[{"library_id":9223372036854775808}]}"#)
            .wants(400, "invalid_body"),
        case("library id as a float", M::PUT, &grants)
            .raw("application/json", r#"{"grants":[{"library_id":1e400}]}"#)
            .wants(400, "malformed_json"),
        case("anchor library id below zero", M::PUT, plex)
            .json(json!({ "anchor_library_id": -5 }))
            .naming("anchor_library_id"),
        case("year 99999 in a grant", M::PUT, &grants)
            .json(json!({ "grants": [{ "library_id": library, "ends_at": "99999-01-01T00:00:00Z" }] }))
            .wants(422, "validation_failed"),
        case("bulk of 1001 friends", M::POST, bulk)
            .json(json!({ "friend_ids": (1..=1001).collect::<Vec<i64>>(), "action": { "kind": "revoke" } }))
            .wants(422, "validation_failed"),
        case("path id above i64", M::GET, "/api/v1/plex-users/99999999999999999999")
            .wants(400, "invalid_path"),
        case("path id not a number", M::GET, "/api/v1/accounts/%ff")
            .wants(400, "invalid_path"),
        // --- logs: huge `lines`, path traversal ---------------------------------------------
        case("lines=1000000", M::GET, "/api/v1/logs?lines=1000000").naming_param("lines"),
        case("lines above u32", M::GET, "/api/v1/logs?lines=99999999999999999999").naming_param("lines"),
        case("lines negative", M::GET, "/api/v1/logs?lines=-1").naming_param("lines"),
        case("lines in exponent form", M::GET, "/api/v1/logs?lines=1e6").naming_param("lines"),
        // --- unknown query parameters: a typo must not be silently ignored either ----------
        case("misspelt dry_run in the query of a bulk revoke", M::POST, format!("{bulk}?dryrun=true"))
            .json(json!({ "friend_ids": [friend], "action": { "kind": "revoke" } }))
            .naming_param("dryrun"),
        case("misspelt dry_run in the query of extend", M::POST, format!("{extend}?dryrun=true"))
            .json(json!({ "period": "week" }))
            .naming_param("dryrun"),
        case("a parameter deleting a token does not take", M::DELETE, "/api/v1/me/tokens/1?force=true")
            .naming_param("force"),
        // --- certificate upload: broken multipart ---------------------------------------------
        case("certificate as JSON", M::POST, cert)
            .json(json!({ "cert": "x", "key": "y" }))
            .wants(415, "unsupported_media_type"),
        case("multipart without a boundary", M::POST, cert)
            .raw(
                "multipart/form-data",
                multipart("B0UNDARY", &[("cert", b"x"), ("key", b"y")], true),
            )
            .wants(400, "invalid_multipart"),
        case("truncated multipart", M::POST, cert)
            .raw("multipart/form-data; boundary=B0UNDARY", {
                let mut body = multipart("B0UNDARY", &[("cert", b"-----BEGIN")], false);
                body.truncate(body.len() - 3);
                body
            })
            .wants(400, "invalid_multipart"),
        case("multipart with a part over 64 KiB", M::POST, cert)
            .raw(
                "multipart/form-data; boundary=B0UNDARY",
                multipart("B0UNDARY", &[("cert", b"x"), ("key", &big_pem)], true),
            )
            .wants(413, "payload_too_large"),
        case("multipart with a huge extra part", M::POST, cert)
            .raw(
                "multipart/form-data; boundary=B0UNDARY",
                multipart(
                    "B0UNDARY",
                    &[("cert", b"x"), ("key", b"y"), ("extra", &big_pem)],
                    true,
                ),
            )
            .naming("form"),
        case("multipart with a part twice", M::POST, cert)
            .raw(
                "multipart/form-data; boundary=B0UNDARY",
                multipart("B0UNDARY", &[("cert", b"x"), ("cert", b"x")], true),
            )
            .naming("cert"),
        case("multipart with no parts", M::POST, cert)
            .raw("multipart/form-data; boundary=B0UNDARY", "--B0UNDARY--\r\n")
            .naming("cert"),
    ];
    // Path traversal in every spelling, on both endpoints that take a file name.
    for endpoint in ["/api/v1/logs", "/api/v1/logs/download"] {
        for file in [
            "../../etc/passwd",
            "..%2F..%2Fetc%2Fpasswd",
            "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "%252e%252e%252fetc%252fpasswd",
            "..%5c..%5cetc%5cpasswd",
            "%2Fetc%2Fpasswd",
            "app%00.log",
            "app.log%2F..%2F..%2F..%2Fetc%2Fpasswd",
        ] {
            cases.push(
                case(
                    "traversal in `file`",
                    M::GET,
                    format!("{endpoint}?file={file}"),
                )
                .naming_param("file"),
            );
        }
    }
    cases
}

#[tokio::test]
async fn each_bad_request_gets_a_json_4xx_and_changes_nothing() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let (app, _moderator) = app_on(&sim).await;
    let admin = app.token_for("root", "admin").await;
    let (_, friends) = app
        .call(Method::GET, "/api/v1/plex-users", &admin, None)
        .await;
    let friend = friends["items"][0]["id"].as_i64().expect("a friend");
    let (_, libraries) = app
        .call(Method::GET, "/api/v1/libraries", &admin, None)
        .await;
    let library = libraries["items"][0]["id"].as_i64().expect("a library");
    let before = snapshot(&app, &admin, friend).await;

    let mut failures = Vec::new();
    for c in cases(friend, library) {
        let mut request = app.bearer(c.method.clone(), &c.path, &admin);
        if !c.body.is_empty() || c.method != Method::GET {
            if !c.content_type.is_empty() {
                request = request.header("content-type", c.content_type);
            }
            request = request.body(c.body.clone());
        }
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("body");
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let mut wrong = Vec::new();
        if status != c.status {
            wrong.push(format!("status {status}, want {}", c.status));
        }
        if !content_type.starts_with("application/json") {
            wrong.push(format!("content-type {content_type:?}"));
        }
        if body["error"]["code"] != c.code {
            wrong.push(format!("code {}, want {}", body["error"]["code"], c.code));
        }
        if !body["error"]["message"].is_string() {
            wrong.push("no message".into());
        }
        if let Some(field) = c.field
            && !body["error"]["fields"][field].is_string()
        {
            wrong.push(format!("no reason for field `{field}`"));
        }
        if text.contains("root:x:0") {
            wrong.push("answered with /etc/passwd".into());
        }
        if !wrong.is_empty() {
            let shown: String = text.chars().take(300).collect();
            failures.push(format!(
                "{} ({} {}): {} — {shown}",
                c.name,
                c.method,
                c.path,
                wrong.join(", ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let after = snapshot(&app, &admin, friend).await;
    assert_eq!(before, after, "a refused request changed something");
    assert_eq!(
        app.get("/api/v1/health").await.status(),
        200,
        "the server is still well"
    );
}
