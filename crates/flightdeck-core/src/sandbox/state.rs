//! The demo sandbox's state: the live version, the one before it, the deploy history, the broken and
//! slow switches and the rollout in progress. It is kept as JSON in a state file (written atomically
//! through a temporary file and a rename) so a restarted service comes back as it was.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many deploys the history keeps.
pub const HISTORY_CAP: usize = 50;

/// The longest delay `POST /admin/slow` accepts, in milliseconds.
pub const MAX_SLOW_MS: u64 = 60_000;

/// Errors reading or writing the state file, or from bad admin input.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The state file could not be read or written.
    #[error("sandbox state file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file holds something that is not sandbox state.
    #[error("sandbox state file {path} is not valid state JSON ({source}); move it away to start afresh")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

/// One finished deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployRecord {
    /// The version that went live.
    pub version: String,
    /// The version it replaced.
    pub from: String,
    /// When it went live (RFC 3339, UTC).
    pub at: String,
}

/// Everything the sandbox remembers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxState {
    /// The live version.
    pub version: String,
    /// The version live before the current one, if there was a deploy.
    #[serde(default)]
    pub previous: Option<String>,
    /// Finished deploys, oldest first (at most [`HISTORY_CAP`]).
    #[serde(default)]
    pub history: Vec<DeployRecord>,
    /// Set by `POST /admin/break`: `/health` answers 500 until fixed or until a rollout finishes.
    #[serde(default)]
    pub broken: bool,
    /// Delay added to `/`, `/health` and `/version`, in milliseconds.
    #[serde(default)]
    pub slow_ms: u64,
    /// The version being rolled out, while a rollout is in progress.
    #[serde(default)]
    pub rolling_out: Option<String>,
}

impl SandboxState {
    /// A fresh state serving `version`.
    pub fn new(version: &str) -> SandboxState {
        SandboxState {
            version: version.to_string(),
            previous: None,
            history: Vec::new(),
            broken: false,
            slow_ms: 0,
            rolling_out: None,
        }
    }

    /// Reads the state file, or `None` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<SandboxState>, StateError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|source| StateError::Corrupt { path: path.to_path_buf(), source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StateError::Io { path: path.to_path_buf(), source }),
        }
    }

    /// Writes the state file atomically, creating its directory if needed.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let io = |source| StateError::Io { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other).map_err(io)?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text + "\n").map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Makes `version` live: the current one becomes `previous`, the deploy joins the history and
    /// the broken switch is cleared (the new instances start healthy).
    pub fn finish_rollout(&mut self, version: &str, at: String) {
        let from = std::mem::replace(&mut self.version, version.to_string());
        self.history.push(DeployRecord { version: version.to_string(), from: from.clone(), at });
        if self.history.len() > HISTORY_CAP {
            let extra = self.history.len() - HISTORY_CAP;
            self.history.drain(..extra);
        }
        self.previous = Some(from);
        self.rolling_out = None;
        self.broken = false;
    }

    /// What `/health` says: the status word, the HTTP status code and why it is down, if it is.
    pub fn health(&self) -> Health {
        if self.broken {
            return Health::down(
                "broken on purpose by POST /admin/break; POST /admin/fix or roll out a version",
            );
        }
        if let Some(to) = &self.rolling_out {
            return Health { status: "DEPLOYING", code: 200, reason: Some(format!("rolling out {to}")) };
        }
        if is_bad_build(&self.version) {
            return Health::down(&format!(
                "version {} is a bad build: it fails its health check",
                self.version
            ));
        }
        Health { status: "UP", code: 200, reason: None }
    }
}

/// The answer of `/health`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// `UP`, `DEPLOYING` or `DOWN`.
    pub status: &'static str,
    /// 200, or 500 when down.
    pub code: u16,
    /// Why it is down or what it is doing.
    pub reason: Option<String>,
}

impl Health {
    fn down(reason: &str) -> Health {
        Health { status: "DOWN", code: 500, reason: Some(reason.to_string()) }
    }
}

/// Whether `version` is a semantic version (`1.2.3`, `v1.2.3`, `2.0.0-rc.1`, `1.0.0+build.5`).
pub fn is_version(version: &str) -> bool {
    let core = version.strip_prefix('v').unwrap_or(version);
    let (core, build) = core.split_once('+').map_or((core, None), |(c, b)| (c, Some(b)));
    let (core, pre) = core.split_once('-').map_or((core, None), |(c, p)| (c, Some(p)));
    let ident_ok = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers.iter().all(|n| !n.is_empty() && n.len() <= 9 && n.chars().all(|c| c.is_ascii_digit()))
        && pre.is_none_or(ident_ok)
        && build.is_none_or(ident_ok)
}

/// Whether `version` is a "bad build": its pre-release part contains `bad` (`2.0.0-bad`), so the
/// demo can show a failing deploy being rolled back.
pub fn is_bad_build(version: &str) -> bool {
    let without_build = version.split_once('+').map_or(version, |(c, _)| c);
    without_build.split_once('-').is_some_and(|(_, pre)| pre.to_ascii_lowercase().contains("bad"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_bad_builds() {
        for ok in ["1.2.3", "v1.2.3", "2.0.0-rc.1", "1.0.0+build.5", "2.0.0-bad"] {
            assert!(is_version(ok), "{ok}");
        }
        for bad in ["1.2", "1.2.3.4", "x.y.z", "1.2.3-", "1.2.3-a..b", "", "1.2.3 ; rm"] {
            assert!(!is_version(bad), "{bad}");
        }
        assert!(is_bad_build("2.0.0-bad"));
        assert!(is_bad_build("2.0.0-rc.BAD.1"));
        assert!(!is_bad_build("2.0.0"));
        assert!(!is_bad_build("2.0.0+bad"));
    }

    #[test]
    fn rollout_moves_versions_and_clears_broken() {
        let mut s = SandboxState::new("1.0.0");
        s.broken = true;
        s.rolling_out = Some("1.1.0".into());
        assert_eq!(s.health().status, "DOWN");
        s.finish_rollout("1.1.0", "t".into());
        assert_eq!((s.version.as_str(), s.previous.as_deref()), ("1.1.0", Some("1.0.0")));
        assert_eq!(s.health(), Health { status: "UP", code: 200, reason: None });
        s.finish_rollout("2.0.0-bad", "t".into());
        assert_eq!(s.health().code, 500);
        assert_eq!(s.history.len(), 2);
    }

    #[test]
    fn history_is_capped() {
        let mut s = SandboxState::new("1.0.0");
        for i in 0..(HISTORY_CAP + 5) {
            s.finish_rollout(&format!("1.0.{i}"), "t".into());
        }
        assert_eq!(s.history.len(), HISTORY_CAP);
        assert_eq!(s.history.last().map(|r| r.version.as_str()), Some("1.0.54"));
    }

    #[test]
    fn save_and_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/7878.json");
        assert_eq!(SandboxState::load(&path).unwrap(), None);
        let mut s = SandboxState::new("1.0.0");
        s.slow_ms = 250;
        s.save(&path).unwrap();
        assert_eq!(SandboxState::load(&path).unwrap(), Some(s));
        std::fs::write(&path, "not json").unwrap();
        let err = SandboxState::load(&path).unwrap_err().to_string();
        assert!(err.contains("7878.json"), "{err}");
    }
}
