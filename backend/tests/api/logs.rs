//! The log API: reading the newest lines with filters, downloading, the live stream, and who may
//! use which. Files are written by the test (in-process apps share one global subscriber, so
//! their own events are not in their data directory); the hub is fed directly for the stream.

use std::io::Read;
use std::time::{Duration, Instant};

use plexward::logs::hub::LogHub;
use plexward_shared::{LogEntry, LogLevel};
use reqwest::Method;

use crate::helpers::{TestApp, spawn_app};

fn logs_dir(app: &TestApp) -> std::path::PathBuf {
    let dir = app.data_dir.path().join("data").join("logs");
    std::fs::create_dir_all(&dir).expect("logs dir");
    dir
}

fn line(n: usize, level: &str, message: &str) -> String {
    format!(
        "{{\"timestamp\":\"2026-11-24T10:{:02}:{:02}Z\",\"level\":\"{level}\",\"fields\":{{\"message\":\"{message}\",\"n\":{n}}},\"target\":\"plexward::test\"}}\n",
        (n / 60) % 60,
        n % 60
    )
}

fn write_lines(path: &std::path::Path, lines: impl Iterator<Item = String>) {
    let text: String = lines.collect();
    std::fs::write(path, text).expect("written");
}

fn messages(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["message"].as_str().expect("message").to_owned())
        .collect()
}

#[tokio::test]
async fn the_newest_lines_come_filtered_by_level_and_text_across_rotated_files() {
    let app = spawn_app().await;
    let token = app.token_for("logs-moderator", "moderator").await;
    let dir = logs_dir(&app);
    write_lines(
        &dir.join("app.log.1"),
        (0..300).map(|n| {
            line(
                n,
                if n % 50 == 0 { "ERROR" } else { "INFO" },
                &format!("old {n}"),
            )
        }),
    );
    write_lines(
        &dir.join("app.log"),
        (300..400).map(|n| {
            line(
                n,
                if n % 10 == 0 { "WARN" } else { "INFO" },
                &format!("new {n}"),
            )
        }),
    );

    let (status, body) = app
        .call(Method::GET, "/api/v1/logs?lines=10", &token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    let expected: Vec<String> = (390..400).map(|n| format!("new {n}")).collect();
    assert_eq!(messages(&body), expected);
    assert_eq!(body["total"], 400, "every line of app.log and app.log.1");
    let first: LogEntry = serde_json::from_value(body["items"][0].clone()).expect("entry");
    assert_eq!(first.target, "plexward::test");
    assert_eq!(first.timestamp, "2026-11-24T10:06:30Z");
    assert_eq!(first.fields["n"], "390");

    // Pages count from the newest: `offset` skips, `limit` is the page size.
    let page = app
        .bearer(Method::GET, "/api/v1/logs?limit=10&offset=10", &token)
        .send()
        .await
        .expect("sent");
    assert!(page.headers().get("deprecation").is_none());
    let body: serde_json::Value = page.json().await.expect("json");
    let expected: Vec<String> = (380..390).map(|n| format!("new {n}")).collect();
    assert_eq!(
        (messages(&body), &body["total"]),
        (expected, &serde_json::json!(400))
    );
    // `lines`, the old name of `limit`, still works, and says it is deprecated.
    let old = app
        .bearer(Method::GET, "/api/v1/logs?lines=10", &token)
        .send()
        .await
        .expect("sent");
    assert!(old.headers().contains_key("deprecation"));
    let (status, _) = app
        .call(Method::GET, "/api/v1/logs?lines=10&limit=10", &token, None)
        .await;
    assert_eq!(status, 400, "both names at once");

    // warn and up: the WARN lines of the current file, then the ERROR lines of the rotated one.
    let (_, body) = app
        .call(
            Method::GET,
            "/api/v1/logs?level=warn&lines=13",
            &token,
            None,
        )
        .await;
    let got = messages(&body);
    assert_eq!(got.len(), 13);
    assert_eq!(body["total"], 16, "10 WARN lines and 6 ERROR lines match");
    assert_eq!(&got[..3], ["old 150", "old 200", "old 250"]);
    assert_eq!(got[3], "new 300");
    assert_eq!(got[12], "new 390");

    // Text search, any case; fields count.
    let (_, body) = app
        .call(
            Method::GET,
            "/api/v1/logs?q=OLD%2012&lines=10",
            &token,
            None,
        )
        .await;
    let expected: Vec<String> = (120..130).map(|n| format!("old {n}")).collect();
    assert_eq!(
        messages(&body),
        expected,
        "newest 10 of the 11 matches, oldest first"
    );
    let (_, body) = app
        .call(Method::GET, "/api/v1/logs?file=error", &token, None)
        .await;
    assert_eq!(body["total"], 0, "no error.log yet is no lines");
}

#[tokio::test]
async fn bad_parameters_are_field_errors_and_no_path_can_be_named() {
    let app = spawn_app().await;
    let token = app.token_for("logs-auditor", "auditor").await;
    for (query, field) in [
        ("file=../../secret.key", "file"),
        ("file=app.log", "file"),
        ("level=loud", "level"),
        ("lines=5", "lines"),
        ("lines=1001", "lines"),
        ("lines=ten", "lines"),
        ("lines=-1", "lines"),
    ] {
        let (status, body) = app
            .call(Method::GET, &format!("/api/v1/logs?{query}"), &token, None)
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query", "{query}");
        assert!(
            body["error"]["fields"][field].is_string(),
            "{query}: {body}"
        );
    }
    let long = "x".repeat(201);
    let (status, body) = app
        .call(Method::GET, &format!("/api/v1/logs?q={long}"), &token, None)
        .await;
    assert_eq!(status, 400);
    assert!(body["error"]["fields"]["q"].is_string());
    for query in ["file=%2Fetc%2Fpasswd", "all=yes"] {
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/logs/download?{query}"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, 400, "{query}: {body}");
    }
    let (status, _) = app
        .call(Method::GET, "/api/v1/logs/stream?level=nope", &token, None)
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn auditors_download_the_file_or_every_rotated_file_and_moderators_cannot() {
    let app = spawn_app().await;
    let dir = logs_dir(&app);
    write_lines(
        &dir.join("error.log"),
        (0..3).map(|n| line(n, "ERROR", "boom")),
    );
    write_lines(
        &dir.join("error.log.1"),
        (0..2).map(|n| line(n, "ERROR", "older")),
    );

    let auditor = app.token_for("logs-auditor", "auditor").await;
    let response = app
        .bearer(Method::GET, "/api/v1/logs/download?file=error", &auditor)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("test set-up")
            .contains("plexward-error.log")
    );
    let text = response.text().await.expect("text");
    assert_eq!(text.lines().count(), 3);

    let response = app
        .bearer(
            Method::GET,
            "/api/v1/logs/download?file=error&all=true",
            &auditor,
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/gzip");
    let bytes = response.bytes().await.expect("bytes");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let mut names = Vec::new();
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("read");
        names.push((
            entry.path().expect("test set-up").display().to_string(),
            text.lines().count(),
        ));
    }
    assert_eq!(
        names,
        [
            ("plexward-logs/error.log".to_owned(), 3),
            ("plexward-logs/error.log.1".to_owned(), 2)
        ]
    );
    let downloads = app.audit_actions("logs.download").await;
    assert_eq!(downloads.len(), 2, "each download is audited");

    let moderator = app.token_for("logs-moderator", "moderator").await;
    let (status, _) = app
        .call(
            Method::GET,
            "/api/v1/logs/download?file=error",
            &moderator,
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(Method::GET, "/api/v1/logs", &moderator, None)
        .await;
    assert_eq!(status, 200, "moderators read logs");
}

/// Reads the stream until `done` holds for the events seen (id, entry), within 10 s.
async fn read_events(
    response: &mut reqwest::Response,
    done: impl Fn(&[(u64, LogEntry)]) -> bool,
) -> Vec<(u64, LogEntry)> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buffer = String::new();
    let mut events = Vec::new();
    while !done(&events) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "events so far: {events:?}");
        let chunk = tokio::time::timeout(left, response.chunk())
            .await
            .expect("an event within the deadline")
            .expect("stream readable")
            .expect("stream still open");
        buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let mut id = None;
            let mut data = None;
            for l in frame.lines() {
                if let Some(v) = l.strip_prefix("id: ") {
                    id = Some(v.parse().expect("numeric id"));
                } else if let Some(v) = l.strip_prefix("data: ") {
                    data = Some(serde_json::from_str::<LogEntry>(v).expect("entry json"));
                }
            }
            if let (Some(id), Some(entry)) = (id, data) {
                events.push((id, entry));
            }
        }
    }
    events
}

