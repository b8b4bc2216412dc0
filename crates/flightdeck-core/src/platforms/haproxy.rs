//! haproxy over its admin socket (`stats socket PATH level admin`): `show servers state BACKEND`
//! reads the weights, `set server BACKEND/NAME addr HOST port PORT` points a slot at its container
//! and `set server BACKEND/NAME weight N` moves live traffic. Several commands go on one line
//! separated by `;`, so a switch of every slot is one request.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::config::balancers::BalancerConfig;
use crate::platforms::{PlatformError, Weights};

/// Longest a socket exchange may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// One haproxy backend.
#[derive(Debug, Clone)]
pub struct Haproxy {
    /// The balancer's name in flightdeck.toml.
    pub name: String,
    /// The admin socket.
    pub socket: PathBuf,
    /// The backend.
    pub backend: String,
    /// Slots: (server name, host, port).
    pub slots: Vec<(String, String, u16)>,
}

impl Haproxy {
    /// From `[balancers.NAME]`.
    pub fn new(name: &str, cfg: &BalancerConfig) -> Haproxy {
        Haproxy {
            name: name.to_string(),
            socket: cfg.socket.clone().unwrap_or_default(),
            backend: cfg.backend.clone().unwrap_or_default(),
            slots: cfg.servers.iter().map(|s| (s.name.clone(), cfg.host().to_string(), s.port)).collect(),
        }
    }

    fn err(&self, detail: impl Into<String>) -> PlatformError {
        PlatformError::Balancer { balancer: self.name.clone(), detail: detail.into() }
    }

    /// Sends one command line and returns the whole answer.
    pub async fn command(&self, line: &str) -> Result<String, PlatformError> {
        let exchange = async {
            let mut s = UnixStream::connect(&self.socket).await?;
            s.write_all(format!("{line}\n").as_bytes()).await?;
            let mut out = Vec::new();
            (&mut s).take(4 << 20).read_to_end(&mut out).await?;
            Ok::<_, std::io::Error>(String::from_utf8_lossy(&out).into_owned())
        };
        match tokio::time::timeout(TIMEOUT, exchange).await {
            Ok(Ok(text)) => Ok(text),
            Ok(Err(e)) => Err(self.err(format!("admin socket {}: {e}", self.socket.display()))),
            Err(_) => {
                Err(self.err(format!("admin socket {} did not answer within 5 s", self.socket.display())))
            }
        }
    }

    /// The user weight of every configured slot.
    pub async fn weights(&self) -> Result<Weights, PlatformError> {
        let text = self.command(&format!("show servers state {}", self.backend)).await?;
        if !text.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.err(format!("backend {:?}: haproxy says {:?}", self.backend, text.trim())));
        }
        // Columns: be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight ...
        let found: Weights = text
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                Some((cols.get(3)?.to_string(), cols.get(7)?.parse().ok()?))
            })
            .collect();
        let mut out = Weights::new();
        for (slot, _, _) in &self.slots {
            let Some(w) = found.get(slot) else {
                return Err(PlatformError::UnknownServer {
                    balancer: self.name.clone(),
                    server: slot.clone(),
                    place: format!("haproxy backend {:?}", self.backend),
                    known: found.keys().cloned().collect::<Vec<_>>().join(", "),
                });
            };
            out.insert(slot.clone(), *w);
        }
        Ok(out)
    }

    /// Sets weights in one request; a slot given weight is first pointed at its host and port.
    pub async fn set(&self, weights: &[(String, u32)]) -> Result<(), PlatformError> {
        let mut cmds = Vec::new();
        for (slot, w) in weights {
            let Some((_, host, port)) = self.slots.iter().find(|(s, _, _)| s == slot) else {
                return Err(self.err(format!("no server {slot:?} in flightdeck.toml")));
            };
            if *w > 0 {
                cmds.push(format!("set server {}/{slot} addr {host} port {port}", self.backend));
            }
            cmds.push(format!("set server {}/{slot} weight {}", self.backend, (*w).min(256)));
        }
        if cmds.is_empty() {
            return Ok(());
        }
        let answer = self.command(&cmds.join(";")).await?;
        let bad: Vec<&str> = answer
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.contains("changed from") && !l.starts_with("no need to change"))
            .collect();
        if bad.is_empty() {
            Ok(())
        } else {
            Err(self.err(format!("haproxy refused `{}`: {}", cmds.join(";"), bad.join(" | "))))
        }
    }
}
