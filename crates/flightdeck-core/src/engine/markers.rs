//! The files beside a step's log that let a step outlive the process that started it, and the
//! resume decision table built on them.
//!
//! For one execution (an attempt `N`, or the step's rollback) the engine writes `<step>.N.intent`
//! before it commits the start, then spawns a small `sh` wrapper in its own process group that writes
//! `<step>.N.begun` (its pid, which is the group id), runs the command with stdout and stderr appended
//! to the step's log, and writes the exit status to `<step>.N.status` with one `echo` (a status
//! counts only with its newline, so a half-done write reads as no status).
//! Outputs go to `<step>.N.outputs`. A resumed run reads these files to decide, without guessing,
//! whether the step finished, is still running, never began, or is unknown.
//!
//! `<step>.N.copied` says how far the command's raw output has been copied into the step's log:
//! the raw offset and the log's length right after that copy, in one fixed-width write. A resumed
//! run cuts the log back to that length (dropping a copy the crash interrupted) and copies on from
//! that raw offset, so every line reaches the log, and the listeners, exactly once.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::process::{cmdline_has, group_alive, process_live};

/// A live process whose command line has the argument `arg` (scans /proc).
fn find_by_arg(arg: &str) -> Option<i32> {
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .find(|&pid| cmdline_has(pid, arg) && process_live(pid))
}

/// The marker files of one execution of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markers {
    /// Written by the engine before it commits the start.
    pub intent: PathBuf,
    /// Written by the wrapper before the command runs: the wrapper's pid (= process group).
    pub begun: PathBuf,
    /// Written by the wrapper in one write when the command ended: its exit status.
    pub status: PathBuf,
    /// `$FLIGHTDECK_OUTPUT`.
    pub outputs: PathBuf,
    /// The command's raw output, appended by the wrapper. The engine copies it, secrets redacted,
    /// into the step's log (what `flightdeck log` and the console read) and removes it at the end.
    pub raw: PathBuf,
    /// How far `raw` has been copied into the step's log (see the module docs).
    pub copied: PathBuf,
}

impl Markers {
    /// The markers of execution `tag` (an attempt number, or `rollback`) of the step logging to `log`.
    pub fn new(log: &Path, tag: &str) -> Markers {
        let at = |ext: &str| log.with_extension(format!("{tag}.{ext}"));
        Markers {
            intent: at("intent"),
            begun: at("begun"),
            status: at("status"),
            outputs: at("outputs"),
            raw: at("raw"),
            copied: at("copied"),
        }
    }

    /// Removes the files of an earlier execution with the same tag (none exist for a fresh attempt).
    pub fn clear(&self) {
        for p in [
            &self.intent,
            &self.begun,
            &self.status,
            &self.status.with_extension("status.tmp"),
            &self.raw,
            &self.copied,
        ] {
            let _ = std::fs::remove_file(p);
        }
    }

    /// The exit status the wrapper recorded, if it did. The wrapper writes it with one `echo`: a
    /// status without its newline is a write the wrapper did not finish and does not count.
    pub fn exit_status(&self) -> Option<i32> {
        std::fs::read_to_string(&self.status).ok()?.strip_suffix('\n')?.trim().parse().ok()
    }

    /// Records that `raw` has been copied into the log up to byte `raw_offset`, the log then being
    /// `log_len` bytes long. One write of a fixed length at offset 0, so a crash leaves either the
    /// old pair or the new one. Best effort: without it a resumed run copies from the start.
    pub fn save_copied(&self, raw_offset: u64, log_len: u64) {
        use std::os::unix::fs::FileExt;
        let text = format!("{raw_offset:020} {log_len:020}\n");
        let file = std::fs::OpenOptions::new().create(true).write(true).truncate(false).open(&self.copied);
        if let Err(e) = file.and_then(|f| f.write_all_at(text.as_bytes(), 0)) {
            tracing::warn!("recording log progress in {}: {e}", self.copied.display());
        }
    }

    /// The pair [`Markers::save_copied`] last recorded, if any.
    pub fn copied(&self) -> Option<(u64, u64)> {
        let text = std::fs::read_to_string(&self.copied).ok()?;
        let mut nums = text.split_whitespace().map(str::parse::<u64>);
        match (nums.next(), nums.next()) {
            (Some(Ok(raw)), Some(Ok(log))) => Some((raw, log)),
            _ => None,
        }
    }

    /// The wrapper's pid (its process group) as it recorded it.
    pub fn begun_pid(&self) -> Option<i32> {
        std::fs::read_to_string(&self.begun).ok()?.trim().parse().ok()
    }

    /// What the files and /proc say about this execution.
    pub fn inspect(&self) -> Found {
        if let Some(code) = self.exit_status() {
            return Found::Finished(code);
        }
        if let Some(pgid) = self.begun_pid() {
            return if self.group_is_ours(pgid) { Found::Alive(pgid) } else { Found::Vanished };
        }
        if !self.intent.exists() {
            return Found::NoMarkers;
        }
        // Spawned but killed before it wrote `begun`: find the wrapper by the status path it carries.
        match find_by_arg(&self.status.display().to_string()) {
            Some(pid) => Found::Alive(pid),
            None => Found::NeverBegan,
        }
    }