fn publish(message: &str, level: LogLevel) {
    LogHub::global().publish(&LogEntry {
        timestamp: "2026-11-24T10:00:00Z".into(),
        level,
        target: "plexward::test".into(),
        message: message.into(),
        fields: Default::default(),
    });
}

#[tokio::test]
async fn the_stream_sends_new_lines_at_the_level_asked_and_resumes_after_the_last_event() {
    let app = spawn_app().await;
    let token = app.token_for("logs-auditor", "auditor").await;
    // Other tests publish to the same process-wide hub: this one looks for its own marker.
    let marker = format!("stream-{}", uuid::Uuid::new_v4());
    let mut response = app
        .bearer(Method::GET, "/api/v1/logs/stream?level=warn", &token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    // The greeting arrives first: the stream is open before anything is published.
    let greeting = response.chunk().await.expect("chunk").expect("open");
    assert!(
        std::str::from_utf8(&greeting)
            .expect("test set-up")
            .contains("connected")
    );

    publish(
        &format!("{marker} info <script>alert(1)</script>"),
        LogLevel::Info,
    );
    publish(&format!("{marker} warn one"), LogLevel::Warn);
    publish(&format!("{marker} error two"), LogLevel::Error);
    let mine = |events: &[(u64, LogEntry)]| -> Vec<(u64, String)> {
        events
            .iter()
            .filter(|(_, e)| e.message.starts_with(&marker))
            .map(|(id, e)| (*id, e.message.clone()))
            .collect()
    };
    let events = read_events(&mut response, |ev| mine(ev).len() >= 2).await;
    let got = mine(&events);
    assert_eq!(
        got.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(),
        [format!("{marker} warn one"), format!("{marker} error two")],
        "the info line is below the level asked"
    );
    drop(response);

    // Disconnected: a line written now is sent on reconnect with Last-Event-ID.
    publish(&format!("{marker} error three"), LogLevel::Error);
    let last_id = got[1].0;
    let mut response = app
        .bearer(Method::GET, "/api/v1/logs/stream", &token)
        .header("Last-Event-ID", last_id.to_string())
        .send()
        .await
        .expect("sent");
    let events = read_events(&mut response, |ev| {
        mine(ev).iter().any(|(_, m)| m.ends_with("three"))
    })
    .await;
    let resumed = mine(&events);
    assert_eq!(resumed[0].1, format!("{marker} error three"));
    assert!(resumed.iter().all(|(id, _)| *id > last_id));
}
