//! `backup-prune = { database = "app.db", daily = "7", weekly = "4", monthly = "6", dry_run =
//! "false" }`: the runner applies the backup retention (keep the newest backup of each of the last
//! N days, M ISO weeks and K months, and never the newest verified one), per database (every
//! database when `database` is absent or empty), deleting the files it does not keep and marking
//! their rows pruned, audited as `db.prune` by the run's operator. One prune at a time; a backup
//! being taken is never touched ([`crate::dbtool::upkeep`]). Values are templated strings (or
//! numbers, a boolean for `dry_run`). Outputs: `deleted`, `kept`. `flightdeck db prune` starts
//! this as a run of the built-in `prune-backups` task.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::dbtool::Target;
use crate::dbtool::retention::Policy;
use crate::dbtool::upkeep::prune;
use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

const KEYS: [&str; 5] = ["database", "daily", "weekly", "monthly", "dry_run"];

/// The `backup-prune` kind.
pub struct BackupPrune;

impl ActionKind for BackupPrune {
    fn key(&self) -> &'static str {
        "backup-prune"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        crate::infra::known_keys("backup-prune", action, &KEYS)?;
        for k in ["database", "daily", "weekly", "monthly", "dry_run"] {
            let ok = match action.get(k) {
                None | Some(Value::String(_)) => true,
                Some(Value::Number(n)) => k != "database" && k != "dry_run" && n.is_u64(),
                Some(Value::Bool(_)) => k == "dry_run",
                Some(_) => false,
            };
            if !ok {
                return Err(format!(
                    "backup-prune: `{k}` is {}",
                    match k {
                        "database" => "a string (\"app.db\" or \"postgres://USER@HOST:PORT/DB\")",
                        "dry_run" => "true or false",
                        _ => "a count (daily = 7)",
                    }
                ));
            }
        }
        Ok(action.clone())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        crate::infra::string_templates("backup-prune", spec)
    }

    fn describe(&self, spec: &Value) -> String {
        let db = spec.get("database").and_then(Value::as_str).filter(|d| !d.is_empty());
        format!("prune backups of {}", db.unwrap_or("every database"))
    }
}

impl StepKind for BackupPrune {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match run(spec, cx).await {
                Ok(()) => StepOutcome::Succeeded,
                Err(e) => {
                    cx.log(Stream::Stderr, e.clone()).await;
                    StepOutcome::failed(e)
                }
            }
        })
    }
}

/// A field as text: a literal number or boolean, or a rendered template; `None` when absent.
fn text(cx: &StepCx, spec: &Value, k: &str) -> Result<Option<String>, String> {
    match spec.get(k) {
        None => Ok(None),
        Some(Value::String(s)) => cx.render(&Template::new(s)).map(Some),
        Some(v) => Ok(Some(v.to_string())),
    }
}

fn count(cx: &StepCx, spec: &Value, k: &str, default: usize) -> Result<usize, String> {
    match text(cx, spec, k)? {
        None => Ok(default),
        Some(t) => {
            t.trim().parse().map_err(|_| format!("backup-prune: `{k}` is {t:?}: give a count such as 7"))
        }
    }
}

fn options(cx: &StepCx, spec: &Value) -> Result<(Option<String>, Policy, bool), String> {
    let base = &cx.shared.plan.project_dir;
    let database = match text(cx, spec, "database")?.filter(|d| !d.is_empty()) {
        Some(d) => Some(Target::parse(&d).map_err(|e| e.to_string())?.absolute(base).display()),
        None => None,
    };
    let policy = Policy {
        daily: count(cx, spec, "daily", 7)?,
        weekly: count(cx, spec, "weekly", 4)?,
        monthly: count(cx, spec, "monthly", 6)?,
    };
    let dry_run = match text(cx, spec, "dry_run")?.as_deref().map(str::trim) {
        None | Some("false" | "no" | "") => false,
        Some("true" | "yes") => true,
        Some(other) => return Err(format!("backup-prune: `dry_run` is {other:?}: give true or false")),
    };
    Ok((database, policy, dry_run))
}

async fn run(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    let (database, policy, dry_run) = options(cx, spec)?;
    let what = database.clone().unwrap_or_else(|| "every database".into());
    cx.started(&format!("prune backups of {what}")).await.map_err(|e| e.to_string())?;
    let shared = std::sync::Arc::clone(&cx.shared);
    let pruned =
        prune(&shared.store, database.as_deref(), policy, dry_run).await.map_err(|e| e.to_string())?;
    for line in &pruned.lines {
        cx.log(Stream::Stdout, line.clone()).await;
    }
    cx.step_outputs.insert("deleted".into(), pruned.deleted.len().to_string());
    cx.step_outputs.insert("kept".into(), pruned.kept.to_string());
    if !dry_run {
        let detail = json!({"database": database, "daily": policy.daily, "weekly": policy.weekly,
            "monthly": policy.monthly, "deleted": pruned.deleted, "kept": pruned.kept});
        if let Err(e) = shared.audit("db.prune", detail).await {
            cx.log(Stream::System, format!("warning: the audit entry db.prune could not be written: {e}"))
                .await;
        }
    }
    Ok(())
}
