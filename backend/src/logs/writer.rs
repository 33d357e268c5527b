//! The files' writer: appends each formatted event to a size-rotated file and, for `app.log`,
//! feeds the live [hub](super::hub).

use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};
use tracing_subscriber::fmt::MakeWriter;

use super::hub::LogHub;
use super::line;

/// A log file rotated by size (`name`, `name.1` … `name.{keep}`, the oldest dropped).
pub struct RotatingFile {
    file: Mutex<FileRotate<AppendCount>>,
    hub: Option<Arc<LogHub>>,
}

impl std::fmt::Debug for RotatingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatingFile").finish_non_exhaustive()
    }
}

impl RotatingFile {
    /// Opens (or creates, mode 0600) `path`. A file passing `max_bytes` is rotated after the
    /// event that passed it, so lines are never cut in two.
    pub fn open(path: &Path, max_bytes: usize, keep: usize, hub: Option<Arc<LogHub>>) -> Self {
        let file = FileRotate::new(
            path,
            AppendCount::new(keep),
            ContentLimit::BytesSurpassed(max_bytes),
            Compression::None,
            Some(private_file_options()),
        );
        Self {
            file: Mutex::new(file),
            hub,
        }
    }
}

/// Append, create with mode 0600 (lines may name accounts and friends).
fn private_file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

impl<'a> MakeWriter<'a> for RotatingFile {
    type Writer = EventWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter { sink: self }
    }
}

/// Writes one formatted event (the formatter hands over a whole line in one `write`).
#[derive(Debug)]
pub struct EventWriter<'a> {
    sink: &'a RotatingFile,
}

impl Write for EventWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        {
            let mut file = self.sink.file.lock().unwrap_or_else(|p| p.into_inner());
            file.write_all(buf)?;
            file.flush()?;
        }
        if let Some(hub) = &self.sink.hub {
            for text in String::from_utf8_lossy(buf).lines() {
                if !text.is_empty() {
                    hub.publish(&line::parse(text));
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink
            .file
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_past_the_size_limit_and_keeps_five_files_of_whole_lines() {
        let dir = tempfile::tempdir().expect("test set-up");
        let path = dir.path().join("app.log");
        let hub = Arc::new(LogHub::new());
        let sink = RotatingFile::open(&path, 1_000, 4, Some(hub.clone()));
        for n in 0..400 {
            let line = format!(
                "{{\"timestamp\":\"t\",\"level\":\"INFO\",\"fields\":{{\"message\":\"event {n:04}\"}},\"target\":\"x\"}}\n"
            );
            sink.make_writer()
                .write_all(line.as_bytes())
                .expect("test set-up");
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("test set-up")
            .map(|e| {
                e.expect("test set-up")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "app.log",
                "app.log.1",
                "app.log.2",
                "app.log.3",
                "app.log.4"
            ]
        );
        for name in &names {
            let text = std::fs::read_to_string(dir.path().join(name)).expect("test set-up");
            // Rotated just after passing the limit: at most one line over it.
            assert!(text.len() < 1_000 + 100, "{name} is {} bytes", text.len());
            assert!(text.ends_with('\n'));
            for l in text.lines() {
                assert!(
                    l.starts_with('{') && l.ends_with('}'),
                    "cut line in {name}: {l}"
                );
            }
        }
        let newest = std::fs::read_to_string(&path).expect("test set-up");
        assert!(newest.contains("event 0399"));
        // The oldest lines went with the dropped files.
        let all: String = names
            .iter()
            .map(|n| std::fs::read_to_string(dir.path().join(n)).expect("test set-up"))
            .collect();
        assert!(!all.contains("event 0000"));
        // Every line reached the live feed.
        assert_eq!(hub.next_id(), 401);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("test set-up")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
