//! One step's log file: plain lines, appended across attempts, capped and rotated to `.1`.
//!
//! Writes are best effort: a full disk must not stop a deploy half way, so a failed write is
//! remembered and reported once in the step's log stream instead of failing the step.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Default cap of one step's log before it rotates (64 MiB).
pub const DEFAULT_CAP: u64 = 64 * 1024 * 1024;

/// An open step log.
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
    /// Opens (appends to) `path`, creating its directory.
    pub fn open(path: &Path, cap: u64) -> std::io::Result<LogFile> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(LogFile { path: path.to_path_buf(), file: Some(file), size, cap: cap.max(1024), error: None })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line.
    pub fn write_line(&mut self, line: &str) {
        let len = line.len() as u64 + 1;
        if self.size + len > self.cap {
            self.rotate();
        }
        let Some(file) = self.file.as_mut() else { return };
        let result = file.write_all(line.as_bytes()).and_then(|()| file.write_all(b"\n"));
        match result {
            Ok(()) => self.size += len,
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(format!("cannot write {}: {e}", self.path.display()));
                }
            }
        }
    }

    fn rotate(&mut self) {
        let old = self.path.with_extension("log.1");
        self.file = None;
        let reopened = std::fs::rename(&self.path, &old)
            .and_then(|()| OpenOptions::new().create(true).append(true).truncate(false).open(&self.path));
        match reopened {
            Ok(f) => {
                self.file = Some(f);
                self.size = 0;
            }
            Err(e) => self.error = Some(format!("cannot rotate {}: {e}", self.path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
