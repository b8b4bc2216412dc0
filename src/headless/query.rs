//! The read-only commands: list, show, runs, log, audit, validate, info.

use std::fmt::Write as _;

use serde_json::json;

use crate::cli::{AuditAction, AuditArgs, LogArgs, RunsArgs, ShowArgs, ValidateArgs};
use crate::engine::event::RunStatus;
use crate::error::{Error, exit};
use crate::headless::Ctx;
use crate::identity::Operator;
use crate::store::RunFilter;
use crate::time::human_duration;
use crate::workflow::catalog::Catalog;
use crate::workflow::model::{Persona, Workflow};
use crate::workflow::plan::type_hint;

fn print_json(v: &impl serde::Serialize) -> Result<i32, Error> {
    let text =
        serde_json::to_string_pretty(v).map_err(|e| Error::Invalid(format!("cannot print JSON: {e}")))?;
    println!("{text}");
    Ok(exit::OK)
}

/// `flightdeck list`.
pub fn list(ctx: &Ctx, json: bool) -> Result<i32, Error> {
    let catalog = ctx.catalog()?;
    let by = catalog.by_persona();
    if json {
        let out: Vec<_> = catalog
            .workflows
            .values()
            .map(|w| json!({ "name": w.name, "title": w.title, "persona": w.persona, "kind": w.kind, "summary": w.summary, "source": w.source }))
            .collect();
        return print_json(&out);
    }
    for persona in Persona::MENU.into_iter().chain([Persona::None]) {
        let Some(list) = by.get(&persona).filter(|l| !l.is_empty()) else { continue };
        println!("{}", persona.heading());
        for w in list {
            println!("  {:<22} {}", w.name, w.title);
        }
    }
    println!("tasks: {}", catalog.tasks.keys().cloned().collect::<Vec<_>>().join(", "));
    Ok(exit::OK)
}

/// `flightdeck show WORKFLOW`.
pub fn show(ctx: &Ctx, a: &ShowArgs) -> Result<i32, Error> {
    let catalog = ctx.catalog()?;
    let wf = catalog.workflow(&a.workflow).map_err(Error::Invalid)?;
    if a.json {
        return print_json(wf);
    }
    print!("{}", describe_workflow(wf, &catalog));
    Ok(exit::OK)
}

/// A workflow as text: header, parameters, steps (tasks expanded).
pub fn describe_workflow(wf: &Workflow, catalog: &Catalog) -> String {
    let mut out = format!(
        "{} — {}\n  persona {}  kind {:?}  source {}\n",
        wf.name,
        wf.title,
        wf.persona.key(),
        wf.kind,
        wf.source.display()
    );
    if !wf.summary.is_empty() {
        let _ = writeln!(out, "  {}", wf.summary);
    }
    if !wf.params.is_empty() {
        out.push_str("parameters:\n");
    }
    for p in &wf.params {
        let req = if p.required { " (required)" } else { "" };
        let dflt = p.default.as_ref().map(|d| format!(" default {d}")).unwrap_or_default();
        let _ = writeln!(out, "  -p {}=…  {} — {}{req}{dflt}", p.name, p.prompt, type_hint(p));
    }
    out.push_str("steps:\n");
    for (n, s) in wf.steps.iter().enumerate() {
        let line = crate::steps::kind(&s.action.kind)
            .map_or_else(|| s.action.kind.clone(), |k| k.describe(&s.action.spec));
        let when = s.when.as_ref().map(|w| format!("  (when {})", w.source())).unwrap_or_default();
        let _ = writeln!(out, "  {:>2}. {:<14} {line}{when}", n + 1, s.id);
        if let Some(r) = &s.rollback {
            let _ = writeln!(out, "      rollback: {}", r.source());
        }
        if s.action.kind == "uses"
            && let Some(task) =
                s.action.spec.get("task").and_then(|t| t.as_str()).and_then(|t| catalog.tasks.get(t))
        {
            for ts in &task.steps {
                let tl = crate::steps::kind(&ts.action.kind)
                    .map_or_else(String::new, |k| k.describe(&ts.action.spec));
                let _ = writeln!(out, "      › {:<12} {tl}", ts.id);
            }
        }
    }
    out
}

/// `flightdeck runs`.
pub fn runs(ctx: &Ctx, a: &RunsArgs) -> Result<i32, Error> {
    let status = match &a.status {
        Some(s) => Some(RunStatus::parse(s).ok_or_else(|| Error::Invalid(format!("unknown status {s:?}: use running, waiting, succeeded, failed, rolled_back, rejected, cancelled or interrupted")))?),
        None => None,
    };
    let store = ctx.store()?;
    let filter =
        RunFilter { workflow: a.workflow.clone(), environment: a.env.clone(), status, limit: a.limit };
    let runs = store.runs(&filter)?;
    if a.json {
        return print_json(&runs);
    }
    if runs.is_empty() {
        println!("no runs yet: start one with `flightdeck run WORKFLOW`");
    }
    for r in runs {
        let took =
            r.finished_at.map_or_else(|| "…".to_string(), |f| human_duration(f.millis_since(r.started_at)));
        println!(
            "{:<40} {:<12} {:<11} {:<12} {:<10} {} {took}",
            r.id,
            r.workflow,
            r.environment,
            r.status.as_str(),
            r.operator,
            r.started_at.to_rfc3339()
        );
    }
    Ok(exit::OK)
}

