//! The project a command works on: its directory, its loaded `flightdeck.toml` and every path in use.
//!
//! Both consumers of the core, the headless CLI and the console, start from a [`Project`].

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::Error;
use crate::paths::{Paths, find_project_dir};
use crate::shutdown::Shutdown;
use crate::store::Store;

/// What every command needs: the project, its config, and the paths in use.
#[derive(Debug, Clone)]
pub struct Project {
    /// Loaded `flightdeck.toml` (or defaults).
    pub config: Config,
    /// Every path in use.
    pub paths: Paths,
    /// The process's one stop request (signals, stdout closing); long-running commands call
    /// `shutdown.handle()` and stop when it triggers.
    pub shutdown: Shutdown,
    /// Why flightdeck's own log could not be opened, if it could not.
    pub log_error: std::sync::Arc<std::sync::OnceLock<String>>,
}

impl Project {
    /// Resolves the project directory (`project`, relative to the current directory, else the
    /// nearest directory upwards holding `flightdeck.toml`) and loads its config.
    pub fn open(project: Option<&Path>, data_dir: Option<&Path>) -> Result<Project, Error> {
        let cwd = std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))?;
        let project_dir = match project {
            Some(p) => cwd.join(p),
            None => find_project_dir(&cwd),
        };
        if !project_dir.is_dir() {
            return Err(Error::Invalid(format!(
                "project directory {} does not exist",
                project_dir.display()
            )));
        }
        let config = Config::load(&project_dir)?;
        let paths = Paths::resolve(&project_dir, data_dir, &config);
        Ok(Project { config, paths, shutdown: Shutdown::new(), log_error: std::sync::Arc::default() })
    }

    /// This project with the process's shutdown (created once in `main`).
    #[must_use]
    pub fn with_shutdown(mut self, shutdown: Shutdown) -> Project {
        self.shutdown = shutdown;
        self
    }

    /// Starts flightdeck's own log in the data directory. A log that cannot be opened (a data
    /// directory this user may not write) is not an error: the command goes on without it, and
    /// `flightdeck info` says so.
    pub fn start_log(&self) {
        if let Err(e) = crate::logging::init(&self.paths.data_dir) {
            self.log_error.get_or_init(|| e.to_string());
        }
    }

    /// Opens the store in the data directory. A user who may not open it while a runner serves
    /// the directory (a shared bastion: the store belongs to the runner's user, operators reach it
    /// through the socket) gets a refusal (exit 8) saying so, not `SQLite`'s "unable to open".
    pub fn store(&self) -> Result<Store, Error> {
        Store::open(&self.paths.data_dir).map_err(|e| match self.runner_owns_store() {
            Some(owner) => Error::Precondition(format!(
                "this command reads or writes the store directly, and {} belongs to the runner's user \
                 ({owner}), which alone can open it: run it as that user (for example `sudo -u {owner} \
                 flightdeck ...`); commands that read through the runner work as you",
                self.paths.data_dir.join(crate::store::DB_FILE).display()
            )),
            None => Error::from(e),
        })
    }

    /// The store's owner (name, else uid) when a runner's socket is in the data directory and this
    /// process may not read the store file: client-only mode.
    pub fn runner_owns_store(&self) -> Option<String> {
        use std::os::unix::fs::MetadataExt as _;
        let dir = &self.paths.data_dir;
        if !dir.join(crate::runner::SOCKET_FILE).exists() {
            return None;
        }
        let db = dir.join(crate::store::DB_FILE);
        match std::fs::File::open(&db) {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
            _ => return None,
        }
        let uid = std::fs::metadata(&db).or_else(|_| std::fs::metadata(dir)).ok()?.uid();
        let name = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok().flatten();
        Some(name.map_or_else(|| format!("uid {uid}"), |u| u.name))
    }

    /// How to reach (or start) this data directory's runner.
    pub fn connect(&self, client: &str) -> crate::runner::Connect {
        crate::runner::Connect {
            data_dir: self.paths.data_dir.clone(),
            project_dir: self.paths.project_dir.clone(),
            bin: Project::flightdeck_bin(),
            client: client.to_string(),
        }
    }

    /// The path of this binary, exported to steps as `$FLIGHTDECK`.
    pub fn flightdeck_bin() -> PathBuf {
        std::env::current_exe().unwrap_or_else(|_| PathBuf::from("flightdeck"))
    }
}
