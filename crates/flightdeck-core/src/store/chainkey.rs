//! What keeps the audit chain honest outside the database: the HMAC-SHA256 key (`audit.key`, mode
//! 0600, created on first use; only its owner, the user that runs the runs, can read it) and the
//! chain head (`audit.head`: count and last MAC, mode 0600, replaced atomically after each commit and
//! never moved backwards). Someone who can write the database but not these files cannot rewrite,
//! truncate or wipe the log without `flightdeck audit verify` noticing.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::StoreError;

/// The key file in the data directory.
pub const KEY_FILE: &str = "audit.key";
/// The head file in the data directory.
pub const HEAD_FILE: &str = "audit.head";

const KEY_LEN: usize = 32;

/// The audit chain's HMAC key.
#[derive(Clone)]
pub struct ChainKey(Vec<u8>);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(..)")
    }
}

impl ChainKey {
    /// `hex(HMAC-SHA256(key, prev ‖ canonical))`.
    pub fn mac(&self, prev: &str, canonical: &str) -> String {
        // HMAC takes keys of any length, so this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else { return String::new() };
        mac.update(prev.as_bytes());
        mac.update(canonical.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A key from raw bytes (tests forge chains with another key).
    #[cfg(test)]
    pub fn from_bytes(bytes: &[u8]) -> ChainKey {
        ChainKey(bytes.to_vec())
    }
}

fn io(what: &str, path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io { what: what.into(), path: path.to_path_buf(), source }
}

/// The key, or `None` when the data directory has none yet.
pub fn load_key(dir: &Path) -> Result<Option<ChainKey>, StoreError> {
    let path = dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= KEY_LEN => Ok(Some(ChainKey(bytes))),
        Ok(_) => Err(StoreError::Invalid(format!(
            "the audit key {} is shorter than {KEY_LEN} bytes; it was damaged: restore it from a backup",
            path.display()
        ))),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io("read the audit key", &path, e)),
    }
}

/// The key, created (random, mode 0600) if the data directory has none. Two processes creating it at
/// once agree: the file is published with a hard link, which fails if another got there first.
pub fn load_or_create_key(dir: &Path) -> Result<ChainKey, StoreError> {
    if let Some(k) = load_key(dir)? {
        return Ok(k);
    }
    let mut bytes = vec![0u8; KEY_LEN];
    let urandom = Path::new("/dev/urandom");
    File::open(urandom).and_then(|mut f| f.read_exact(&mut bytes)).map_err(|e| io("read", urandom, e))?;
    let tmp = dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
    write_private(&tmp, &bytes)?;
    let linked = std::fs::hard_link(&tmp, dir.join(KEY_FILE));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(ChainKey(bytes)),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => load_key(dir)?
            .ok_or_else(|| StoreError::Invalid("the audit key vanished while it was created".into())),
        Err(e) => Err(io("create the audit key", &dir.join(KEY_FILE), e)),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io("create", path, e))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| io("write", path, e))
}

/// The chain head kept outside the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Entries written.
    pub count: i64,
    /// MAC of the last entry.
    pub head: String,
}

/// The head file's content: `Ok(None)` when there is none, `Err` with a description when garbled.
pub fn read_head(dir: &Path) -> Result<Option<Head>, String> {
    let path = dir.join(HEAD_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("the chain head file {} is garbled ({e})", path.display())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("the chain head file {} cannot be read: {e}", path.display())),
    }
}

/// Replaces the head file (tmp + rename) unless it already records as many entries or more, so
/// concurrent writers never move it backwards. Serialised by an `flock` on `audit.head.lock`.
pub fn write_head(dir: &Path, head: &Head) -> Result<(), StoreError> {
    let lock_path = dir.join(format!("{HEAD_FILE}.lock"));
    let lock = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| io("open", &lock_path, e))?;
    lock.lock().map_err(|e| io("lock", &lock_path, e))?;
    if matches!(read_head(dir), Ok(Some(h)) if h.count >= head.count) {
        return Ok(());
    }
    let text = serde_json::to_string(head)
        .map_err(|source| StoreError::Json { what: "encoding the chain head".into(), source })?;
    let tmp: PathBuf = dir.join(format!("{HEAD_FILE}.{}.tmp", std::process::id()));
    let written = write_private(&tmp, text.as_bytes()).and_then(|()| {
        std::fs::rename(&tmp, dir.join(HEAD_FILE)).map_err(|e| io("replace", &dir.join(HEAD_FILE), e))
    });
    // A full disk leaves a partial temporary file: remove it (the old head stays, and the next
    // entry's commit writes the head again).
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn key_is_private_stable_and_keyed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_key(dir.path()).unwrap().is_none());
        let k = load_or_create_key(dir.path()).unwrap();
        let again = load_or_create_key(dir.path()).unwrap();
        assert_eq!(k.mac("a", "b"), again.mac("a", "b"));
        assert_ne!(k.mac("a", "b"), ChainKey::from_bytes(&[7; 32]).mac("a", "b"));
        let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn head_never_moves_backwards() {
        let dir = tempfile::tempdir().unwrap();
        write_head(dir.path(), &Head { count: 5, head: "e".into() }).unwrap();
        write_head(dir.path(), &Head { count: 4, head: "d".into() }).unwrap();
        assert_eq!(read_head(dir.path()).unwrap(), Some(Head { count: 5, head: "e".into() }));
        let mode = std::fs::metadata(dir.path().join(HEAD_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
