//! The backups in `data_dir/backups/`: listed newest first, found by name, deleted, pruned.

use std::fs;
use std::path::{Path, PathBuf};

use plexward_shared::BackupResponse;

use super::{BackupError, archive};

/// Whether `name` is one [`archive::create`] could have written: `plexward-<…>.tar.gz` of
/// letters, digits and dashes (so never a path).
pub fn is_backup_name(name: &str) -> bool {
    name.strip_prefix("plexward-")
        .and_then(|rest| rest.strip_suffix(".tar.gz"))
        .is_some_and(|middle| {
            !middle.is_empty()
                && middle.len() <= 100
                && middle
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The path of the backup `name`, which must exist.
pub fn path_of(data_dir: &Path, name: &str) -> Result<PathBuf, BackupError> {
    if !is_backup_name(name) {
        return Err(BackupError::NotFound(name.to_owned()));
    }
    let path = super::dir(data_dir).join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(BackupError::NotFound(name.to_owned()))
    }
}

/// Every readable backup, newest first. One that cannot be read is left out (and logged).
pub fn list(data_dir: &Path) -> Result<Vec<BackupResponse>, BackupError> {
    let dir = super::dir(data_dir);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(BackupError::io("cannot list the backups")(e)),
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_backup_name(&name) {
            continue;
        }
        let path = entry.path();
        match archive::read_manifest(&path).and_then(|m| archive::info(&path, &m)) {
            Ok(info) => found.push(info),
            Err(e) => {
                tracing::warn!(backup = %name, error = %e, "an unreadable file in the backups directory")
            }
        }
    }
    // RFC 3339 in UTC with microseconds sorts as text (backups run one at a time).
    found.sort_by(|a, b| {
        (b.created_at.as_str(), b.name.as_str()).cmp(&(a.created_at.as_str(), a.name.as_str()))
    });
    Ok(found)
}

pub fn delete(data_dir: &Path, name: &str) -> Result<(), BackupError> {
    let path = path_of(data_dir, name)?;
    fs::remove_file(path).map_err(BackupError::io("cannot delete the backup"))
}

/// Deletes the oldest backups beyond the newest `keep`; returns the names deleted.
pub fn prune(data_dir: &Path, keep: usize) -> Result<Vec<String>, BackupError> {
    let mut pruned = Vec::new();
    for old in list(data_dir)?.into_iter().skip(keep) {
        delete(data_dir, &old.name)?;
        pruned.push(old.name);
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::is_backup_name;

    #[test]
    fn only_names_a_backup_could_have_are_backup_names() {
        assert!(is_backup_name("plexward-20261204T225500Z-manual.tar.gz"));
        assert!(is_backup_name(
            "plexward-20261204T225500Z-before-restore-2.tar.gz"
        ));
        for bad in [
            "plexward-.tar.gz",
            "plexward-../x.tar.gz",
            "plexward-a/b.tar.gz",
            "other-1.tar.gz",
            "plexward-1.tar",
            "plexward-1.tar.gz.part",
            ".tmp-1",
        ] {
            assert!(!is_backup_name(bad), "{bad}");
        }
    }
}
