//! The data directory: database, key files, certificates and logs live here. It holds secrets
//! (the Plex token's key, the JWT key), so it is created readable by its owner only.

use std::fs;
use std::io;
use std::path::Path;

/// Creates `dir` (and parents) with mode 0700 when missing. An existing directory is kept as it
/// is, but a warning is logged when other users can read it.
pub fn ensure(dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        create_private(dir)?;
        tracing::info!(path = %dir.display(), "created data directory");
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a directory", dir.display()),
        ));
    }
    warn_if_shared(dir);
    Ok(())
}

/// The file a running Plexward holds locked in its data directory.
pub const LOCK_FILE: &str = "plexward.lock";

/// Takes the data directory's lock (an OS file lock, released when the returned file is dropped
/// or the process ends, however it ends). `Ok(None)` when another process holds it: a Plexward
/// is running on this directory.
pub fn lock(dir: &Path) -> io::Result<Option<fs::File>> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(e)) => Err(e),
    }
}

/// The database at `path` and its `-wal` and `-shm` files readable by their owner only: a new
/// database is created 0600 before SQLite opens it (SQLite gives the `-wal` and `-shm` files the
/// database's mode), and existing files that others could read are made 0600, with a warning.
pub fn secure_database(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if !path.exists() {
            // An empty file is an empty SQLite database.
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)?;
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        for file in [
            path.to_path_buf(),
            path.with_file_name(format!("{name}-wal")),
            path.with_file_name(format!("{name}-shm")),
        ] {
            make_private(&file)?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Makes an existing `file` 0600 if others could read it, with a warning naming it.
#[cfg(unix)]
fn make_private(file: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = fs::metadata(file) else {
        return Ok(());
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        fs::set_permissions(file, fs::Permissions::from_mode(0o600))?;
        tracing::warn!(
            path = %file.display(),
            was = format!("{mode:o}"),
            "the file was readable by other users; it is now owner-only (0600)"
        );
    }
    Ok(())
}

#[cfg(unix)]
fn create_private(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn warn_if_shared(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = fs::metadata(dir)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %dir.display(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777),
            "the data directory is accessible to other users; `chmod 700` it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_dir: &Path) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn creates_missing_directory_owner_only() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a/b/data");
        ensure(&dir).expect("created");
        let mode = fs::metadata(&dir).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn one_lock_holder_at_a_time() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let held = lock(tmp.path()).expect("lockable").expect("free");
        assert!(lock(tmp.path()).expect("lockable").is_none(), "held");
        drop(held);
        assert!(lock(tmp.path()).expect("lockable").is_some(), "released");
    }

    #[test]
    fn the_database_and_its_wal_and_shm_are_owner_only() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let db = tmp.path().join("plexward.db");
        secure_database(&db).expect("created");
        let mode = |p: &Path| fs::metadata(p).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode(&db), 0o600, "a new database");
        let wal = tmp.path().join("plexward.db-wal");
        fs::write(&wal, b"").expect("write");
        fs::set_permissions(&wal, fs::Permissions::from_mode(0o644)).expect("chmod");
        fs::set_permissions(&db, fs::Permissions::from_mode(0o644)).expect("chmod");
        secure_database(&db).expect("fixed");
        assert_eq!((mode(&db), mode(&wal)), (0o600, 0o600), "fixed at start");
    }

    #[test]
    fn refuses_a_file_in_the_way() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("data");
        fs::write(&file, b"x").expect("write");
        assert!(ensure(&file).is_err());
    }
}