/// `flightdeck log RUN [STEP]`.
pub fn log(ctx: &Ctx, a: &LogArgs) -> Result<i32, Error> {
    let store = ctx.store()?;
    let run = store
        .run(&a.run)?
        .ok_or_else(|| Error::Invalid(format!("no run {:?}: see `flightdeck runs`", a.run)))?;
    if a.events {
        for e in store.journal(&run.id)? {
            println!("{}", serde_json::to_string(&e).unwrap_or_default());
        }
        return Ok(exit::OK);
    }
    let steps = store.steps(&run.id)?;
    if let Some(s) = &a.step
        && !steps.iter().any(|r| &r.step == s)
    {
        let names: Vec<_> = steps.iter().map(|r| r.step.as_str()).collect();
        return Err(Error::Invalid(format!("run {} has no step {s:?}; steps: {}", run.id, names.join(", "))));
    }
    for r in steps.iter().filter(|r| a.step.as_ref().is_none_or(|s| s == &r.step)) {
        let Some(path) = &r.log_path else { continue };
        println!("── {} ({}) ──", r.step, r.status.as_str());
        match std::fs::read_to_string(path) {
            Ok(text) => print!("{text}"),
            Err(e) => println!("(cannot read {path}: {e})"),
        }
    }
    Ok(exit::OK)
}

/// `flightdeck audit [verify]`.
pub fn audit(ctx: &Ctx, a: &AuditArgs) -> Result<i32, Error> {
    let store = ctx.store()?;
    if a.action == Some(AuditAction::Verify) {
        let verdict = store.verify_audit()?;
        if a.json {
            print_json(&verdict)?;
        } else if verdict.ok() {
            println!("audit chain intact: {} entries verified", verdict.checked);
        } else {
            println!(
                "audit chain BROKEN ({} entries checked, {} expected):",
                verdict.checked, verdict.expected
            );
            for p in &verdict.problems {
                println!("  {p}");
            }
        }
        return Ok(if verdict.ok() { exit::OK } else { exit::PRECONDITION });
    }
    let entries = store.audit_log(a.limit)?;
    if a.json {
        return print_json(&entries);
    }
    for e in entries {
        let run = e.run.as_deref().unwrap_or("-");
        println!("{:>5} {} {:<10} {:<22} {run} {}", e.seq, e.at.to_rfc3339(), e.actor, e.action, e.detail);
    }
    Ok(exit::OK)
}

/// `flightdeck validate [PATH...]`.
pub fn validate(ctx: &Ctx, a: &ValidateArgs) -> Result<i32, Error> {
    let result = if a.paths.is_empty() {
        Catalog::load(&ctx.paths.project_dir)
    } else {
        Catalog::load_paths(&a.paths, &ctx.paths.project_dir)
    };
    let catalog = result.map_err(Error::Diagnostics)?;
    for wf in catalog.workflows.values().chain(catalog.tasks.values()) {
        for w in crate::secrets::lint::command_line_warnings(wf) {
            eprintln!("{w}");
        }
    }
    println!("ok: {} workflow(s), {} task(s) valid", catalog.workflows.len(), catalog.tasks.len());
    Ok(exit::OK)
}

/// `flightdeck info`.
pub fn info(ctx: &Ctx, json: bool) -> Result<i32, Error> {
    let op = Operator::current();
    let envs: Vec<_> = ctx
        .config
        .environments
        .values()
        .map(|e| json!({ "name": e.name, "production": e.production, "approvals": e.approvals }))
        .collect();
    let value = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "operator": op,
        "paths": ctx.paths,
        "project": ctx.config.project_name(&ctx.paths.project_dir),
        "default_environment": ctx.config.default_env(),
        "environments": envs,
    });
    if json {
        return print_json(&value);
    }
    let p = &ctx.paths;
    println!("flightdeck {}", env!("CARGO_PKG_VERSION"));
    println!("operator        {} (uid {})", op.name, op.uid);
    println!("project         {} ({})", ctx.config.project_name(&p.project_dir), p.project_dir.display());
    println!(
        "config          {}",
        p.config_file.as_ref().map_or_else(|| "(none: defaults)".into(), |c| c.display().to_string())
    );
    println!("workflows       {}", p.workflows_dir.display());
    println!("data dir        {}  ({})", p.data_dir.display(), p.data_dir_source);
    println!("store           {}", p.db_file.display());
    println!("logs            {}", p.logs_dir.display());
    println!("run locks       {}", p.runs_dir.display());
    println!("sandbox state   {}", p.sandbox_dir.display());
    let names: Vec<String> = ctx
        .config
        .environments
        .values()
        .map(|e| if e.production { format!("{} (production)", e.name) } else { e.name.clone() })
        .collect();
    println!("environments    {}  default {}", names.join(", "), ctx.config.default_env());
    Ok(exit::OK)
}
