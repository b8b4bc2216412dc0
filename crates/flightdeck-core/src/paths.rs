//! Every path flightdeck uses: the project directory, its config and workflows, and the data
//! directory (store, logs, locks), chosen by `--data-dir`, `FLIGHTDECK_HOME`, `[store] data_dir`,
//! then the platform's data directory (XDG on Linux).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::{Config, FILE_NAME};

/// The paths in use, as `flightdeck info` prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paths {
    /// The project directory (holds `flightdeck.toml` and `workflows/`).
    pub project_dir: PathBuf,
    /// `flightdeck.toml`, if present.
    pub config_file: Option<PathBuf>,
    /// The project's `workflows/` directory.
    pub workflows_dir: PathBuf,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Why this data directory was chosen.
    pub data_dir_source: &'static str,
    /// The `SQLite` store.
    pub db_file: PathBuf,
    /// Per-run step logs.
    pub logs_dir: PathBuf,
    /// Run locks.
    pub runs_dir: PathBuf,
    /// The demo sandbox's state.
    pub sandbox_dir: PathBuf,
    /// flightdeck's own diagnostic log (`tracing`), see `crate::logging`.
    pub log_file: PathBuf,
}

impl Paths {
    /// Resolves every path for a project directory.
    pub fn resolve(project_dir: &Path, data_dir_flag: Option<&Path>, config: &Config) -> Paths {
        let (data_dir, data_dir_source) = if let Some(d) = data_dir_flag {
            (d.to_path_buf(), "--data-dir")
        } else if let Some(d) = std::env::var_os("FLIGHTDECK_HOME").filter(|d| !d.is_empty()) {
            (PathBuf::from(d), "FLIGHTDECK_HOME")
        } else if let Some(d) = &config.store.data_dir {
            (project_dir.join(d), "flightdeck.toml [store] data_dir")
        } else {
            (platform_data_dir(), "platform data directory")
        };
        let config_file = Some(project_dir.join(FILE_NAME)).filter(|p| p.is_file());
        Paths {
            project_dir: project_dir.to_path_buf(),
            config_file,
            workflows_dir: project_dir.join("workflows"),
            db_file: data_dir.join("flightdeck.db"),
            logs_dir: data_dir.join("logs"),
            runs_dir: data_dir.join("runs"),
            sandbox_dir: data_dir.join("sandbox"),
            log_file: data_dir.join(crate::logging::FILE_NAME),
            data_dir,
            data_dir_source,
        }
    }
}

fn platform_data_dir() -> PathBuf {
    directories::ProjectDirs::from("dev", "flightdeck", "flightdeck")
        .map_or_else(|| PathBuf::from(".flightdeck"), |d| d.data_dir().to_path_buf())
}

/// The project directory: the nearest ancestor of `start` holding `flightdeck.toml` or `workflows/`,
/// else `start` itself.
pub fn find_project_dir(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|d| d.join(FILE_NAME).is_file() || d.join("workflows").is_dir())
        .unwrap_or(start)
        .to_path_buf()
}

/// Files flightdeck keeps in a data directory: none may be a symbolic link.
const DATA_ENTRIES: [&str; 13] = [
    "flightdeck.db",
    "flightdeck.db-wal",
    "flightdeck.db-shm",
    "flightdeck.db-journal",
    "runner.lock",
    "runner.log",
    "runner.sock",
    "audit.key",
    "audit.head",
    "audit.head.lock",
    crate::logging::FILE_NAME,
    "logs",
    "runs",
];

/// Refuses a data directory with a symbolic link where flightdeck keeps one of its files: opening
/// it would follow a link someone planted (to `/etc/shadow`, say) with this user's rights.
pub fn refuse_planted_links(dir: &Path) -> Result<(), String> {
    for name in DATA_ENTRIES {
        let path = dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            let target = std::fs::read_link(&path).map_or_else(|_| "?".into(), |t| t.display().to_string());
            return Err(format!(
                "{} is a symbolic link (to {target}): flightdeck keeps its own file there and will not follow a link someone planted; remove it",
                path.display()
            ));
        }
    }
    Ok(())
}
