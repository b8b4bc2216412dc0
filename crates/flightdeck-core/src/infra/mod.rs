//! Infrastructure helpers shared by the `dns`, `iac` (and `cert`) step kinds: running an external
//! tool (nsupdate, dig, ansible-playbook, terraform) bounded in time and cancellable, its output
//! streamed to the step log; recording what a step created in the `resources` inventory.

pub mod acme;
pub mod ansible;
pub mod dns;
pub mod terraform;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::engine::StepCx;
use crate::event::Stream;
use crate::store::NewResource;
use crate::time::now;

/// How long one tool invocation may take when the step sets no `timeout`.
const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(600);

/// What a finished tool invocation printed.
#[derive(Debug, Clone, Default)]
pub struct ToolOutput {
    /// Exit code (None when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl ToolOutput {
    /// True when the tool exited 0.
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// One tool invocation.
#[derive(Debug, Clone, Default)]
pub struct Tool {
    /// Program name or path.
    pub program: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Working directory.
    pub dir: Option<PathBuf>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Bytes for its standard input.
    pub stdin: Option<String>,
    /// Write stdout lines to the step log.
    pub log_stdout: bool,
}

impl Tool {
    /// A tool with arguments.
    pub fn new<I, S>(program: &str, args: I) -> Tool
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Tool { program: program.into(), args: args.into_iter().map(Into::into).collect(), ..Tool::default() }
    }

    /// Runs it, cancelled with the run and bounded by the step's deadline (else 10 minutes).
    /// Standard error always goes to the step log; standard output when `log_stdout`.
    pub async fn run(&self, cx: &mut StepCx) -> Result<ToolOutput, String> {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(&self.args)
            .stdin(if self.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut child = cmd.spawn().map_err(|e| spawn_error(&self.program, &e))?;
        if let (Some(text), Some(mut pipe)) = (&self.stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).await.map_err(|e| format!("{}: stdin: {e}", self.program))?;
        }
        let limit = cx
            .deadline
            .map_or(DEFAULT_TOOL_TIMEOUT, |d| d.saturating_duration_since(tokio::time::Instant::now()));
        let cancel = cx.shared.cancel.clone();
        let out = tokio::select! {
            r = child.wait_with_output() => r.map_err(|e| format!("{}: {e}", self.program))?,
            () = tokio::time::sleep(limit) => return Err(format!("{} did not finish within {}s", self.program, limit.as_secs())),
            () = cancel.cancelled() => return Err("cancelled".into()),
        };
        let res = ToolOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        if self.log_stdout {
            for line in res.stdout.lines() {
                cx.log(Stream::Stdout, line.to_string()).await;
            }
        }
        for line in res.stderr.lines() {
            cx.log(Stream::Stderr, line.to_string()).await;
        }
        Ok(res)
    }
}

fn spawn_error(program: &str, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        format!("`{program}` is not installed or not on PATH: install it (see README \"Infrastructure\")")
    } else {
        format!("starting `{program}`: {e}")
    }
}

/// A path from a spec, relative to the project directory.
pub fn project_path(cx: &StepCx, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() { p.to_path_buf() } else { cx.shared.plan.project_dir.join(p) }
}

/// A directory under the data directory for this run's infrastructure files (plans, restore
/// scripts), created with mode 0700.
pub fn run_dir(cx: &StepCx) -> Result<PathBuf, String> {
    let dir = cx.shared.plan.data_dir.join("infra").join(&cx.shared.run_id);
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    set_mode(&dir, 0o700);
    Ok(dir)
}

/// Sets unix permissions, ignoring failure on file systems without them.
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// The run's environment name and whether it is production.
pub fn environment(cx: &StepCx) -> (String, bool) {
    let e = &cx.shared.plan.environment;
    (e.name.clone(), e.production)
}

/// Records a created resource in the run's environment.
pub async fn record(cx: &StepCx, kind: &str, name: &str, detail: Value) -> Result<i64, String> {
    let r = NewResource {
        environment: environment(cx).0,
        kind: kind.into(),
        name: name.into(),
        detail,
        run: Some(cx.shared.run_id.clone()),
        step: Some(cx.step_id().to_string()),
    };
    cx.shared.store.add_resource(&r, now()).await.map_err(|e| e.to_string())
}

/// Marks a resource removed by this run.
pub async fn forget(cx: &StepCx, id: i64) -> Result<(), String> {
    cx.shared
        .store
        .remove_resource(id, now(), Some(cx.shared.run_id.clone()))
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The live resources of one kind in the run's environment, newest first (teardown order).
pub fn live(cx: &StepCx, kind: &str) -> Result<Vec<crate::store::ResourceRecord>, String> {
    let mut rows = cx.shared.store.resources(&environment(cx).0, false).map_err(|e| e.to_string())?;
    rows.retain(|r| r.kind == kind);
    rows.reverse();
    Ok(rows)
}

/// Every live resource of the run's environment, newest first (global teardown order).
pub fn live_all(cx: &StepCx) -> Result<Vec<crate::store::ResourceRecord>, String> {
    let mut rows = cx.shared.store.resources(&environment(cx).0, false).map_err(|e| e.to_string())?;
    rows.reverse();
    Ok(rows)
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Reads a string field of a spec object, rendered as a template.
pub fn field(cx: &StepCx, spec: &Value, key: &str) -> Result<Option<String>, String> {
    match spec.get(key).and_then(Value::as_str) {
        None => Ok(None),
        Some(s) => cx.render(&crate::workflow::template::Template::new(s)).map(Some),
    }
}

/// A required string field.
pub fn required(cx: &StepCx, spec: &Value, key: &str, kind: &str) -> Result<String, String> {
    field(cx, spec, key)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| format!("{kind}: `{key}` is required"))
}

/// Checks that a spec table has only known keys.
pub fn known_keys(kind: &str, action: &Value, keys: &[&str]) -> Result<(), String> {
    let Some(obj) = action.as_object() else {
        return Err(format!("`{kind}` takes a table, e.g. {kind} = {{ {} = ... }}", keys[0]));
    };
    for k in obj.keys() {
        if !keys.contains(&k.as_str()) {
            return Err(format!("{kind}: unknown key `{k}`; valid keys: {}", keys.join(", ")));
        }
    }
    Ok(())
}

/// The string-valued fields of a spec as templates, for validation.
pub fn string_templates(kind: &str, spec: &Value) -> Vec<(String, crate::workflow::template::Template)> {
    let mut out = Vec::new();
    if let Some(obj) = spec.as_object() {
        for (k, v) in obj {
            match v {
                Value::String(s) => {
                    out.push((format!("{kind}.{k}"), crate::workflow::template::Template::new(s)));
                }
                Value::Array(a) => out.extend(
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|s| (format!("{kind}.{k}"), crate::workflow::template::Template::new(s))),
                ),
                _ => {}
            }
        }
    }
    out
}
