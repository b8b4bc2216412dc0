//! Adapters for the targets a deployment drives: a container engine ([`podman`]) and load balancers
//! ([`haproxy`], [`nginx`]). Each is a thin, honest wrapper over the real tool's own interface (the
//! podman CLI, haproxy's admin socket, nginx's configuration and signals); the strategies built on
//! them live in `crate::rollout`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::balancers::{BalancerConfig, BalancerKind};

pub mod haproxy;
pub mod nginx;
pub mod podman;

/// A failure talking to a container engine or a balancer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// A command could not start or failed.
    #[error("`{command}` failed: {detail}")]
    Command {
        /// The command line.
        command: String,
        /// Its stderr, or why it could not run.
        detail: String,
    },
    /// The image is not in the engine's store.
    #[error(
        "image {image:?} not found by podman (build or pull it first: `podman image ls` lists what exists)"
    )]
    NoImage {
        /// The image reference.
        image: String,
    },
    /// The balancer answered with an error, or could not be reached.
    #[error("balancer {balancer}: {detail}")]
    Balancer {
        /// The balancer's name in flightdeck.toml.
        balancer: String,
        /// What went wrong.
        detail: String,
    },
    /// A configured server does not exist on the balancer.
    #[error(
        "balancer {balancer}: server {server:?} (flightdeck.toml [balancers.{balancer}] servers) does not exist in {place}; it has: {known}"
    )]
    UnknownServer {
        /// The balancer's name.
        balancer: String,
        /// The missing server.
        server: String,
        /// Where it was looked for (`haproxy backend web`).
        place: String,
        /// The servers that exist.
        known: String,
    },
}

/// Current weight of every configured slot (0 = out of service).
pub type Weights = BTreeMap<String, u32>;

/// A configured balancer, ready to read and set weights.
#[derive(Debug, Clone)]
pub enum Balancer {
    /// haproxy over its admin socket.
    Haproxy(haproxy::Haproxy),
    /// nginx through its upstream include.
    Nginx(nginx::Nginx),
}

impl Balancer {
    /// The adapter for `[balancers.NAME]` (paths already resolved).
    pub fn new(name: &str, cfg: &BalancerConfig) -> Balancer {
        match cfg.kind {
            BalancerKind::Haproxy => Balancer::Haproxy(haproxy::Haproxy::new(name, cfg)),
            BalancerKind::Nginx => Balancer::Nginx(nginx::Nginx::new(name, cfg)),
        }
    }

    /// The weight of every configured slot; fails naming a slot the balancer does not have.
    pub async fn weights(&self) -> Result<Weights, PlatformError> {
        match self {
            Balancer::Haproxy(h) => h.weights().await,
            Balancer::Nginx(n) => n.weights().await,
        }
    }

    /// Sets the weights of some slots at once (haproxy: one socket line; nginx: one reload).
    pub async fn set(&self, weights: &[(String, u32)]) -> Result<(), PlatformError> {
        match self {
            Balancer::Haproxy(h) => h.set(weights).await,
            Balancer::Nginx(n) => n.set(weights).await,
        }
    }

    /// A one-line description of how to undo a slot (for the inventory's `detail`).
    pub fn remove_hint(&self, slot: &str) -> String {
        match self {
            Balancer::Haproxy(h) => {
                format!("set server {}/{slot} weight 0 (socket {})", h.backend, h.socket.display())
            }
            Balancer::Nginx(n) => {
                format!("mark {slot} down in {} and `nginx -s reload`", n.include.display())
            }
        }
    }
}

/// Runs a command with a time limit; returns stdout, or an error quoting stderr.
pub(crate) async fn command(
    program: &str,
    args: &[&str],
    dir: Option<&Path>,
) -> Result<String, PlatformError> {
    let line = std::iter::once(program).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args).stdin(std::process::Stdio::null()).kill_on_drop(true);
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output()).await;
    let out = match out {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return Err(PlatformError::Command { command: line, detail: e.to_string() }),
        Err(_) => {
            return Err(PlatformError::Command { command: line, detail: "timed out after 120 s".into() });
        }
    };
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let detail = if err.is_empty() { format!("exit status {}", out.status) } else { err };
        Err(PlatformError::Command { command: line, detail })
    }
}
