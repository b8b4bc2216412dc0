//! A full disk, named: whether the filesystem holding a path has (almost) no room left, and the
//! sentence that tells the operator which disk and what to do. Used where a write failed for a
//! reason the error itself does not explain well (`SQLite`'s "database or disk is full", a runner
//! that died before it could write its log).

use std::path::Path;

/// Below this many free bytes a filesystem counts as full (`SQLite` needs a few pages to commit).
const NEARLY_FULL: u64 = 256 * 1024;

/// The bytes an unprivileged writer may still use on the filesystem holding `path`.
pub fn free_bytes(path: &Path) -> Option<u64> {
    let st = nix::sys::statvfs::statvfs(path).ok()?;
    Some(st.blocks_available().saturating_mul(st.fragment_size()))
}

/// `Some(advice)` when the filesystem holding `path` is full: which disk, how little is free, what to do.
pub fn full_disk_hint(path: &Path) -> Option<String> {
    let free = free_bytes(path)?;
    (free < NEARLY_FULL).then(|| {
        format!(
            "the disk holding {0} is full ({free} bytes free): free space there (`df -h {0}` shows it), \
             then try again",
            path.display()
        )
    })
}

/// True if `e` is `SQLite`'s "database or disk is full".
pub fn is_disk_full(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
}

/// The advice a failed `SQLite` operation ends with.
pub(crate) fn sqlite_hint(e: &rusqlite::Error) -> &'static str {
    if is_disk_full(e) {
        "the disk holding the data directory is full: free space there, then retry or `flightdeck resume` \
         the run it stopped"
    } else {
        "if the database is locked, another flightdeck may be busy; retry"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roomy_directory_is_not_full() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(dir.path()).is_some());
        assert!(free_bytes(&dir.path().join("missing/deeper")).is_none());
    }

    #[test]
    fn disk_full_is_told_apart_from_a_lock() {
        let full = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(13), None);
        let busy = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(5), None);
        assert!(is_disk_full(&full));
        assert!(!is_disk_full(&busy));
        assert!(sqlite_hint(&full).contains("disk holding the data directory is full"));
        assert!(sqlite_hint(&busy).contains("locked"));
    }
}
