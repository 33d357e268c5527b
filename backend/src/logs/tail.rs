//! The newest matching lines of a log, read backwards from the end of the current file and then
//! of older rotated files, a block at a time: memory stays at one block plus the lines kept,
//! however large the files (5 × 10 MB).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use plexward_shared::{LogEntry, LogFile};

use super::line::{self, Filter};

const BLOCK: usize = 64 * 1024;

/// A page of the lines of `file` that `filter` keeps, counted from the newest: `offset` newest
/// matches skipped, then at most `limit`, returned oldest first, with `total` = every match in
/// the current and rotated files. The count reads every line once (a line is parsed only when a
/// filter needs it or it is on the page), so memory stays at one block plus the page.
pub fn page(
    logs_dir: &Path,
    file: LogFile,
    filter: &Filter,
    offset: usize,
    limit: usize,
) -> io::Result<(Vec<LogEntry>, u64)> {
    let mut kept = Vec::with_capacity(limit.min(1024));
    let mut total: u64 = 0;
    for path in super::files_newest_first(logs_dir, file) {
        let mut lines = match BackwardLines::open(&path) {
            Ok(lines) => lines,
            // Rotated away between listing and opening: its lines are in the next file.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        while let Some(raw) = lines.next_line()? {
            let text = String::from_utf8_lossy(&raw);
            let text = text.trim_end_matches('\r');
            if text.is_empty() {
                continue;
            }
            let on_page =
                |total: u64| (offset as u64..offset.saturating_add(limit) as u64).contains(&total);
            if filter.keeps_all() {
                if on_page(total) {
                    kept.push(line::parse(text));
                }
                total += 1;
                continue;
            }
            let entry = line::parse(text);
            if filter.keeps(&entry) {
                if on_page(total) {
                    kept.push(entry);
                }
                total += 1;
            }
        }
    }
    kept.reverse();
    Ok((kept, total))
}

/// Yields a file's lines last to first.
struct BackwardLines {
    file: File,
    /// Bytes of the file not yet read (everything before this offset).
    unread: u64,
    /// Lines of the current block still to yield, in file order (yielded from the back).
    pending: Vec<Vec<u8>>,
    /// The start of the earliest line seen, which may continue in the block before.
    partial: Vec<u8>,
    path: PathBuf,
}

