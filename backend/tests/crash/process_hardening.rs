//! What the binary sets for itself at start, seen from outside: everything it writes in the
//! data directory is its owner's only (the black-box test found `plexward.db`, `-wal` and `-shm`
//! world-readable), a database left readable by others is fixed with a warning, and the
//! open-file limit is raised to the hard limit and logged.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use plex_sim::{PlexSim, Seed, SimConfig};
use reqwest::Method;

use crate::harness::*;

/// Every file and directory under `dir` that others could read, with its mode.
fn shared_with_others(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).expect("listed");
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            found.push(format!("{} {mode:o}", path.display()));
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).expect("readable") {
                stack.push(entry.expect("entry").path());
            }
        }
    }
    found
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `Max open files` of process `pid`: (soft, hard) as `/proc` shows them.
fn open_file_limit(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("limits");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("listed");
    let fields: Vec<&str> = line.split_whitespace().collect();
    (fields[3].to_owned(), fields[4].to_owned())
}

#[tokio::test]
async fn the_data_directory_is_owner_only_and_the_descriptor_limit_raised() {
    let sim = PlexSim::start(SimConfig {
        seed: Seed::default(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let mut harness = Harness::new(&sim);
    let app = harness.start().await;
    harness.sign_in(&app).await;
    // Writes of every kind: the database (and its WAL), a backup, the logs, the keys.
    let (status, body) = harness
        .call(&app, Method::POST, "/api/v1/system/backups", None)
        .await;
    assert!(status == 202 || status == 200, "{status} {body}");
    let data = harness.dir.path().join("data");
    let backups = data.join("backups");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_dir(&backups).map_or(true, |d| d.count() == 0) {
        assert!(std::time::Instant::now() < deadline, "no backup written");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for name in ["plexward.db", "plexward.db-wal", "plexward.db-shm"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    assert_eq!(shared_with_others(&data), Vec::<String>::new());

    let (soft, hard) = open_file_limit(app.child.id());
    assert_eq!(soft, hard, "the soft limit is raised to the hard one");
    // The whole log, not its tail: the line comes first, before every migration's line.
    let log = std::fs::read_to_string(harness.log_path()).unwrap_or_default();
    assert!(
        log.lines().any(|l| l.contains("open-file limit")),
        "the limit is logged:\n{log}"
    );
    app.terminate().await;

    // A database someone made readable to all is made owner-only again at the next start.
    std::fs::set_permissions(
        data.join("plexward.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    let app = harness.start().await;
    assert_eq!(mode(&data.join("plexward.db")), 0o600);
    // Serving (and so handling SIGTERM) before it is stopped.
    let (status, _) = harness
        .call(&app, Method::GET, "/api/v1/health", None)
        .await;
    assert_eq!(status, 200);
    assert!(
        std::fs::read_to_string(harness.log_path())
            .unwrap_or_default()
            .contains("readable by other users"),
        "the fix is logged"
    );
    app.terminate().await;
}
