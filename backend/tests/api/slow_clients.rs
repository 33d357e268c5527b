//! Slow and greedy clients: a body trickled a byte at a time is cut at `request_body_timeout_secs`
//! (408, connection closed) while a normal upload is not; one address cannot hold more than
//! `connections_per_client` connections; HTTPS answers carry `Strict-Transport-Security`, plain
//! HTTP ones never.

use std::time::{Duration, Instant};

use plexward_shared::HttpsMode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, spawn_app_with};

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(("127.0.0.1", app.port()))
        .await
        .expect("connected")
}

/// Sends `head` (a request's headers and the start of its body), then a byte a second while the
/// connection is open; what the server answered before it closed, and when it closed.
async fn trickle(app: &TestApp, head: &[u8]) -> (String, Duration) {
    let (mut read, mut write) = connect(app).await.into_split();
    write.write_all(head).await.expect("sent");
    let started = Instant::now();
    let trickling = async {
        while started.elapsed() < Duration::from_secs(40) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if write.write_all(b" ").await.is_err() {
                break;
            }
        }
    };
    let mut answer = Vec::new();
    tokio::select! {
        () = trickling => {}
        _ = read.read_to_end(&mut answer) => {}
    }
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_trickled_body_is_cut_at_the_timeout_and_its_connection_closed() {
    let app = spawn_app_with(|c| c.request_body_timeout_secs = 5).await;
    let (answer, took) = trickle(
        &app,
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
          Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(
        (Duration::from_secs(4)..Duration::from_secs(15)).contains(&took),
        "cut after {took:?}"
    );

    // A body sent at a normal pace is untouched: a 2 MB upload takes well under the timeout.
    let big = vec![b'x'; 2 * 1024 * 1024];
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("sent");
    assert_ne!(response.status(), 408);
}

#[tokio::test]
async fn one_address_holds_at_most_its_connections() {
    let app = spawn_app_with(|c| c.connections_per_client = 3).await;
    // Three connections, each counted (it has been answered once) and then stuck in a request
    // whose body never comes.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect(&app).await;
        assert!(health_on(&mut stream).await.starts_with("HTTP/1.1 200"));
        stream
            .write_all(
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
                  Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{",
            )
            .await
            .expect("sent");
        held.push(stream);
    }
    let mut fourth = connect(&app).await;
    let refused = health_on(&mut fourth).await;
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    assert!(refused.contains("too_many_connections"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("connection: close"),
        "{refused}"
    );

    // One closes: a new connection is served again.
    held.pop();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = reqwest::Client::new()
            .get(app.url("/api/v1/health"))
            .send()
            .await
            .expect("sent");
        if response.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the place never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends `GET /api/v1/health` on `stream` and reads the whole answer (headers and body).
async fn health_on(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("sent");
    let mut got = Vec::new();
    let mut buf = [0_u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return text;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => return text,
        }
    }
}

#[tokio::test]
async fn https_answers_carry_hsts_and_plain_http_ones_never() {
    let plain = spawn_app_with(|_| {}).await;
    for path in ["/", "/friends", "/api/v1/health"] {
        let r = plain.get(path).await;
        assert!(
            !r.headers().contains_key("strict-transport-security"),
            "{path} over http"
        );
    }

    let app = spawn_app_with(|c| c.https = Some(HttpsMode::SelfSigned)).await;
    let client = reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .expect("client");
    for path in ["/", "/friends", "/api/v1/health", "/api/v1/me", "/nope"] {
        let r = client.get(app.url(path)).send().await.expect("sent");
        let hsts = r
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{path}: no HSTS ({})", r.status()))
            .to_owned();
        let max_age: u64 = hsts
            .strip_prefix("max-age=")
            .and_then(|v| v.split(';').next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{path}: {hsts}"));
        assert!(max_age >= 180 * 24 * 3600, "{path}: {hsts}");
        assert!(
            !hsts.contains("preload"),
            "{path}: preload is off by default"
        );
    }
}
