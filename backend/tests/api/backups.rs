//! Backups (`/api/v1/system/backups`) and restores: from the API (checked, staged, restarted
//! with), from the command line (`plexward restore`, Plexward stopped), and of an older release's
//! database (migrated forward).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::Connection as _;
use diesel::connection::SimpleConnection as _;
use plexward::clock::ManualClock;
use plexward::config::Config;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    GOOD_PASSWORD, ServeLoop, TestApp, insert_account, spawn_app, spawn_app_on_clock,
    spawn_app_with, wait_for,
};

/// Makes a backup through the API and waits for it: the job's result.
async fn backup(app: &TestApp, token: &str) -> Value {
    let (status, started) = app
        .call(Method::POST, "/api/v1/system/backups", token, None)
        .await;
    assert_eq!(status, 202, "{started}");
    let job = wait_for(app, token, started["job_id"].as_str().expect("job id")).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["kind"], "backup");
    job["result"].clone()
}

async fn list(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = app
        .call(Method::GET, "/api/v1/system/backups", token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["total"],
        body["items"].as_array().expect("items").len()
    );
    body["items"].as_array().expect("items").clone()
}

/// The entries of a `.tar.gz`, in order, with their bytes.
fn entries(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    tar.entries()
        .expect("a tar")
        .map(|e| {
            let mut e = e.expect("an entry");
            let name = e.path().expect("a path").to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).expect("readable");
            (name, bytes)
        })
        .collect()
}

/// A `.tar.gz` of `files`, in order.
fn pack(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        tar.append_data(&mut header, name, *bytes).expect("packed");
    }
    tar.into_inner().expect("tar").finish().expect("gzip")
}

fn usernames(db: &Path) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        username: String,
    }
    let mut conn =
        diesel::SqliteConnection::establish(db.to_str().expect("utf-8")).expect("database");
    diesel::RunQueryDsl::load::<Name>(
        diesel::sql_query("SELECT username FROM accounts ORDER BY username"),
        &mut conn,
    )
    .expect("accounts")
    .into_iter()
    .map(|n| n.username)
    .collect()
}

#[tokio::test]
async fn a_backup_is_made_listed_downloaded_and_deleted() {
    let app = spawn_app().await;
    let token = app.token_for("root", "admin").await;
    assert!(list(&app, &token).await.is_empty());

    let made = backup(&app, &token).await;
    let name = made["backup"]["name"].as_str().expect("name").to_owned();
    assert!(
        name.starts_with("plexward-") && name.ends_with("-manual.tar.gz"),
        "{name}"
    );
    assert_eq!(made["pruned"], json!([]));
    let listed = list(&app, &token).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], made["backup"]);
    assert_eq!(listed[0]["trigger"], "manual");
    assert_eq!(listed[0]["app_version"], plexward::VERSION);
    assert!(listed[0]["schema_version"].as_str().expect("schema").len() >= 14);

    // The download: one archive, manifest first, the database, the JWT key.
    let r = app
        .bearer(
            Method::GET,
            &format!("/api/v1/system/backups/{name}"),
            &token,
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(
        crate::helpers::header(&r, "content-type"),
        "application/gzip"
    );
    assert_eq!(crate::helpers::header(&r, "cache-control"), "no-store");
    assert!(crate::helpers::header(&r, "content-disposition").contains(&name));
    let body = r.bytes().await.expect("body");
    assert_eq!(
        body.len() as u64,
        listed[0]["size_bytes"].as_u64().expect("size")
    );
    let files = entries(&body);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[..2], ["manifest.json", "plexward.db"], "{names:?}");
    assert!(names.contains(&"jwt.key"), "{names:?}");
    let manifest: Value = serde_json::from_slice(&files[0].1).expect("manifest");
    assert_eq!(manifest["files"], json!(names[2..]));
    // The database in it is whole and has the account.
    let tmp = tempfile::tempdir().expect("tmp");
    let copy = tmp.path().join("copy.db");
    std::fs::write(&copy, &files[1].1).expect("written");
    assert!(usernames(&copy).contains(&"root".to_owned()));

    // Names that are not backups reach nothing.
    for bad in ["..%2Fplexward.db", "plexward.db", "plexward-nope.tar.gz"] {
        let r = app
            .bearer(
                Method::GET,
                &format!("/api/v1/system/backups/{bad}"),
                &token,
            )
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 404, "{bad}");
    }

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/system/backups/{name}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert!(list(&app, &token).await.is_empty());
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/system/backups/{name}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404, "{body}");
    for action in [
        "system.backup",
        "system.backup_download",
        "system.backup_delete",
    ] {
        assert_eq!(app.audit_actions(action).await.len(), 1, "{action}");
    }
    // Moderators may not touch backups: they hold the key files.
    let moderator = app.token_for("mod", "moderator").await;
    let (status, _) = app
        .call(Method::GET, "/api/v1/system/backups", &moderator, None)
        .await;
    assert_eq!(status, 403);
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn only_the_newest_backups_are_kept() {
    let app = spawn_app_with(|c| c.backups_keep = 2).await;
    let token = app.token_for("root", "admin").await;
    let first = backup(&app, &token).await["backup"]["name"].clone();
    let second = backup(&app, &token).await["backup"]["name"].clone();
    let third = backup(&app, &token).await;
    assert_eq!(third["pruned"], json!([first]));
    let names: Vec<Value> = list(&app, &token)
        .await
        .iter()
        .map(|b| b["name"].clone())
        .collect();
    assert_eq!(names, [third["backup"]["name"].clone(), second]);
}

