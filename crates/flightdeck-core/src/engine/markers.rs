//! The files beside a step's log that let a step outlive the process that started it, and the
//! resume decision table built on them.
//!
//! For one execution (an attempt `N`, or the step's rollback) the engine creates `<step>.N.state`,
//! empty, before it commits the start (the intent), then spawns a small `sh` wrapper in its own
//! process group that appends its pid (which is the group id) to that file as its first line (it
//! began), runs the command with stdout and stderr appended to `<step>.N.raw`, and appends the exit
//! status as the second line with one `echo`. A line counts only with its newline, so a half-done
//! write reads as not written. One file instead of three: creating a file is the dearest thing the
//! engine does per step (on ext4 without a journal each new inode skips every one freed recently).
//! Outputs go to `<step>.N.outputs`. A resumed run reads these files to decide, without guessing,
//! whether the step finished, is still running, never began, or is unknown.
//!
//! Once an execution's end is committed its state file is read no more: it is emptied, then renamed
//! to the run's [`SPARE_STATE`], which the next execution's intent takes by renaming it again, so a
//! run allocates no inode for its state files after the first (see [`Markers::recycle`]).
//!
//! `<step>.N.copied` says how far the command's raw output has been copied into the step's log:
//! the raw offset and the log's length right after that copy, in one fixed-width write. It is
//! written before the first line is copied (a command with no output has none). A resumed run cuts
//! the log back to that length (dropping a copy the crash interrupted) and copies on from that raw
//! offset, so every line reaches the log, and the listeners, exactly once.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::procfs::{cmdline_has, group_alive, process_live};

/// A live process whose command line has the argument `arg` (scans /proc).
fn find_by_arg(arg: &str) -> Option<i32> {
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .find(|&pid| cmdline_has(pid, arg) && process_live(pid))
}

/// The emptied state file of a finished execution, in a run's log directory, waiting to become the
/// next execution's (a step id is never empty, so no step's files have this name).
pub const SPARE_STATE: &str = ".spare.state";

