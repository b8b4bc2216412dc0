//! `[balancers.NAME]` in `flightdeck.toml`: the load balancers the `rollout` step moves traffic on.
//!
//! ```toml
//! [balancers.web]
//! kind = "haproxy"                       # or "nginx"
//! socket = "/run/haproxy/admin.sock"     # haproxy: the admin socket (`stats socket ... level admin`)
//! backend = "web"                        # haproxy: the backend whose servers flightdeck weighs
//! servers = [{ name = "s1", port = 18081 }, { name = "s2", port = 18082 }]
//! ```
//!
//! `servers` are the slots a rollout may use: each runs at most one container, listening on
//! `host:port` (default host 127.0.0.1). For haproxy they are servers declared in the backend
//! (flightdeck sets their address and weight over the socket); for nginx flightdeck writes them into
//! the `include` file (an `upstream` block's body) and reloads nginx with `config` (and `prefix`).
//! Relative paths are relative to the project directory. Unknown keys are errors naming the line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::find_line_in_table;
use crate::diag::Diagnostic;

/// Which balancer software.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BalancerKind {
    /// haproxy: weights set live over the admin socket.
    Haproxy,
    /// nginx: an upstream include rewritten, `nginx -t`, `nginx -s reload`.
    Nginx,
}

/// One slot of a balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSlot {
    /// The server's name (haproxy: `backend/NAME`; nginx: a comment in the include).
    pub name: String,
    /// The loopback port its container listens on.
    pub port: u16,
}

/// `[balancers.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalancerConfig {
    /// `haproxy` or `nginx`.
    pub kind: BalancerKind,
    /// haproxy: the admin socket.
    #[serde(default)]
    pub socket: Option<PathBuf>,
    /// haproxy: the backend.
    #[serde(default)]
    pub backend: Option<String>,
    /// nginx: the upstream include file flightdeck owns.
    #[serde(default)]
    pub include: Option<PathBuf>,
    /// nginx: the main configuration file (`nginx -c`).
    #[serde(default)]
    pub config: Option<PathBuf>,
    /// nginx: its prefix directory (`nginx -p`).
    #[serde(default)]
    pub prefix: Option<PathBuf>,
    /// nginx: the binary (default `nginx`).
    #[serde(default)]
    pub nginx: Option<String>,
    /// The address the containers listen on (default 127.0.0.1).
    #[serde(default)]
    pub host: Option<String>,
    /// The slots.
    pub servers: Vec<ServerSlot>,
}

impl BalancerConfig {
    /// The address the containers listen on.
    pub fn host(&self) -> &str {
        self.host.as_deref().unwrap_or("127.0.0.1")
    }

    /// The slot called `name`.
    pub fn slot(&self, name: &str) -> Option<&ServerSlot> {
        self.servers.iter().find(|s| s.name == name)
    }

    /// Makes relative paths relative to `dir`.
    pub fn resolve_paths(&mut self, dir: &Path) {
        for p in
            [&mut self.socket, &mut self.include, &mut self.config, &mut self.prefix].into_iter().flatten()
        {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
    }

    /// Checks the keys each kind needs and that slots are distinct.
    pub fn check(&self, name: &str, text: &str, path: &Path) -> Result<(), Diagnostic> {
        let table = format!("balancers.{name}");
        let line = |key: &str| find_line_in_table(text, &table, key);
        let need: &[(&str, bool)] = match self.kind {
            BalancerKind::Haproxy => {
                &[("socket", self.socket.is_some()), ("backend", self.backend.is_some())]
            }
            BalancerKind::Nginx => &[("include", self.include.is_some()), ("config", self.config.is_some())],
        };
        if let Some((key, _)) = need.iter().find(|(_, present)| !present) {
            let kind = serde_json::to_value(self.kind).unwrap_or_default();
            return Err(Diagnostic::new(
                path,
                line("kind"),
                1,
                format!("[{table}] kind = {kind} needs `{key}`"),
            )
            .with_help(help(self.kind)));
        }
        if self.servers.is_empty() {
            return Err(Diagnostic::new(path, line("servers"), 1, format!("[{table}] has no servers"))
                .with_help("list the slots: servers = [{ name = \"s1\", port = 18081 }, ...]"));
        }
        let (mut names, mut ports) = (BTreeSet::new(), BTreeSet::new());
        for s in &self.servers {
            let bad_name =
                s.name.is_empty() || s.name.contains(|c: char| c.is_whitespace() || c == '/' || c == ';');
            if bad_name || !names.insert(&s.name) || !ports.insert(s.port) || s.port == 0 {
                return Err(Diagnostic::new(
                    path,
                    line("servers"),
                    1,
                    format!("[{table}] server {:?} (port {}) is invalid or repeated", s.name, s.port),
                )
                .with_help(
                    "give every server its own name (no spaces, `/` or `;`) and its own non-zero port",
                ));
            }
        }
        Ok(())
    }
}

fn help(kind: BalancerKind) -> &'static str {
    match kind {
        BalancerKind::Haproxy => {
            "write socket = \"PATH\" (haproxy's `stats socket ... level admin`) and backend = \"NAME\""
        }
        BalancerKind::Nginx => {
            "write include = \"PATH\" (an upstream block's body) and config = \"nginx.conf\""
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    #[test]
    fn balancers_are_read_and_mistakes_name_the_line() {
        let ok = "[balancers.web]\nkind = \"haproxy\"\nsocket = \"h.sock\"\nbackend = \"web\"\n\
                  servers = [{ name = \"s1\", port = 18081 }]\n";
        let c = Config::parse(ok, Path::new("flightdeck.toml")).unwrap();
        assert_eq!(c.balancers["web"].servers[0].port, 18081);
        let typo = ok.replace("backend =", "backnd =");
        let d = Config::parse(&typo, Path::new("flightdeck.toml")).unwrap_err();
        assert_eq!(d.line, 4, "{d:?}");
        assert!(d.message.contains("backnd"), "{d:?}");
        let missing = ok.replace("backend = \"web\"\n", "");
        let d = Config::parse(&missing, Path::new("flightdeck.toml")).unwrap_err();
        assert!(d.message.contains("needs `backend`") && d.line == 2, "{d:?}");
        let twice = ok.replace("}]", "}, { name = \"s1\", port = 18082 }]");
        let d = Config::parse(&twice, Path::new("flightdeck.toml")).unwrap_err();
        assert!(d.message.contains("\"s1\"") && d.line == 5, "{d:?}");
        let bad_kind = ok.replace("\"haproxy\"", "\"traefik\"");
        let d = Config::parse(&bad_kind, Path::new("flightdeck.toml")).unwrap_err();
        assert!(d.message.contains("traefik") && d.line == 2, "{d:?}");
    }
}
