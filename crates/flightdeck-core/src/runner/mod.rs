//! The runner: a process per data directory that owns every live run and is the only writer of its
//! store. The console, `flightdeck run`, `resume`, `approve`, `runs` and `attach` are clients on its
//! Unix socket (`DATA_DIR/runner.sock`), speaking newline-delimited JSON ([`protocol`]). Identity is
//! the socket peer's uid (`SO_PEERCRED`). A client that finds no runner starts one on demand
//! ([`client`]); it exits after an idle period with no runs and no clients.

pub mod client;
mod conn;
mod dora;
mod incident;
mod launch;
pub mod live;
mod pages;
pub mod profiles;
pub mod prompt;
pub mod protocol;
pub mod query;
pub mod reads;
mod records;
pub mod replay;
pub mod server;
#[cfg(test)]
mod tests;
pub mod trust;

use std::path::PathBuf;

pub use client::{Client, ClientError, Connect};
pub use server::{RunnerConfig, serve};

/// The socket file in the data directory.
pub const SOCKET_FILE: &str = "runner.sock";
/// The lock file that makes one runner per data directory.
pub const LOCK_FILE: &str = "runner.lock";
/// The log of a runner started on demand.
pub const LOG_FILE: &str = "runner.log";
/// Environment variable: idle seconds before a runner exits (default 30; `0` never).
pub const IDLE_ENV: &str = "FLIGHTDECK_RUNNER_IDLE";
/// Environment variable: the group allowed to connect to the socket.
pub const GROUP_ENV: &str = "FLIGHTDECK_RUNNER_GROUP";
/// The default idle period in seconds.
pub const DEFAULT_IDLE_SECS: u64 = 30;

/// Errors that stop the runner from starting.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// Another runner holds the data directory's lock.
    #[error("a runner already serves {}: its clients connect to {}", dir.display(), dir.join(SOCKET_FILE).display())]
    AlreadyRunning {
        /// The data directory.
        dir: PathBuf,
    },
    /// A file or directory could not be used.
    #[error("runner: cannot {what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: String,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The store could not be opened.
    #[error(transparent)]
    Store(crate::store::StoreError),
    /// A setting is wrong.
    #[error("runner: {0}")]
    Setup(String),
    /// The data directory is not safe to serve (another user owns it, or planted a link in it).
    #[error("runner: {0}")]
    Unsafe(String),
}
