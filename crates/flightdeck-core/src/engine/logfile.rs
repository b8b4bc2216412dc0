//! One step's log file: plain lines, appended across attempts, capped and rotated to `.1`; and
//! [`Tail`], which follows what a step's process appends to it (the process writes the file itself,
//! so its output never depends on the engine draining a pipe).
//!
//! The file is created by the first line written to it: a step that prints nothing leaves no log
//! (creating a file is the dearest thing the engine does per step), and every reader treats a
//! missing log as an empty one.
//!
//! Writes are best effort: a full disk must not stop a deploy half way, so a failed write is
//! remembered and reported once in the step's log stream instead of failing the step.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Default cap of one step's log before it rotates (64 MiB).
pub const DEFAULT_CAP: u64 = 64 * 1024 * 1024;

/// A step log, opened (created) at its first write.
#[derive(Debug)]
pub struct LogFile {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    cap: u64,
    /// The first write error, if any.
    pub error: Option<String>,
}

impl LogFile {
    /// The log at `path` (appended to; created by the first line written), its directory created
    /// now if it is missing: the step's marker files go beside it.
    pub fn open(path: &Path, cap: u64) -> std::io::Result<LogFile> {
        let size = match std::fs::metadata(path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                0
            }
            Err(e) => return Err(e),
        };
        Ok(LogFile { path: path.to_path_buf(), file: None, size, cap: cap.max(1024), error: None })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's length as this handle wrote it (0 while it does not exist).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The open file, opened (created) now if it is not yet; `None` after an error (remembered).
    fn handle(&mut self) -> Option<&mut File> {
        if self.file.is_none() {
            match OpenOptions::new().create(true).append(true).open(&self.path) {
                Ok(f) => self.file = Some(f),
                Err(e) => {
                    self.note(format!("cannot open {}: {e}", self.path.display()));
                    return None;
                }
            }
        }
        self.file.as_mut()
    }

    fn note(&mut self, error: String) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Cuts the file back to `len` bytes if it is longer (a copy a crash interrupted). A file
    /// shorter than `len` rotated since and is left alone.
    pub fn truncate_to(&mut self, len: u64) {
        if self.size <= len {
            return;
        }
        let Some(file) = self.handle() else { return };
        match file.set_len(len) {
            Ok(()) => self.size = len,
            Err(e) => self.note(format!("cannot truncate {}: {e}", self.path.display())),
        }
    }

    /// Appends one line.
    pub fn write_line(&mut self, line: &str) {
        let len = line.len() as u64 + 1;
        if self.size + len > self.cap {
            self.rotate();
        }
        let Some(file) = self.handle() else { return };
        let result = file.write_all(line.as_bytes()).and_then(|()| file.write_all(b"\n"));
        match result {
            Ok(()) => self.size += len,
            Err(e) => self.note(format!("cannot write {}: {e}", self.path.display())),
        }
    }

    /// Moves the full log to `.log.1`; the next line starts a new one.
    fn rotate(&mut self) {
        let old = self.path.with_extension("log.1");
        self.file = None;
        match std::fs::rename(&self.path, &old) {
            Ok(()) => self.size = 0,
            Err(e) => self.note(format!("cannot rotate {}: {e}", self.path.display())),
        }
    }
}

/// Most bytes [`Tail::poll`] reads at once, and the longest line it holds before passing it on.
const TAIL_CHUNK: usize = 256 * 1024;
const MAX_LINE: usize = 64 * 1024;

/// Follows a file another process appends to: complete lines only, a line split across writes is
/// joined, memory bounded by [`TAIL_CHUNK`] and [`MAX_LINE`].
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    /// Opened at the first poll that finds the file, then kept (the writer only appends to it).
    file: Option<File>,
    offset: u64,
    partial: Vec<u8>,
    /// The offset this follower started from, until its owner records that it copied something
    /// (taken by the owner; see `engine::process`).
    pub unrecorded: Option<u64>,
}

impl Tail {
    /// Follows `path` from byte `offset`.
    pub fn new(path: &Path, offset: u64) -> Tail {
        Tail { path: path.to_path_buf(), file: None, offset, partial: Vec::new(), unrecorded: Some(offset) }
    }

    /// Follows `path` from its current end (0 if it does not exist yet).
    #[cfg(test)]
    pub fn at_end(path: &Path) -> Tail {
        Tail::new(path, std::fs::metadata(path).map_or(0, |m| m.len()))
    }

