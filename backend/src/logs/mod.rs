//! The application's own log files and their readers: where they live, how they rotate, how a
//! line is parsed back, how the newest lines are read without loading whole files, and the live
//! feed that `GET /api/v1/logs/stream` serves.
//!
//! Files are JSON lines (one event per line, newlines inside messages escaped), so a message can
//! never forge a line of its own (log injection) and the API can parse every line exactly.

pub mod archive;
pub mod hub;
pub mod line;
pub mod tail;
pub mod writer;

use std::path::{Path, PathBuf};

use plexward_shared::LogFile;

/// A file is rotated once it passes this size.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Rotated files kept besides the current one (`app.log.1` … `app.log.4`): five files in all.
pub const ROTATED_KEPT: usize = 4;

/// The data directory's `logs/`.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// The current file and the rotated ones that exist, newest first. Names are built here from
/// [`LogFile`], never from request input.
pub fn files_newest_first(logs_dir: &Path, file: LogFile) -> Vec<PathBuf> {
    let current = logs_dir.join(file.file_name());
    let mut files = vec![current.clone()];
    for n in 1..=ROTATED_KEPT {
        let rotated = logs_dir.join(format!("{}.{n}", file.file_name()));
        if rotated.is_file() {
            files.push(rotated);
        }
    }
    files.retain(|f| f.is_file());
    files
}
