//! `GET /api/v1/logs/download`: a log's current file, or with `all=true` its current and rotated
//! files as one `.tar.gz`.

use std::io;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use plexward_shared::LogFile;

/// What a download holds: the current file (empty when it does not exist yet), or with `all`
/// the archive of every file of `file`.
pub fn download(logs_dir: &Path, file: LogFile, all: bool) -> io::Result<Vec<u8>> {
    if all {
        return tar_gz(logs_dir, file);
    }
    match std::fs::read(logs_dir.join(file.file_name())) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        other => other,
    }
}

/// The archive's bytes. Files are compressed as they are read (logs shrink about tenfold), so
/// memory holds the compressed archive, not the 50 MB of text.
pub fn tar_gz(logs_dir: &Path, file: LogFile) -> io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    tar.mode(tar::HeaderMode::Deterministic);
    for path in super::files_newest_first(logs_dir, file) {
        let Some(name) = path.file_name() else {
            continue;
        };
        match std::fs::File::open(&path) {
            Ok(mut f) => tar.append_file(Path::new("plexward-logs").join(name), &mut f)?,
            // Rotated away meanwhile: its content moved to a file already added or coming.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
    }
    tar.into_inner()?.finish()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn holds_the_current_and_rotated_files() {
        let dir = tempfile::tempdir().expect("test set-up");
        std::fs::write(dir.path().join("app.log"), "new\n").expect("test set-up");
        std::fs::write(dir.path().join("app.log.1"), "old\n").expect("test set-up");
        std::fs::write(dir.path().join("error.log"), "other\n").expect("test set-up");
        let bytes = tar_gz(dir.path(), LogFile::App).expect("test set-up");
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        let mut got = Vec::new();
        for entry in archive.entries().expect("test set-up") {
            let mut entry = entry.expect("test set-up");
            let mut text = String::new();
            entry.read_to_string(&mut text).expect("test set-up");
            got.push((
                entry.path().expect("test set-up").display().to_string(),
                text,
            ));
        }
        assert_eq!(
            got,
            [
                ("plexward-logs/app.log".to_owned(), "new\n".to_owned()),
                ("plexward-logs/app.log.1".to_owned(), "old\n".to_owned()),
            ]
        );
    }
}
