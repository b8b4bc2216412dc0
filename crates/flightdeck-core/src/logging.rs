//! flightdeck's own diagnostic log: a small `tracing` subscriber that appends one line per event
//! to `flightdeck.log` in the data directory (shown by `flightdeck info`).
//!
//! The log records what went wrong off-screen (a notification that could not be sent, a cleanup
//! that failed, stdout closing under a command); it is not the run journal nor a step's output.
//! The level comes from `FLIGHTDECK_LOG` (`error`, `warn`, `info`, `debug`, `trace`; default
//! `info`). A file over 10 MiB is renamed to `flightdeck.log.1` when a process starts. Several
//! processes may append at once: each line is one `write` to a file opened in append mode.
//! Span tracking is not needed here (events carry their fields), so spans are accepted and ignored.

use std::fmt::{self, Write as _};
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// The file name inside the data directory.
pub const FILE_NAME: &str = "flightdeck.log";
/// Size above which the log is rotated at start-up.
pub const ROTATE_BYTES: u64 = 10 * 1024 * 1024;

/// Why the log could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file could not be opened.
    #[error("cannot open the log file {path}: {source}")]
    Open {
        /// The log file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// `FLIGHTDECK_LOG` holds no level.
    #[error("FLIGHTDECK_LOG={0:?} is not a level: use error, warn, info, debug or trace")]
    Level(String),
}

/// Appends events at or above a level to one file.
#[derive(Debug)]
pub struct FileLog {
    file: Mutex<File>,
    max: Level,
}

impl FileLog {
    /// Opens (creating, rotating if large) the log file at `path`.
    pub fn open(path: &Path, max: Level) -> Result<FileLog, LogError> {
        let err = |source| LogError::Open { path: path.display().to_string(), source };
        if let Some(dir) = path.parent().filter(|d| !d.is_dir()) {
            // The data directory, when the log is the first to need it: private, as the store makes it.
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(err)?;
        }
        if std::fs::metadata(path).is_ok_and(|m| m.len() > ROTATE_BYTES) {
            // Losing the old log is acceptable; keeping flightdeck running is not negotiable.
            let _ = std::fs::rename(path, path.with_extension("log.1"));
        }
        // Never through a link: in a data directory someone else could write, it could point anywhere.
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
            .mode(0o600)
            .open(path)
            .map_err(err)?;
        Ok(FileLog { file: Mutex::new(file), max })
    }
}

/// The level named by `FLIGHTDECK_LOG`, or `info`.
pub fn level_from_env() -> Result<Level, LogError> {
    match std::env::var("FLIGHTDECK_LOG") {
        Err(_) => Ok(Level::INFO),
        Ok(v) if v.trim().is_empty() => Ok(Level::INFO),
        Ok(v) => v.trim().parse::<Level>().map_err(|_| LogError::Level(v)),
    }
}

/// Installs the file log as the process's subscriber (the first call wins; later ones are
/// ignored, so tests and nested set-ups are harmless).
pub fn init(data_dir: &Path) -> Result<(), LogError> {
    let log = FileLog::open(&data_dir.join(FILE_NAME), level_from_env()?)?;
    let _ = tracing::subscriber::set_global_default(log);
    Ok(())
}

impl Subscriber for FileLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= &self.max
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let line = format_event(event, &crate::time::now().to_rfc3339());
        if let Ok(mut file) = self.file.lock() {
            // A log that cannot be written has nowhere to report it.
            let _ = file.write_all(line.as_bytes());
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

/// One log line: `TIME LEVEL pid=N target: message key=value ...\n`, terminal-safe.
fn format_event(event: &Event<'_>, now: &str) -> String {
    let meta = event.metadata();
    let mut fields = Fields::default();
    event.record(&mut fields);
    let line = format!(
        "{now} {:<5} pid={} {}: {}{}",
        meta.level(),
        std::process::id(),
        meta.target(),
        fields.message,
        fields.rest
    );
    let mut safe = crate::sanitize::one_line(&line).into_owned();
    safe.push('\n');
    safe
}

#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_appended_as_sanitized_lines_at_or_above_the_level() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("sub").join(FILE_NAME);
        let log = FileLog::open(&path, Level::INFO).unwrap_or_else(|e| panic!("{e}"));
        tracing::subscriber::with_default(log, || {
            tracing::warn!(store = "/x/db", "cannot send\x1b[2J it");
            tracing::debug!("hidden");
            tracing::info!(count = 3, "done");
        });
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].contains(" WARN ") && lines[0].contains("cannot send\\u001b[2J it store=\"/x/db\""),
            "{text}"
        );
        assert!(lines[1].contains(" INFO ") && lines[1].ends_with("done count=3"), "{text}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn a_large_log_is_rotated_when_opened() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(FILE_NAME);
        let big = vec![b'x'; usize::try_from(ROTATE_BYTES).unwrap_or(0) + 1];
        std::fs::write(&path, big).unwrap_or_else(|e| panic!("{e}"));
        let _log = FileLog::open(&path, Level::INFO).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::metadata(&path).map(|m| m.len()).ok(), Some(0));
        assert!(dir.path().join("flightdeck.log.1").exists());
    }
}