/// The marker files of one execution of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markers {
    /// Created empty by the engine before it commits the start; the wrapper appends its pid (= its
    /// process group) before the command runs, then the command's exit status when it ended.
    pub state: PathBuf,
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
        Markers { state: at("state"), outputs: at("outputs"), raw: at("raw"), copied: at("copied") }
    }

    /// Removes the files of an earlier command with the same tag, the state file last: every other
    /// file of a tag is created after its state file, so without one there is nothing to remove
    /// (the usual case, a fresh attempt, costs one `stat`).
    pub fn clear(&self) {
        if !self.state.exists() {
            return;
        }
        for p in [&self.outputs, &self.raw, &self.copied, &self.state] {
            let _ = std::fs::remove_file(p);
        }
    }

    /// Creates the empty state file: the engine means to start the command. The run's spare (an
    /// emptied state file, see [`Markers::recycle`]) takes the name when there is one.
    pub fn write_intent(&self) -> std::io::Result<()> {
        if let Some(spare) = self.spare()
            && std::fs::rename(spare, &self.state).is_ok()
        {
            return Ok(());
        }
        std::fs::File::create(&self.state).map(drop)
    }

    /// After the execution's end is committed (nothing reads its state file then), empties the file
    /// and renames it to the run's spare. Emptied first: a spare is empty under any crash.
    /// A wrapper that could still write to it is dead by then: it exited, or its status was read,
    /// or its group was killed (`SIGKILL`). Best effort: without a spare the next intent creates a file.
    pub fn recycle(&self) {
        let Some(spare) = self.spare() else { return };
        let emptied = std::fs::OpenOptions::new().write(true).truncate(true).open(&self.state).is_ok();
        if emptied {
            let _ = std::fs::rename(&self.state, spare);
        }
    }

    fn spare(&self) -> Option<PathBuf> {
        self.state.parent().map(|dir| dir.join(SPARE_STATE))
    }

    /// The complete lines of the state file: the wrapper's pid, then the exit status.
    fn lines(&self) -> (Option<i32>, Option<i32>) {
        let Ok(text) = std::fs::read_to_string(&self.state) else { return (None, None) };
        let mut lines =
            text.split_inclusive('\n').map(|l| l.strip_suffix('\n').and_then(|l| l.trim().parse().ok()));
        let pid = lines.next().flatten();
        (pid, pid.and(lines.next().flatten()))
    }

    /// The exit status the wrapper recorded, if it did. The wrapper writes it with one `echo`: a
    /// status without its newline is a write the wrapper did not finish and does not count.
    pub fn exit_status(&self) -> Option<i32> {
        self.lines().1
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
        self.lines().0
    }

    /// What the files and /proc say about this execution.
    pub fn inspect(&self) -> Found {
        let (pid, status) = self.lines();
        if let Some(code) = status {
            return Found::Finished(code);
        }
        if let Some(pgid) = pid {
            return if self.group_is_ours(pgid) { Found::Alive(pgid) } else { Found::Vanished };
        }
        if !self.state.exists() {
            return Found::NoMarkers;
        }
        // Spawned but killed before it wrote its pid: find the wrapper by the state path it carries.
        match find_by_arg(&self.state.display().to_string()) {
            Some(pid) => Found::Alive(pid),
            None => Found::NeverBegan,
        }
    }

    /// True while the process group `pgid` recorded in the state file is still this execution's: its
    /// leader is live and its command line names our state file, or the leader is gone but members
    /// remain (a group id cannot be reused while the group has members).
    pub fn group_is_ours(&self, pgid: i32) -> bool {
        if process_live(pgid) {
            return cmdline_has(pgid, &self.state.display().to_string());
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
        assert_eq!(m.state, dir.path().join("deploy.2.state"));
        assert_eq!(m.inspect(), Found::NoMarkers);
        m.write_intent().unwrap();
        assert_eq!(m.inspect(), Found::NeverBegan);
        // A pid that is not ours (pid 1 does not name our state file) with no status: vanished.
        std::fs::write(&m.state, "1\n").unwrap();
        assert_eq!(m.inspect(), Found::Vanished);
        std::fs::write(&m.state, "1\n7\n").unwrap();
        assert_eq!(m.inspect(), Found::Finished(7));
        m.clear();
        assert_eq!(m.inspect(), Found::NoMarkers);
    }

    #[test]
    fn a_line_without_its_newline_does_not_count_and_copied_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let m = Markers::new(&dir.path().join("s.log"), "1");
        std::fs::write(&m.state, "42").unwrap();
        assert_eq!((m.begun_pid(), m.exit_status()), (None, None));
        std::fs::write(&m.state, "42\n12").unwrap();
        assert_eq!((m.begun_pid(), m.exit_status()), (Some(42), None));
        std::fs::write(&m.state, "42\n127\n").unwrap();
        assert_eq!((m.begun_pid(), m.exit_status()), (Some(42), Some(127)));
        assert_eq!(m.copied(), None);
        m.save_copied(123_456_789_012, 7);
        m.save_copied(5, 40);
        assert_eq!(m.copied(), Some((5, 40)));
        m.clear();
        assert_eq!(m.copied(), None);
        assert!(!m.state.exists());
    }

    #[test]
    fn a_recycled_state_file_is_empty_and_becomes_the_next_intent() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let first = Markers::new(&dir.path().join("a.log"), "1");
        first.write_intent().unwrap();
        std::fs::write(&first.state, "42\n0\n").unwrap();
        let inode = std::fs::metadata(&first.state).unwrap().ino();
        first.recycle();
        assert!(!first.state.exists());
        let spare = dir.path().join(SPARE_STATE);
        assert_eq!(std::fs::read(&spare).unwrap(), b"", "a spare keeps an old status");
        let next = Markers::new(&dir.path().join("b.log"), "1");
        next.write_intent().unwrap();
        assert!(!spare.exists());
        assert_eq!(std::fs::metadata(&next.state).unwrap().ino(), inode, "the spare was not reused");
        assert_eq!(next.inspect(), Found::NeverBegan);
        // Without a spare, an intent creates its file; recycling a missing file does nothing.
        let third = Markers::new(&dir.path().join("c.log"), "2");
        third.write_intent().unwrap();
        assert_eq!(third.inspect(), Found::NeverBegan);
        Markers::new(&dir.path().join("d.log"), "1").recycle();
        assert!(!spare.exists());
    }

    #[test]
    fn a_live_wrapper_is_found_alive() {
        let dir = tempfile::tempdir().unwrap();
        let m = Markers::new(&dir.path().join("s.log"), "1");
        let state = m.state.display().to_string();
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 5; true", "flightdeck-step", &state])
            .spawn()
            .unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        // Until the child has exec'd `sh`, its command line is still ours.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !cmdline_has(pid, &state) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::fs::write(&m.state, format!("{pid}\n")).unwrap();
        let found = m.inspect();
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(found, Found::Alive(pid));
        assert_eq!(m.inspect(), Found::Vanished);
    }
}