impl BackwardLines {
    fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let unread = file.metadata()?.len();
        Ok(Self {
            file,
            unread,
            pending: Vec::new(),
            partial: Vec::new(),
            path: path.to_owned(),
        })
    }

    fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(line) = self.pending.pop() {
                return Ok(Some(line));
            }
            if self.unread == 0 {
                // The file's first line has no newline before it.
                if self.partial.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(std::mem::take(&mut self.partial)));
            }
            self.read_block()?;
        }
    }

    fn read_block(&mut self) -> io::Result<()> {
        let size = BLOCK.min(self.unread as usize);
        self.unread -= size as u64;
        let mut block = vec![0; size];
        self.file.seek(SeekFrom::Start(self.unread))?;
        self.file
            .read_exact(&mut block)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))?;
        block.extend_from_slice(&self.partial);
        let mut parts = block.split(|&b| b == b'\n');
        // Everything before the block's first newline may continue in the previous block.
        self.partial = parts.next().unwrap_or_default().to_vec();
        self.pending = parts.map(<[u8]>::to_vec).collect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use plexward_shared::LogLevel;

    use super::*;

    fn json(n: usize, level: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-11-24T10:00:00Z","level":"{level}","fields":{{"message":"line {n}"}},"target":"t"}}"#
        )
    }

    fn write(path: &Path, lines: impl Iterator<Item = String>) {
        let mut f = File::create(path).expect("test set-up");
        for l in lines {
            writeln!(f, "{l}").expect("test set-up");
        }
    }

    /// The `n` newest matching lines, oldest first.
    fn newest(dir: &Path, file: LogFile, filter: &Filter, n: usize) -> io::Result<Vec<LogEntry>> {
        page(dir, file, filter, 0, n).map(|(lines, _)| lines)
    }

    fn messages(entries: &[LogEntry]) -> Vec<String> {
        entries.iter().map(|e| e.message.clone()).collect()
    }

    #[test]
    fn reads_the_newest_lines_in_order_across_blocks_and_rotated_files() {
        let dir = tempfile::tempdir().expect("test set-up");
        // Lines 0..3000 in app.log.2 (oldest), 3000..6000 in .1, 6000..9000 current: several
        // 64 KiB blocks each.
        write(
            &dir.path().join("app.log.2"),
            (0..3000).map(|n| json(n, "INFO")),
        );
        write(
            &dir.path().join("app.log.1"),
            (3000..6000).map(|n| json(n, "INFO")),
        );
        write(
            &dir.path().join("app.log"),
            (6000..9000).map(|n| json(n, "INFO")),
        );

        let got = newest(dir.path(), LogFile::App, &Filter::default(), 10).expect("test set-up");
        assert_eq!(
            messages(&got),
            (8990..9000)
                .map(|n| format!("line {n}"))
                .collect::<Vec<_>>()
        );

        // More than the current file holds: continues into the rotated files, still in order.
        let got = newest(dir.path(), LogFile::App, &Filter::default(), 7000).expect("test set-up");
        assert_eq!(got.len(), 7000);
        assert_eq!(
            messages(&got),
            (2000..9000)
                .map(|n| format!("line {n}"))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn filters_before_counting_and_survives_a_missing_current_file() {
        let dir = tempfile::tempdir().expect("test set-up");
        write(
            &dir.path().join("app.log.1"),
            (0..500).map(|n| json(n, if n % 100 == 0 { "ERROR" } else { "INFO" })),
        );
        let filter = Filter::new(Some(LogLevel::Error), None);
        let got = newest(dir.path(), LogFile::App, &filter, 100).expect("test set-up");
        assert_eq!(
            messages(&got),
            ["line 0", "line 100", "line 200", "line 300", "line 400"]
        );
    }

    #[test]
    fn a_file_without_a_final_newline_or_with_a_line_longer_than_a_block_reads_whole() {
        let dir = tempfile::tempdir().expect("test set-up");
        let long = "x".repeat(200_000);
        let content = format!("first\n{long}\nlast");
        std::fs::write(dir.path().join("error.log"), content).expect("test set-up");
        let got = newest(dir.path(), LogFile::Error, &Filter::default(), 10).expect("test set-up");
        assert_eq!(
            messages(&got),
            ["first".to_owned(), long, "last".to_owned()]
        );
    }

    #[test]
    fn pages_count_from_the_newest_and_total_counts_every_match() {
        let dir = tempfile::tempdir().expect("test set-up");
        write(
            &dir.path().join("app.log.1"),
            (0..3000).map(|n| json(n, if n % 10 == 0 { "ERROR" } else { "INFO" })),
        );
        write(
            &dir.path().join("app.log"),
            (3000..6000).map(|n| json(n, if n % 10 == 0 { "ERROR" } else { "INFO" })),
        );
        let (got, total) =
            page(dir.path(), LogFile::App, &Filter::default(), 10, 5).expect("test set-up");
        assert_eq!(total, 6000);
        assert_eq!(
            messages(&got),
            (5985..5990)
                .map(|n| format!("line {n}"))
                .collect::<Vec<_>>()
        );
        let errors = Filter::new(Some(LogLevel::Error), None);
        let (got, total) = page(dir.path(), LogFile::App, &errors, 599, 10).expect("test set-up");
        assert_eq!(total, 600);
        assert_eq!(messages(&got), ["line 0"], "the last page");
        let (got, total) = page(dir.path(), LogFile::App, &errors, 600, 10).expect("test set-up");
        assert_eq!((got.len(), total), (0, 600), "past the end");
    }

    #[test]
    fn no_file_is_no_lines() {
        let dir = tempfile::tempdir().expect("test set-up");
        let got = newest(dir.path(), LogFile::App, &Filter::default(), 10).expect("test set-up");
        assert!(got.is_empty());
    }
}
