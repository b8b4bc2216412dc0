//! Ansible as plan → approve → apply: the plan is `ansible-playbook --check --diff` read through a
//! small JSON stdout callback flightdeck writes to a temp dir (ansible-core has none); the plan's
//! hash covers every planned change (host, task, module, diff) and the playbook's bytes, so an
//! apply whose fresh check differs from what was approved is refused.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::engine::StepCx;
use crate::infra::{Tool, sha256_hex};

/// The callback plugin's source, written next to each run's plan.
const PLUGIN: &str = include_str!("flightdeck_json.py");

/// Where and how to run a playbook.
#[derive(Debug, Clone)]
pub struct Playbook {
    /// Program (`ansible-playbook`).
    pub program: String,
    /// The playbook file.
    pub playbook: PathBuf,
    /// The inventory (file or `host,` list).
    pub inventory: String,
    /// `ansible_python_interpreter` for every host.
    pub python: String,
    /// `-c CONNECTION` when set.
    pub connection: Option<String>,
    /// Working directory (the project).
    pub dir: PathBuf,
}

/// One task result on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskResult {
    /// Play name.
    #[serde(default)]
    pub play: String,
    /// Host.
    pub host: String,
    /// Task name.
    pub task: String,
    /// Module.
    #[serde(default)]
    pub action: String,
    /// ok, failed, ignored, unreachable, skipped.
    pub status: String,
    /// Whether it changed (or would change) something.
    pub changed: bool,
    /// Message or stderr.
    #[serde(default)]
    pub msg: String,
    /// The unified diff of what changes.
    #[serde(default)]
    pub diff: String,
}

/// The outcome of one ansible-playbook invocation.
#[derive(Debug, Clone)]
pub struct PlayOutcome {
    /// Exit code.
    pub code: Option<i32>,
    /// Every task result.
    pub results: Vec<TaskResult>,
    /// ansible's own error lines (syntax errors with file and line).
    pub errors: Vec<String>,
}

impl PlayOutcome {
    /// The results that change (or would change) something.
    pub fn changes(&self) -> Vec<&TaskResult> {
        self.results.iter().filter(|r| r.changed).collect()
    }

    /// Failed or unreachable results.
    pub fn failures(&self) -> Vec<&TaskResult> {
        self.results.iter().filter(|r| r.status == "failed" || r.status == "unreachable").collect()
    }

    /// The error text when the run did not succeed.
    pub fn error(&self, what: &str) -> Option<String> {
        if self.code == Some(0) {
            return None;
        }
        let mut parts: Vec<String> = self.errors.clone();
        for f in self.failures() {
            parts.push(format!("{} on {}: {} ({})", f.task, f.host, f.msg.trim(), f.status));
        }
        if parts.is_empty() {
            parts.push(format!("exit code {}", self.code.map_or_else(|| "signal".into(), |c| c.to_string())));
        }
        Some(format!("ansible-playbook {what} failed: {}", parts.join("; ")))
    }
}

/// Runs the playbook (`check`: `--check --diff`).
pub async fn play(cx: &mut StepCx, pb: &Playbook, tmp: &Path, check: bool) -> Result<PlayOutcome, String> {
    let plugins = tmp.join("callback_plugins");
    std::fs::create_dir_all(&plugins).map_err(|e| format!("creating {}: {e}", plugins.display()))?;
    std::fs::write(plugins.join("flightdeck_json.py"), PLUGIN)
        .map_err(|e| format!("writing the ansible callback: {e}"))?;
    let out_file = tmp.join(if check { "check.json" } else { "apply.json" });
    let _ = std::fs::remove_file(&out_file);
    let mut args =
        vec!["-i".to_string(), pb.inventory.clone(), pb.playbook.display().to_string(), "--diff".into()];
    if check {
        args.push("--check".into());
    }
    args.extend(["-e".into(), format!("ansible_python_interpreter={}", pb.python)]);
    if let Some(c) = &pb.connection {
        args.extend(["-c".into(), c.clone()]);
    }
    let mut tool = Tool::new(&pb.program, args);
    tool.dir = Some(pb.dir.clone());
    tool.log_stdout = true;
    tool.env = vec![
        ("ANSIBLE_STDOUT_CALLBACK".into(), "flightdeck_json".into()),
        ("ANSIBLE_CALLBACK_PLUGINS".into(), plugins.display().to_string()),
        ("ANSIBLE_NOCOLOR".into(), "1".into()),
        ("ANSIBLE_RETRY_FILES_ENABLED".into(), "0".into()),
        ("ANSIBLE_LOCAL_TEMP".into(), tmp.join("tmp").display().to_string()),
        ("FLIGHTDECK_ANSIBLE_OUT".into(), out_file.display().to_string()),
    ];
    let out = tool.run(cx).await?;
    let results = match std::fs::read_to_string(&out_file) {
        Ok(text) => serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| serde_json::from_value::<Vec<TaskResult>>(v["results"].clone()).ok())
            .ok_or_else(|| format!("ansible callback output {} is not valid", out_file.display()))?,
        Err(_) => Vec::new(),
    };
    Ok(PlayOutcome { code: out.code, results, errors: error_lines(&out.stderr, &out.stdout) })
}

/// ansible's `ERROR!` message with the "error appears to be in 'FILE': line N" that follows.
fn error_lines(stderr: &str, stdout: &str) -> Vec<String> {
    let mut out = Vec::new();
    for l in stderr.lines().chain(stdout.lines()) {
        let t = l.trim();
        if t.starts_with("ERROR!") || t.starts_with("The error appears to be in") || t.starts_with("[ERROR]")
        {
            out.push(t.to_string());
        }
    }
    out
}

/// The plan's hash: every change (host, task, module, diff) and the playbook's bytes.
pub fn plan_hash(pb: &Playbook, outcome: &PlayOutcome) -> String {
    // The diff's `---`/`+++` headers name ansible's temp files: leave them out.
    let body = |d: &str| -> String {
        d.lines().filter(|l| !l.starts_with("--- ") && !l.starts_with("+++ ")).collect::<Vec<_>>().join("\n")
    };
    let changes: Vec<_> =
        outcome.changes().iter().map(|r| json!([r.host, r.task, r.action, body(&r.diff)])).collect();
    let playbook = std::fs::read(&pb.playbook).unwrap_or_default();
    sha256_hex(json!({ "changes": changes, "playbook": sha256_hex(&playbook) }).to_string().as_bytes())
}

/// The approval summary: changes per host and task.
pub fn summary(outcome: &PlayOutcome) -> String {
    let changes = outcome.changes();
    if changes.is_empty() {
        return "no changes".into();
    }
    let mut hosts: Vec<&str> = changes.iter().map(|r| r.host.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let mut lines = Vec::new();
    for h in hosts {
        let tasks: Vec<String> =
            changes.iter().filter(|r| r.host == h).map(|r| format!("~ {} ({})", r.task, r.action)).collect();
        lines.push(format!("{h}: {} change(s): {}", tasks.len(), tasks.join("; ")));
    }
    lines.join("\n")
}
