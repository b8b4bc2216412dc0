//! Terraform / `OpenTofu` as plan → approve → apply: `init`, `plan -out FILE` (or `-destroy`),
//! `show -json FILE` for the resource changes, `apply FILE`. The plan file is kept under the run's
//! data directory named by the hash of its resource changes, so an apply runs exactly the plan that
//! was approved (and terraform itself refuses a stale one).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::engine::StepCx;
use crate::infra::{Tool, sha256_hex};

/// A configuration directory and the program that drives it.
#[derive(Debug, Clone)]
pub struct Config {
    /// `terraform` or `tofu` (or a path).
    pub program: String,
    /// The configuration directory.
    pub dir: PathBuf,
}

/// One planned resource change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    /// `terraform_data.web`.
    pub address: String,
    /// `create`, `update`, `delete`, `delete,create`, `no-op`, ...
    pub actions: Vec<String>,
}

/// A saved plan.
#[derive(Debug, Clone)]
pub struct SavedPlan {
    /// The plan file.
    pub file: PathBuf,
    /// Hash of its resource changes.
    pub hash: String,
    /// The changes (no-ops left out).
    pub changes: Vec<ResourceChange>,
}

impl SavedPlan {
    /// True when the plan deletes something.
    pub fn destroys(&self) -> bool {
        self.changes.iter().any(|c| c.actions.iter().any(|a| a == "delete"))
    }

    /// The approval summary.
    pub fn summary(&self) -> String {
        if self.changes.is_empty() {
            return "no changes".into();
        }
        self.changes
            .iter()
            .map(|c| {
                let sign = match c.actions.join(",").as_str() {
                    "create" => "+",
                    "delete" => "-",
                    "update" => "~",
                    _ => "-/+",
                };
                format!("{sign} {} ({})", c.address, c.actions.join(", "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

async fn tf(cx: &mut StepCx, cfg: &Config, args: &[&str], log: bool) -> Result<String, String> {
    let mut all = vec![format!("-chdir={}", cfg.dir.display())];
    all.extend(args.iter().map(|s| (*s).to_string()));
    let mut tool = Tool::new(&cfg.program, all);
    tool.log_stdout = log;
    tool.env = vec![("TF_IN_AUTOMATION".into(), "1".into()), ("CHECKPOINT_DISABLE".into(), "1".into())];
    let out = tool.run(cx).await?;
    if !out.ok() {
        let err: Vec<&str> = out
            .stderr
            .lines()
            .chain(out.stdout.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('╷') && !l.starts_with('╵'))
            .take(6)
            .collect();
        return Err(format!(
            "{} {} in {} failed: {}",
            cfg.program,
            args.first().unwrap_or(&""),
            cfg.dir.display(),
            err.join(" ").trim_start_matches("│ ")
        ));
    }
    Ok(out.stdout)
}

/// `init` then `plan -out`; the plan file is moved to `plans/HASH.tfplan`.
pub async fn plan(cx: &mut StepCx, cfg: &Config, plans: &Path, destroy: bool) -> Result<SavedPlan, String> {
    tf(cx, cfg, &["init", "-input=false", "-no-color"], true).await?;
    let tmp = plans.join(format!("{}.tfplan.tmp", std::process::id()));
    let out = format!("-out={}", tmp.display());
    let mut args = vec!["plan", "-input=false", "-no-color", out.as_str()];
    if destroy {
        args.push("-destroy");
    }
    tf(cx, cfg, &args, true).await?;
    let (hash, changes) = show(cx, cfg, &tmp).await?;
    let file = plans.join(format!("{hash}.tfplan"));
    std::fs::rename(&tmp, &file).map_err(|e| format!("keeping the plan {}: {e}", file.display()))?;
    crate::infra::set_mode(&file, 0o600);
    Ok(SavedPlan { file, hash, changes })
}

/// `show -json FILE`: the hash of its resource changes, and the changes.
pub async fn show(
    cx: &mut StepCx,
    cfg: &Config,
    file: &Path,
) -> Result<(String, Vec<ResourceChange>), String> {
    let f = file.display().to_string();
    let text = tf(cx, cfg, &["show", "-json", f.as_str()], false).await?;
    let v: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} show -json: not JSON: {e}", cfg.program))?;
    let rc = v.get("resource_changes").cloned().unwrap_or(Value::Array(Vec::new()));
    let hash = sha256_hex(rc.to_string().as_bytes());
    let changes = rc
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| ResourceChange {
            address: c["address"].as_str().unwrap_or("?").to_string(),
            actions: c["change"]["actions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
        })
        .filter(|c| c.actions != ["no-op"] && c.actions != ["read"])
        .collect();
    Ok((hash, changes))
}

/// `apply FILE`.
pub async fn apply(cx: &mut StepCx, cfg: &Config, file: &Path) -> Result<(), String> {
    let f = file.display().to_string();
    tf(cx, cfg, &["apply", "-input=false", "-no-color", f.as_str()], true).await.map(|_| ())
}
