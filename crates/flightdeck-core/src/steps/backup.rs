//! `backup = { database = "...", out = "...", verify = true }`: the runner backs a database up
//! (`SQLite` online backup or `pg_dump -Fc` at one snapshot; see [`crate::dbtool`]), records it in
//! the store itself (`taking`, then `done` or `failed`: [`crate::dbtool::in_run`]), audits it
//! (`db.backup`), and with `verify` (the default) restores it into a scratch copy and compares.
//! `out` is a file, or a directory (ending in `/`) where `backup-RUN.backup` goes; relative to the
//! project. Outputs: `backup` (the file), `sha256`, `version` (schema), `verified` (`yes`/`no`).
//! A backup an earlier run left unfinished (its runner died) is reported, removed and marked failed.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::dbtool::Target;
use crate::dbtool::in_run::{InRun, Taken, out_path, take};
use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

const KEYS: [&str; 3] = ["database", "out", "verify"];

/// The `backup` kind.
pub struct Backup;

impl ActionKind for Backup {
    fn key(&self) -> &'static str {
        "backup"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        crate::infra::known_keys("backup", action, &KEYS)?;
        for k in ["database", "out"] {
            if !action.get(k).is_some_and(Value::is_string) {
                return Err(format!(
                    "backup: `{k}` is required, a string (database = \"app.db\" or \"postgres://USER@HOST:PORT/DB\", \
                     out = \"backups/\")"
                ));
            }
        }
        if action.get("verify").is_some_and(|v| !v.is_boolean()) {
            return Err("backup: `verify` is true or false".into());
        }
        Ok(action.clone())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        crate::infra::string_templates("backup", spec)
    }

    fn describe(&self, spec: &Value) -> String {
        let s = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        format!("backup: {} to {}", s("database"), s("out"))
    }
}

impl StepKind for Backup {
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

fn field(cx: &StepCx, spec: &Value, k: &str) -> Result<String, String> {
    let t = crate::steps::template_field(spec, k).ok_or_else(|| format!("backup: `{k}` is missing"))?;
    cx.render(&t)
}

async fn run(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    let base = cx.shared.plan.project_dir.clone();
    let target = Target::parse(&field(cx, spec, "database")?).map_err(|e| e.to_string())?.absolute(&base);
    let run = cx.shared.run_id.clone();
    let out = out_path(&base, &field(cx, spec, "out")?, &run);
    let verify = spec.get("verify").and_then(Value::as_bool).unwrap_or(true);
    cx.started(&format!("backup: {} to {}", target.display(), out.display()))
        .await
        .map_err(|e| e.to_string())?;
    let shared = std::sync::Arc::clone(&cx.shared);
    let at = InRun { store: &shared.store, run: &run, environment: &shared.plan.environment.name };
    let result = take(&at, &target, &out, verify).await;
    let taken = match result {
        Ok(t) => t,
        Err(e) => {
            audit(cx, "db.backup-failed", json!({"database": target.display(), "error": e.to_string()}))
                .await;
            return Err(format!("backup of {} failed: {e}", target.display()));
        }
    };
    report(cx, &taken).await;
    Ok(())
}

/// Logs what was taken (and what earlier runs left unfinished), sets the outputs, audits.
async fn report(cx: &mut StepCx, taken: &Taken) {
    for r in &taken.interrupted {
        let line = format!(
            "backup {} ({}) of run {} was interrupted before it was complete: its file is removed and it is marked failed",
            r.id,
            r.backup.path,
            r.backup.run.as_deref().unwrap_or("?")
        );
        cx.log(Stream::System, line).await;
    }
    let m = &taken.manifest;
    cx.log(Stream::Stdout, crate::dbtool::commands::summary(m)).await;
    if let Some((tables, rows)) = taken.verified {
        let line = format!(
            "verified {}: restored into a scratch copy, {tables} tables and {rows} rows equal the source's",
            m.path.display()
        );
        cx.log(Stream::Stdout, line).await;
    }
    let outs = [
        ("backup", m.path.display().to_string()),
        ("sha256", m.sha256.clone()),
        ("version", m.schema_version.clone()),
        ("verified", if taken.verified.is_some() { "yes" } else { "no" }.to_string()),
    ];
    for (k, v) in outs {
        cx.step_outputs.insert(k.into(), v);
    }
    let interrupted: Vec<i64> = taken.interrupted.iter().map(|r| r.id).collect();
    let detail = json!({"backup": taken.id, "database": m.database, "path": m.path, "bytes": m.bytes,
        "sha256": m.sha256, "verified": taken.verified.is_some(), "interrupted": interrupted});
    audit(cx, "db.backup", detail).await;
}

async fn audit(cx: &mut StepCx, action: &str, detail: Value) {
    if let Err(e) = cx.shared.audit(action, detail).await {
        cx.log(Stream::System, format!("warning: the audit entry {action} could not be written: {e}")).await;
    }
}
