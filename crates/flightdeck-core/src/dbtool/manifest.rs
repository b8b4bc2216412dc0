//! The manifest written beside every backup (`FILE.manifest.json`): which database it copies (no
//! password), the engine, size and SHA-256 of the file, the schema version, and the per-table row
//! counts and checksums of the source at the moment of the copy. `db verify` and `db restore` read
//! it, so a backup can be checked without the store.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dbtool::error::{DbError, io};
use crate::dbtool::stats::Stats;

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The database (a path, or a URL without password).
    pub database: String,
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// The backup file (absolute).
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// The newest applied migration, `none` or `NNNN`.
    pub schema_version: String,
    /// When the copy was taken (UTC microseconds).
    pub created_at: i64,
    /// The `PostgreSQL` server version, if any.
    pub server_version: Option<String>,
    /// The source's tables at the moment of the copy.
    pub tables: Stats,
    /// The run that took it (`$FLIGHTDECK_RUN`): that run's rollback may restore it without
    /// asking for the production phrase again.
    #[serde(default)]
    pub run: Option<String>,
}

/// `FILE.manifest.json`.
pub fn manifest_path(backup: &Path) -> PathBuf {
    let mut name = backup.file_name().unwrap_or_default().to_os_string();
    name.push(".manifest.json");
    backup.with_file_name(name)
}

impl Manifest {
    /// Writes the manifest beside the backup.
    pub fn write(&self) -> Result<(), DbError> {
        let path = manifest_path(&self.path);
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        std::fs::write(&path, text + "\n").map_err(io(&path, "cannot write the backup's manifest"))
    }

    /// Reads the manifest of `backup`.
    pub fn read(backup: &Path) -> Result<Manifest, DbError> {
        let path = manifest_path(backup);
        if !path.exists() {
            return Err(DbError::Missing {
                path,
                hint: "a backup written by `flightdeck db backup` has a manifest beside it; was the file moved alone?".into(),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(io(&path, "cannot read the backup's manifest"))?;
        serde_json::from_str(&text)
            .map_err(|e| DbError::Verify { path, why: format!("unreadable manifest: {e}") })
    }
}

/// SHA-256 (hex) and size of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64), DbError> {
    let mut f = std::fs::File::open(path).map_err(io(path, "cannot read the backup"))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io(path, "cannot read the backup"))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex::encode(h.finalize()), total))
}

/// Checks that `path` still has the size and SHA-256 its manifest recorded.
pub fn check_file(m: &Manifest, path: &Path) -> Result<(), DbError> {
    let (sha, bytes) = sha256_file(path)?;
    if sha != m.sha256 || bytes != m.bytes {
        return Err(DbError::Verify {
            path: path.to_path_buf(),
            why: format!(
                "the file changed since the backup was taken: sha256 {}… ({bytes} bytes), recorded {}… ({} bytes); \
                 it is damaged or was replaced: use another backup",
                &sha[..12],
                m.sha256.get(..12).unwrap_or(&m.sha256),
                m.bytes
            ),
        });
    }
    Ok(())
}