    /// The complete lines appended since the last call (a missing file has none). A file that
    /// shrank (truncated) is followed from its start. Nothing new costs one `fstat`.
    pub fn poll(&mut self) -> Vec<String> {
        use std::os::unix::fs::FileExt;
        let mut lines = Vec::new();
        if self.file.is_none() {
            self.file = File::open(&self.path).ok();
        }
        let Some(file) = self.file.take() else { return lines };
        let len = file.metadata().map_or(0, |m| m.len());
        if len < self.offset {
            self.offset = 0;
        }
        let new = usize::try_from(len - self.offset).unwrap_or(TAIL_CHUNK);
        let mut buf = vec![0u8; new.min(TAIL_CHUNK)];
        while !buf.is_empty() {
            let n = match file.read_at(&mut buf, self.offset) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            self.offset += n as u64;
            self.take_lines(&buf[..n], &mut lines);
            if lines.len() > 4096 {
                break;
            }
        }
        self.file = Some(file);
        lines
    }

    /// The bytes passed on so far: what was read, less a line still held back incomplete.
    pub fn consumed(&self) -> u64 {
        self.offset - self.partial.len() as u64
    }

    /// What is left of an unterminated last line, once the writer has ended.
    pub fn finish(&mut self) -> Option<String> {
        if self.partial.is_empty() {
            return None;
        }
        Some(line_text(std::mem::take(&mut self.partial)))
    }

    fn take_lines(&mut self, bytes: &[u8], out: &mut Vec<String>) {
        for chunk in bytes.split_inclusive(|&b| b == b'\n') {
            let complete = chunk.last() == Some(&b'\n');
            let mut rest = if complete { &chunk[..chunk.len() - 1] } else { chunk };
            while !rest.is_empty() {
                let take = (MAX_LINE - self.partial.len()).min(rest.len());
                self.partial.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                if self.partial.len() >= MAX_LINE {
                    out.push(line_text(std::mem::take(&mut self.partial)));
                }
            }
            if complete {
                out.push(line_text(std::mem::take(&mut self.partial)));
            }
        }
    }
}

fn line_text(bytes: Vec<u8>) -> String {
    let mut text =
        String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    if text.ends_with('\r') {
        text.pop();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_joins_split_lines_and_follows_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        std::fs::write(&path, "old\n").unwrap();
        let mut tail = Tail::at_end(&path);
        assert!(tail.poll().is_empty());
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"one\ntw").unwrap();
        assert_eq!(tail.poll(), vec!["one".to_string()]);
        f.write_all(b"o\r\nthree").unwrap();
        assert_eq!(tail.poll(), vec!["two".to_string()]);
        assert_eq!(tail.finish().as_deref(), Some("three"));
        assert_eq!(tail.finish(), None);
    }

    #[test]
    fn tail_bounds_a_line_without_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        std::fs::write(&path, vec![b'x'; MAX_LINE * 2 + 10]).unwrap();
        let mut tail = Tail::new(&path, 0);
        let lines = tail.poll();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.len() == MAX_LINE));
        assert_eq!(tail.finish().map(|l| l.len()), Some(10));
    }

    #[test]
    fn a_log_nothing_is_written_to_is_never_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/quiet.log");
        let mut log = LogFile::open(&path, 1024).unwrap();
        assert!(dir.path().join("run").is_dir(), "the directory is made for the marker files");
        log.truncate_to(0);
        assert!(!path.exists(), "opening a log created it");
        assert_eq!(log.size(), 0);
        log.write_line("first");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
        let mut again = LogFile::open(&path, 1024).unwrap();
        assert_eq!(again.size(), 6);
        again.write_line("second");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\nsecond\n");
        assert!(again.error.is_none() && log.error.is_none());
    }

    #[test]
    fn appends_and_rotates_at_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x/step.log");
        let mut log = LogFile::open(&path, 1024).unwrap();
        for i in 0..100 {
            log.write_line(&format!("line {i:04} ............"));
        }
        let current = std::fs::read_to_string(&path).unwrap();
        let old = std::fs::read_to_string(path.with_extension("log.1")).unwrap();
        assert!(current.len() <= 1024 && old.len() <= 1024);
        assert!(current.ends_with("line 0099 ............\n"));
        assert!(log.error.is_none());
    }
}
