//! Storage faults (issue #8, suite 6): SQLite locked by another writer, and database files that
//! cannot be written. Both must answer 503 `storage_unavailable` within a bounded time, report
//! the database as down in `/health`, save nothing, and recover by themselves once cleared.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// No request may take longer than this while storage is faulted: the busy timeout (5 s) plus
/// generous slack for a loaded CI machine.
const REQUEST_DEADLINE: Duration = Duration::from_secs(12);

/// One request with a deadline: status, `Retry-After`, JSON body.
async fn bounded(request: reqwest::RequestBuilder) -> (u16, Option<String>, Value) {
    let started = Instant::now();
    let response = tokio::time::timeout(REQUEST_DEADLINE, request.send())
        .await
        .unwrap_or_else(|_| panic!("no answer within {REQUEST_DEADLINE:?}"))
        .expect("sent");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = tokio::time::timeout(REQUEST_DEADLINE, response.json::<Value>())
        .await
        .expect("body within the deadline")
        .unwrap_or(Value::Null);
    assert!(
        started.elapsed() < REQUEST_DEADLINE,
        "took {:?}",
        started.elapsed()
    );
    (status, retry_after, body)
}

fn set_time_zone(app: &TestApp, token: &str, tz: &str) -> reqwest::RequestBuilder {
    app.bearer(Method::PUT, "/api/v1/settings/plex", token)
        .json(&json!({ "time_zone": tz }))
}

async fn time_zone(app: &TestApp, token: &str) -> Value {
    let (status, _, body) = bounded(app.bearer(Method::GET, "/api/v1/settings/plex", token)).await;
    assert_eq!(status, 200, "{body}");
    body["time_zone"].clone()
}

async fn health(app: &TestApp) -> (u16, Value) {
    let (status, _, body) = bounded(app.client.get(app.url("/api/v1/health"))).await;
    (status, body)
}

/// Polls `/health` until it answers `want` (deadline 15 s).
async fn wait_for_health(app: &TestApp, want: u16) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = health(app).await;
        if status == want {
            return body;
        }
        assert!(Instant::now() < deadline, "health still {status}: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn assert_storage_unavailable(status: u16, retry_after: Option<String>, body: &Value) {
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "storage_unavailable", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("database")),
        "{body}"
    );
    assert_eq!(retry_after.as_deref(), Some("5"));
}

#[tokio::test]
async fn a_database_locked_by_another_writer_answers_503_and_recovers() {
    let app = spawn_app().await;
    let admin = app.token_for("root", "admin").await;
    let before = time_zone(&app, &admin).await;
    assert_eq!(wait_for_health(&app, 200).await["database"], "ok");

    // What a backup tool or `sqlite3` in another shell does: its own connection, write lock held.
    let path = app.config().database_path();
    let mut holder =
        SqliteConnection::establish(path.to_str().expect("utf-8")).expect("second connection");
    holder
        .batch_execute("PRAGMA busy_timeout = 5000; BEGIN EXCLUSIVE;")
        .expect("lock taken");

    let started = Instant::now();
    let (status, retry_after, body) = bounded(set_time_zone(&app, &admin, "Asia/Tokyo")).await;
    assert_storage_unavailable(status, retry_after, &body);
    let write_took = started.elapsed();
    let started = Instant::now();
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["database"], "degraded", "{body}");
    eprintln!(
        "locked: the write answered 503 after {write_took:?}, /health 503 after {:?}",
        started.elapsed()
    );
    // WAL readers are not blocked by a writer: reads keep working.
    assert_eq!(time_zone(&app, &admin).await, before);

    holder.batch_execute("ROLLBACK").expect("lock released");
    assert_eq!(wait_for_health(&app, 200).await["database"], "ok");
    assert_eq!(time_zone(&app, &admin).await, before, "nothing was saved");
    let (status, _, body) = bounded(set_time_zone(&app, &admin, "Asia/Tokyo")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(time_zone(&app, &admin).await, "Asia/Tokyo");
}

/// Marks files immutable (`chattr +i`) until dropped: even root's writes through already open
/// descriptors then fail, as on a volume gone read-only. (A read-only remount is refused while
/// the database is open for writing, and `chmod` does not stop root.)
struct Immutable(Vec<PathBuf>);

impl Immutable {
    fn set(paths: Vec<PathBuf>) -> Result<Self, String> {
        let guard = Self(paths);
        guard.chattr("+i")?;
        Ok(guard)
    }

    fn chattr(&self, flag: &str) -> Result<(), String> {
        let out = Command::new("chattr")
            .arg(flag)
            .args(&self.0)
            .output()
            .map_err(|e| format!("chattr: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        // Always undone, or the temporary directory could not be removed.
        if let Err(e) = self.chattr("-i") {
            eprintln!("could not clear the immutable flag: {e}");
        }
    }
}

/// The database, its WAL and the directory holding them. Not `-shm`: SQLite maps it into memory,
/// and a write to a mapped immutable file is a SIGBUS, not an error (a real read-only volume
/// makes SQLite fall back to heap memory for it).
fn database_files(data_dir: &Path, db: &Path) -> Vec<PathBuf> {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    [data_dir.to_owned(), db.to_owned(), wal]
        .into_iter()
        .filter(|p| p.exists())
        .collect()
}

#[tokio::test]
async fn read_only_database_files_answer_503_and_recover() {
    let app = spawn_app().await;
    let admin = app.token_for("root", "admin").await;
    let before = time_zone(&app, &admin).await;
    assert_eq!(wait_for_health(&app, 200).await["database"], "ok");

    let config = app.config();
    let files = database_files(&config.data_dir, &config.database_path());
    let read_only = match Immutable::set(files) {
        Ok(guard) => guard,
        Err(why) => {
            // Needs CAP_LINUX_IMMUTABLE and ext4/xfs/btrfs; CI runs as root on ext4.
            eprintln!("SKIPPED: cannot make files immutable here: {why}");
            return;
        }
    };

    let (status, retry_after, body) = bounded(set_time_zone(&app, &admin, "Asia/Tokyo")).await;
    assert_storage_unavailable(status, retry_after, &body);
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["database"], "degraded", "{body}");
    assert_eq!(time_zone(&app, &admin).await, before, "reads keep working");

    drop(read_only);
    assert_eq!(wait_for_health(&app, 200).await["database"], "ok");
    assert_eq!(time_zone(&app, &admin).await, before, "nothing was saved");
    let (status, _, body) = bounded(set_time_zone(&app, &admin, "Asia/Tokyo")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(time_zone(&app, &admin).await, "Asia/Tokyo");
}
