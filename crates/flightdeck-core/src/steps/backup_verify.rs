//! `backup-verify = { from = "backups/app.backup", database = "postgres://..." }`: the runner
//! restores a backup into a scratch copy (a temp file for `SQLite`, a scratch database on the
//! server for `PostgreSQL`), compares per-table row counts and checksums with its manifest, records
//! the result on the backup's rows and audits it (`db.verify`, by the run's operator). `from` is
//! relative to the project; `database` (optional) is the server to restore on. A backup that does
//! not verify refuses the step (the run exits 8, as `db verify` always has). Output: `verified`.
//! `flightdeck db verify` starts this as a run of the built-in `verify-backup` task.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::dbtool::Target;
use crate::dbtool::upkeep::{verified_line, verify};
use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::error::Error;
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

const KEYS: [&str; 2] = ["from", "database"];

/// The `backup-verify` kind.
pub struct BackupVerify;

impl ActionKind for BackupVerify {
    fn key(&self) -> &'static str {
        "backup-verify"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        crate::infra::known_keys("backup-verify", action, &KEYS)?;
        if !action.get("from").is_some_and(Value::is_string) {
            return Err("backup-verify: `from` is required, a string (the backup file: from = \"backups/app.backup\")".into());
        }
        if action.get("database").is_some_and(|v| !v.is_string()) {
            return Err("backup-verify: `database` is a string (the server to restore on: \"postgres://USER@HOST:PORT/DB\")".into());
        }
        Ok(action.clone())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        crate::infra::string_templates("backup-verify", spec)
    }

    fn describe(&self, spec: &Value) -> String {
        format!("verify backup {}", spec.get("from").and_then(Value::as_str).unwrap_or_default())
    }
}

impl StepKind for BackupVerify {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match run(spec, cx).await {
                Ok(()) => StepOutcome::Succeeded,
                Err(e) => {
                    let text = e.to_string();
                    cx.log(Stream::Stderr, text.clone()).await;
                    if matches!(e, Error::Precondition(_)) {
                        StepOutcome::refused(text)
                    } else {
                        StepOutcome::failed(text)
                    }
                }
            }
        })
    }
}

/// A templated field, rendered; `None` when absent or empty.
fn field(cx: &StepCx, spec: &Value, k: &str) -> Result<Option<String>, Error> {
    let Some(t) = crate::steps::template_field(spec, k) else { return Ok(None) };
    Ok(Some(cx.render(&t).map_err(Error::Invalid)?).filter(|s| !s.is_empty()))
}

async fn run(spec: &Value, cx: &mut StepCx) -> Result<(), Error> {
    let base = cx.shared.plan.project_dir.clone();
    let from =
        field(cx, spec, "from")?.ok_or_else(|| Error::Invalid("backup-verify: `from` is empty".into()))?;
    let from = base.join(from);
    let server =
        field(cx, spec, "database")?.map(|d| Target::parse(&d).map(|t| t.absolute(&base))).transpose()?;
    cx.started(&format!("verify backup {}", from.display()))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    let shared = std::sync::Arc::clone(&cx.shared);
    match verify(&shared.store, &from, server.as_ref()).await {
        Ok((m, v)) => {
            cx.log(Stream::Stdout, verified_line(&m.path, v)).await;
            cx.step_outputs.insert("verified".into(), "yes".into());
            let detail = json!({"path": m.path, "database": m.database, "ok": true, "tables": v.tables, "rows": v.rows});
            audit(cx, "db.verify", detail).await;
            Ok(())
        }
        Err(e) => {
            let detail = json!({"path": from, "ok": false, "error": e.to_string()});
            audit(cx, "db.verify", detail).await;
            Err(e)
        }
    }
}

async fn audit(cx: &mut StepCx, action: &str, detail: Value) {
    if let Err(e) = cx.shared.audit(action, detail).await {
        cx.log(Stream::System, format!("warning: the audit entry {action} could not be written: {e}")).await;
    }
}
