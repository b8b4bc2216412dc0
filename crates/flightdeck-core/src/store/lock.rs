//! Run locks: a live run holds an exclusive lock (`File::try_lock`, an `flock` on Linux) on
//! `runs/<id>.lock`. The kernel drops it when the process dies, so a run that is not finished and whose
//! lock is free is interrupted. Lock files are never deleted (deleting them would race a locker).
//!
//! `flock` locks belong to an open file description, so even within one process a second open of
//! the file sees the first as held: [`Store::is_live`] answers the same for this process's runs.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::{Store, StoreError};

/// How often [`Store::lock_run`] tries, and how long it waits between tries.
const LOCK_TRIES: u32 = 5;
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(20);

/// An exclusive hold on a run; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct RunLock {
    run: String,
    path: PathBuf,
    file: File,
}

impl RunLock {
    /// The run held.
    pub fn run(&self) -> &str {
        &self.run
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; unlocking first makes the release explicit.
        let _ = self.file.unlock();
    }
}

impl Store {
    /// Takes the run's lock, or fails with [`StoreError::Locked`] if another process (or another
    /// holder in this one) has it.
    pub fn lock_run(&self, run: &str) -> Result<RunLock, StoreError> {
        check_id(run)?;
        let path = self.lock_path(run);
        let io = |what: &str, source| StoreError::Io { what: what.into(), path: path.clone(), source };
        let file = match OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o664)
            .open(&path)
        {
            Ok(f) => f,
            // Another operator's lock file we may not write: flock needs no write access.
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                File::open(&path).map_err(|e| io("open lock file", e))?
            }
            Err(e) => return Err(io("create lock file", e)),
        };
        // An `is_live` probe holds a shared lock for microseconds: retry briefly before refusing.
        for attempt in 1..=LOCK_TRIES {
            match file.try_lock() {
                Ok(()) => return Ok(RunLock { run: run.to_string(), path, file }),
                Err(TryLockError::WouldBlock) if attempt < LOCK_TRIES => std::thread::sleep(LOCK_RETRY),
                Err(TryLockError::WouldBlock) => break,
                Err(TryLockError::Error(e)) => return Err(io("lock", e)),
            }
        }
        Err(StoreError::Locked { run: run.to_string() })
    }

    /// True if some process holds the run's lock. A missing or unreadable lock file means not live.
    pub fn is_live(&self, run: &str) -> bool {
        if check_id(run).is_err() {
            return false;
        }
        let Ok(file) = File::open(self.lock_path(run)) else {
            return false;
        };
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                false
            }
            Err(TryLockError::WouldBlock) => true,
            Err(TryLockError::Error(_)) => false,
        }
    }
}

/// Refuses run ids that would name a path outside `runs/`.
fn check_id(run: &str) -> Result<(), StoreError> {
    if run.is_empty() || run.starts_with('.') || run.contains('/') || run.contains('\0') {
        return Err(StoreError::Invalid(format!("{run:?} is not a valid run id")));
    }
    Ok(())
}