    /// True while the process group `pgid` recorded in `begun` is still this execution's: its leader
    /// is live and its command line names our status file, or the leader is gone but members remain
    /// (a group id cannot be reused while the group has members).
    pub fn group_is_ours(&self, pgid: i32) -> bool {
        if process_live(pgid) {
            return cmdline_has(pgid, &self.status.display().to_string());
        }
        group_alive(pgid)
    }
}

/// What the marker files of a step that was mid-flight say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Found {
    /// The command ended with this status (the wrapper recorded it).
    Finished(i32),
    /// The wrapper's process group (this id) is still running.
    Alive(i32),
    /// The start was committed but no wrapper began.
    NeverBegan,
    /// The wrapper began, recorded no status, and its group is gone (killed from outside).
    Vanished,
    /// The step ran no process through the wrapper (another kind, or an older flightdeck).
    NoMarkers,
}

/// What a resumed run does with a step that was mid-flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resolution {
    /// Record this exit status as the step's result; never run it again.
    Record(i32),
    /// Wait for the live process group (or kill it on request); never start a second copy.
    Adopt(i32),
    /// Run it: it never began, or it is idempotent.
    Run,
    /// Ask the operator (`ConfirmRerun`, `--yes`) before running it again.
    Confirm,
}

/// `<step>.resume.json` beside the step's log `log`: a step kind writes it (synced) before the first
/// change of an attempt when running the step again finishes or undoes what an interrupted attempt
/// began (a `rollout` finishes its abort and fails). While it exists, a resumed run re-runs the step
/// as if it were idempotent, without asking; the kind removes it when its attempt ends.
pub fn kind_resume_file(log: &Path) -> PathBuf {
    log.with_extension("resume.json")
}

/// True if the forward attempt of the step logging to `log` left a [`kind_resume_file`].
pub fn kind_resumes(log: Option<&str>) -> bool {
    log.is_some_and(|l| kind_resume_file(Path::new(l)).exists())
}

/// The resume decision table.
pub fn decide(found: Found, idempotent: bool) -> Resolution {
    match found {
        Found::Finished(code) => Resolution::Record(code),
        Found::Alive(pgid) => Resolution::Adopt(pgid),
        Found::NeverBegan => Resolution::Run,
        Found::Vanished | Found::NoMarkers if idempotent => Resolution::Run,
        Found::Vanished | Found::NoMarkers => Resolution::Confirm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_table() {
        for idem in [true, false] {
            assert_eq!(decide(Found::Finished(0), idem), Resolution::Record(0));
            assert_eq!(decide(Found::Finished(3), idem), Resolution::Record(3));
            assert_eq!(decide(Found::Alive(42), idem), Resolution::Adopt(42));
            assert_eq!(decide(Found::NeverBegan, idem), Resolution::Run);
        }
        assert_eq!(decide(Found::Vanished, true), Resolution::Run);
        assert_eq!(decide(Found::Vanished, false), Resolution::Confirm);
        assert_eq!(decide(Found::NoMarkers, true), Resolution::Run);
        assert_eq!(decide(Found::NoMarkers, false), Resolution::Confirm);
    }

    #[test]
    fn a_kind_resume_file_sits_beside_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("canary.log");
        assert_eq!(kind_resume_file(&log), dir.path().join("canary.resume.json"));
        assert!(!kind_resumes(log.to_str()));
        std::fs::write(kind_resume_file(&log), "{}").unwrap();
        assert!(kind_resumes(log.to_str()));
        assert!(!kind_resumes(None));
    }

    #[test]
    fn inspect_reads_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let m = Markers::new(&dir.path().join("deploy.log"), "2");
        assert_eq!(m.status, dir.path().join("deploy.2.status"));
        assert_eq!(m.inspect(), Found::NoMarkers);
        std::fs::write(&m.intent, "").unwrap();
        assert_eq!(m.inspect(), Found::NeverBegan);
        // A pid that is not ours (pid 1 does not name our status file) with no status: vanished.
        std::fs::write(&m.begun, "1\n").unwrap();
        assert_eq!(m.inspect(), Found::Vanished);
        std::fs::write(&m.status, "7\n").unwrap();
        assert_eq!(m.inspect(), Found::Finished(7));
        m.clear();
        assert_eq!(m.inspect(), Found::NoMarkers);
    }

    #[test]
    fn a_status_without_its_newline_is_not_finished_and_copied_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let m = Markers::new(&dir.path().join("s.log"), "1");
        std::fs::write(&m.status, "12").unwrap();
        assert_eq!(m.exit_status(), None);
        std::fs::write(&m.status, "127\n").unwrap();
        assert_eq!(m.exit_status(), Some(127));
        assert_eq!(m.copied(), None);
        m.save_copied(123_456_789_012, 7);
        m.save_copied(5, 40);
        assert_eq!(m.copied(), Some((5, 40)));
        m.clear();
        assert_eq!(m.copied(), None);
    }

    #[test]
    fn a_live_wrapper_is_found_alive() {
        let dir = tempfile::tempdir().unwrap();
        let m = Markers::new(&dir.path().join("s.log"), "1");
        let status = m.status.display().to_string();
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 5; true", "flightdeck-step", &status])
            .spawn()
            .unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        // Until the child has exec'd `sh`, its command line is still ours.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !cmdline_has(pid, &status) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::fs::write(&m.begun, format!("{pid}\n")).unwrap();
        let found = m.inspect();
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(found, Found::Alive(pid));
        assert_eq!(m.inspect(), Found::Vanished);
    }
}
