//! nginx through an upstream include flightdeck owns: each slot is one line
//! `server HOST:PORT weight=N;  # flightdeck slot NAME` (`down` for weight 0). A change writes the
//! file beside itself and renames it over, runs `nginx -t`, puts the old file back if the test
//! fails, and otherwise `nginx -s reload` (old workers finish the requests they hold).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::config::balancers::BalancerConfig;
use crate::platforms::{PlatformError, Weights, command};

/// Marks a line flightdeck wrote.
const TAG: &str = "# flightdeck slot ";

/// One nginx upstream.
#[derive(Debug, Clone)]
pub struct Nginx {
    /// The balancer's name in flightdeck.toml.
    pub name: String,
    /// The include file.
    pub include: PathBuf,
    /// `nginx -c`.
    pub config: PathBuf,
    /// `nginx -p`.
    pub prefix: Option<PathBuf>,
    /// The binary.
    pub bin: String,
    /// Slots: (name, host, port).
    pub slots: Vec<(String, String, u16)>,
}

impl Nginx {
    /// From `[balancers.NAME]`.
    pub fn new(name: &str, cfg: &BalancerConfig) -> Nginx {
        Nginx {
            name: name.to_string(),
            include: cfg.include.clone().unwrap_or_default(),
            config: cfg.config.clone().unwrap_or_default(),
            prefix: cfg.prefix.clone(),
            bin: cfg.nginx.clone().unwrap_or_else(|| "nginx".into()),
            slots: cfg.servers.iter().map(|s| (s.name.clone(), cfg.host().to_string(), s.port)).collect(),
        }
    }

    fn err(&self, detail: impl Into<String>) -> PlatformError {
        PlatformError::Balancer { balancer: self.name.clone(), detail: detail.into() }
    }

    /// The weights in the include (a slot not in it, or a missing file, is 0).
    pub async fn weights(&self) -> Result<Weights, PlatformError> {
        let text = match tokio::fs::read_to_string(&self.include).await {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(self.err(format!("cannot read {}: {e}", self.include.display()))),
        };
        let written = parse(&text);
        Ok(self.slots.iter().map(|(s, _, _)| (s.clone(), written.get(s).copied().unwrap_or(0))).collect())
    }

    /// Rewrites the include with the new weights, tests the configuration and reloads.
    pub async fn set(&self, weights: &[(String, u32)]) -> Result<(), PlatformError> {
        let mut all = self.weights().await?;
        for (slot, w) in weights {
            if !all.contains_key(slot) {
                return Err(self.err(format!("no server {slot:?} in flightdeck.toml")));
            }
            all.insert(slot.clone(), *w);
        }
        let text = self.render(&all);
        let old = tokio::fs::read(&self.include).await.ok();
        self.write(text.as_bytes()).await?;
        if let Err(e) = self.nginx(&["-t"]).await {
            let _ = match old {
                Some(bytes) => self.write(&bytes).await,
                None => tokio::fs::remove_file(&self.include).await.map_err(|e| self.err(e.to_string())),
            };
            return Err(self.err(format!("nginx -t refused the new upstream (old file restored): {e}")));
        }
        let before = serving_workers(&self.config);
        self.nginx(&["-s", "reload"]).await.map_err(|e| self.err(e.to_string()))?;
        // `nginx -s reload` only signals the master: until it has started new workers and told the
        // old ones to stop accepting, a new connection may still reach an old worker and the old
        // upstream. Wait (bounded) until no worker from before the reload still accepts.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while serving_workers(&self.config).iter().any(|w| before.contains(w))
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Ok(())
    }

    fn render(&self, all: &Weights) -> String {
        let mut out = String::from("# Written by flightdeck (rollout); edits are overwritten.\n");
        for (slot, host, port) in &self.slots {
            let w = all.get(slot).copied().unwrap_or(0);
            let how = if w == 0 { "down".to_string() } else { format!("weight={w}") };
            let _ = writeln!(out, "server {host}:{port} {how};  {TAG}{slot}");
        }
        out
    }

    async fn write(&self, bytes: &[u8]) -> Result<(), PlatformError> {
        let tmp = self.include.with_extension("flightdeck-new");
        let io = async {
            tokio::fs::write(&tmp, bytes).await?;
            tokio::fs::rename(&tmp, &self.include).await
        };
        io.await.map_err(|e| self.err(format!("cannot write {}: {e}", self.include.display())))
    }

    async fn nginx(&self, extra: &[&str]) -> Result<String, PlatformError> {
        let config = self.config.to_string_lossy().into_owned();
        let prefix = self.prefix.as_ref().map(|p| p.to_string_lossy().into_owned());
        let mut args = vec!["-c", config.as_str()];
        if let Some(p) = &prefix {
            args.extend(["-p", p.as_str()]);
        }
        args.extend(extra);
        command(&self.bin, &args, None).await
    }
}

/// The pids of the workers still accepting connections (not "shutting down") under the nginx
/// master started with `config`, read from /proc (empty when there is none).
fn serving_workers(config: &std::path::Path) -> Vec<i32> {
    let cmdline = |pid: &str| {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default()
    };
    let parent = |pid: &str| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Field 4 follows the `(comm)` field, which may itself hold spaces.
        stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<i32>().ok())
    };
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let pids: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let conf = config.to_string_lossy();
    let masters: Vec<i32> = pids
        .iter()
        .filter(|p| {
            let c = cmdline(p);
            c.starts_with("nginx: master process") && c.contains(conf.as_ref())
        })
        .filter_map(|p| p.parse().ok())
        .collect();
    pids.iter()
        .filter(|p| parent(p).is_some_and(|pp| masters.contains(&pp)))
        .filter(|p| {
            let c = cmdline(p);
            c.starts_with("nginx: worker process") && !c.contains("shutting down")
        })
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Slot weights from the include's tagged lines.
fn parse(text: &str) -> BTreeMap<String, u32> {
    text.lines()
        .filter_map(|l| {
            let (body, slot) = l.split_once(TAG)?;
            let w = if body.contains(" down") {
                0
            } else {
                body.split_once("weight=")
                    .and_then(|(_, r)| {
                        r.trim_end().trim_end_matches(';').split(|c: char| !c.is_ascii_digit()).next()
                    })
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1)
            };
            Some((slot.trim().to_string(), w))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_lines_round_trip() {
        let n = Nginx {
            name: "web".into(),
            include: PathBuf::from("up.conf"),
            config: PathBuf::from("nginx.conf"),
            prefix: None,
            bin: "nginx".into(),
            slots: vec![("a".into(), "127.0.0.1".into(), 1), ("b".into(), "127.0.0.1".into(), 2)],
        };
        let w: Weights = [("a".to_string(), 0), ("b".to_string(), 75)].into();
        let text = n.render(&w);
        assert!(text.contains("server 127.0.0.1:1 down;"), "{text}");
        assert_eq!(parse(&text), w);
    }
}