#[tokio::test]
async fn a_scheduled_backup_is_made_when_it_is_due() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let app = spawn_app_on_clock(|c| c.backup_interval_hours = 1, clock.clone()).await;
    let token = app.token_for("root", "admin").await;
    assert!(list(&app, &token).await.is_empty(), "none at start");
    clock.advance(61 * 60 * 1000);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = list(&app, &token).await;
        if let Some(b) = found.first() {
            assert_eq!(b["trigger"], "scheduled");
            break;
        }
        assert!(Instant::now() < deadline, "no scheduled backup");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.audit_actions("system.backup").await.is_empty() {
        assert!(Instant::now() < deadline, "the backup job did not end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.audit_actions("system.backup").await[0].actor, "system");
}

/// A backup of `app` with its database changed by `change` (a newer schema, damage …).
async fn tampered_backup(app: &TestApp, token: &str, change: impl FnOnce(&Path)) -> Vec<u8> {
    let name = backup(app, token).await["backup"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    let archive =
        std::fs::read(app.config().data_dir.join("backups").join(&name)).expect("archive");
    let files = entries(&archive);
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("plexward.db");
    std::fs::write(&db, &files[1].1).expect("db");
    change(&db);
    let db = std::fs::read(&db).expect("db");
    let mut out: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    out[1].1 = &db;
    pack(&out)
}

async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = app
        .bearer(Method::POST, "/api/v1/system/restore", token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={}", crate::helpers::BOUNDARY),
        )
        .body(crate::helpers::multipart(&[("backup", &bytes)]))
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_file_that_is_not_a_sound_backup_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let token = app.token_for("root", "admin").await;
    let newer = tampered_backup(&app, &token, |db| {
        let mut conn =
            diesel::SqliteConnection::establish(db.to_str().expect("utf-8")).expect("db");
        conn.batch_execute(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('99991231000000')",
        )
        .expect("a migration from the future");
    })
    .await;
    let damaged = tampered_backup(&app, &token, |db| {
        let mut bytes = std::fs::read(db).expect("db");
        // Past the header: pages of the schema and tables.
        for b in &mut bytes[4096..12288] {
            *b = 0x5a;
        }
        std::fs::write(db, bytes).expect("written");
    })
    .await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not gzip", b"hello".to_vec(), "not a Plexward backup"),
        ("no manifest", pack(&[("plexward.db", b"x")]), "not manifest.json"),
        (
            "a stray file",
            pack(&[("manifest.json", br#"{"format":1,"created_at":"2026-01-01T00:00:00Z","trigger":"manual","app_version":"0.1.0","schema_version":"1","files":[]}"#), ("notes.txt", b"x")]),
            "unexpected entry",
        ),
        ("newer", newer, "newer Plexward"),
        ("damaged", damaged, "damaged"),
    ];
    for (case, bytes, says) in cases {
        let (status, body) = upload(&app, &token, bytes).await;
        assert_eq!(status, 422, "{case}: {body}");
        assert_eq!(body["error"]["code"], "validation_failed", "{case}: {body}");
        let why = body["error"]["fields"]["backup"]
            .as_str()
            .unwrap_or_default();
        assert!(why.contains(says), "{case}: {why}");
    }
    // A sound one here: this process cannot restart, so 409, and nothing is staged either.
    let name = backup(&app, &token).await["backup"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/system/backups/{name}/restore"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "restart_unavailable");
    let left: Vec<String> = std::fs::read_dir(&app.config().data_dir)
        .expect("data dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restore"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let scratch: Vec<String> = std::fs::read_dir(app.config().data_dir.join("backups"))
        .expect("backups")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(scratch.is_empty(), "scratch files left: {scratch:?}");
    let (status, body) = upload(&app, &token, Vec::new()).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(app.audit_actions("system.restore").await.len(), 6);
}

/// Polls `path` with `token` until `ok` holds for the answer (deadline 60 s: a restart lets
/// in-flight work finish first).
async fn poll(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(url).bearer_auth(token).send().await
            && r.status() == 200
            && let Ok(body) = r.json::<Value>().await
            && ok(&body)
        {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{url} never answered as expected"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_restore_from_the_api_restarts_with_the_backup() {
    let tmp = tempfile::tempdir().expect("tmp");
    let config = Config {
        port: 0,
        data_dir: tmp.path().join("data"),
        web_dir: tmp.path().join("no-web-ui"),
        ..Config::default()
    };
    let mut serve = ServeLoop::start(&config);
    let (url, _) = serve.started().await;
    let db = plexward::db::connect(&config.database_path()).expect("db");
    insert_account(&db, "root", "admin", false).await;
    insert_account(&db, "before", "auditor", false).await;
    drop(db);
    let client = reqwest::Client::new();
    let token = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": "root", "password": GOOD_PASSWORD}))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let call = |method: Method, path: &str| {
        client
            .request(method, format!("{url}{path}"))
            .bearer_auth(&token)
    };
    let started: Value = call(Method::POST, "/api/v1/system/backups")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let job = poll(
        &client,
        &format!(
            "{url}/api/v1/jobs/{}",
            started["job_id"].as_str().expect("id")
        ),
        &token,
        |j| j["state"] == "succeeded",
    )
    .await;
    let name = job["result"]["backup"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    let r = call(Method::POST, "/api/v1/accounts")
        .json(&json!({"username": "after", "password": GOOD_PASSWORD, "role": "auditor"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 201);

    let r = call(
        Method::POST,
        &format!("/api/v1/system/backups/{name}/restore"),
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(r.status(), 202);
    let answer: Value = r.json().await.expect("json");
    assert_eq!(answer["backup"]["name"], name);
    assert_eq!(answer["url"], url);
    let kept = answer["kept_aside"]
        .as_str()
        .expect("kept aside")
        .to_owned();
    assert!(kept.ends_with("-before-restore.tar.gz"), "{kept}");

    let (second, handle) = serve.started().await;
    assert_eq!(second, url, "the same port");
    // The restored accounts: `after` came later than the backup.
    let accounts = poll(&client, &format!("{url}/api/v1/accounts"), &token, |_| true).await;
    let names: Vec<&str> = accounts["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["username"].as_str().expect("name"))
        .collect();
    assert!(
        names.contains(&"before") && !names.contains(&"after"),
        "{names:?}"
    );
    // What was there is kept: a backup to restore back to, and the replaced files.
    let backups = poll(
        &client,
        &format!("{url}/api/v1/system/backups"),
        &token,
        |_| true,
    )
    .await;
    let kept_aside = backups["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|b| b["name"] == kept)
        .expect("the kept-aside backup is listed");
    assert_eq!(kept_aside["trigger"], "before_restore");
    let replaced: Vec<PathBuf> = std::fs::read_dir(config.data_dir.join("backups"))
        .expect("backups")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("replaced-"))
        })
        .collect();
    assert_eq!(replaced.len(), 1, "{replaced:?}");
    assert!(usernames(&replaced[0].join("plexward.db")).contains(&"after".to_owned()));
    // The restored trail says who restored what.
    let audit = poll(
        &client,
        &format!("{url}/api/v1/audit?action=system.restore"),
        &token,
        |_| true,
    )
    .await;
    assert_eq!(audit["items"][0]["actor"], "root", "{audit}");
    assert_eq!(audit["items"][0]["details"]["backup"], name, "{audit}");
    assert!(!config.data_dir.join("restore-staged.tar.gz").exists());

    serve.stop(handle).await;
}

fn plexward_cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_plexward"))
        .args(args)
        .env_remove("PLEXWARD_CONFIG")
        .output()
        .expect("plexward runs")
}

#[tokio::test]
async fn the_cli_restores_a_backup_once_plexward_is_stopped() {
    let mut app = spawn_app().await;
    let token = app.token_for("root", "admin").await;
    app.create_account("before", "auditor", false).await;
    let name = backup(&app, &token).await["backup"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    app.create_account("after", "auditor", false).await;
    let data_dir = app.config().data_dir.clone();
    let file = data_dir.join("backups").join(&name);
    let dir_arg = data_dir.to_str().expect("utf-8");

    let refused = plexward_cli(&[
        "restore",
        file.to_str().expect("utf-8"),
        "--data-dir",
        dir_arg,
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Plexward is running"),
        "{refused:?}"
    );

    app.stop().await;
    let done = plexward_cli(&[
        "restore",
        file.to_str().expect("utf-8"),
        "--data-dir",
        dir_arg,
    ]);
    let said = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{said}");
    assert!(said.contains("0 migration(s) applied"), "{said}");
    let restored = usernames(&data_dir.join("plexward.db"));
    assert!(
        restored.contains(&"before".to_owned()) && !restored.contains(&"after".to_owned()),
        "{restored:?}"
    );

    let bad = plexward_cli(&["restore", "/nonexistent.tar.gz", "--data-dir", dir_arg]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("cannot open the backup"),
        "{bad:?}"
    );

    // It starts on the restored database; the sign-in key came back with it.
    let app = app.restart(plexward::clock::system()).await;
    let r = app
        .bearer(Method::GET, "/api/v1/me", &token)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.status(),
        200,
        "the session made before the backup is valid"
    );
}

#[tokio::test]
async fn a_backup_of_an_older_release_is_migrated_when_restored() {
    // v0.1.0's database, as a backup v0.1.0 would have made of it.
    let tmp = tempfile::tempdir().expect("tmp");
    let old = tmp.path().join("old.db");
    let mut conn = diesel::SqliteConnection::establish(old.to_str().expect("utf-8")).expect("db");
    conn.batch_execute(include_str!("../fixtures/upgrade/v0.1.0.sql"))
        .expect("fixture loads");
    drop(conn);
    let manifest = json!({
        "format": 1, "created_at": "2026-11-30T12:00:00Z", "trigger": "scheduled",
        "app_version": "0.1.0", "schema_version": "20261130000000", "files": [],
    });
    let archive = tmp.path().join("old.tar.gz");
    std::fs::write(
        &archive,
        pack(&[
            ("manifest.json", manifest.to_string().as_bytes()),
            ("plexward.db", &std::fs::read(&old).expect("db")),
        ]),
    )
    .expect("written");

    let data_dir = tmp.path().join("data");
    let done = plexward_cli(&[
        "restore",
        archive.to_str().expect("utf-8"),
        "--data-dir",
        data_dir.to_str().expect("utf-8"),
    ]);
    let said = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{said}");
    assert!(!said.contains(" 0 migration(s)"), "{said}");

    let app = spawn_app_with(|c| c.data_dir = data_dir.clone()).await;
    let owner = app.login("owner", "plexward-upgrade-test").await.token;
    let (status, accounts) = app
        .call(Method::GET, "/api/v1/accounts", &owner, None)
        .await;
    assert_eq!(status, 200, "{accounts}");
    assert!(
        accounts["total"].as_u64().expect("total") >= 2,
        "{accounts}"
    );
}
