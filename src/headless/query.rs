//! The read-only commands: list, show, runs, log, audit, validate, info.

use std::fmt::Write as _;

use serde_json::json;

use crate::cli::{AuditAction, AuditArgs, LogArgs, RunsArgs, ShowArgs, ValidateArgs};
use crate::engine::event::RunStatus;
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::headless::history::History;
use crate::identity::Operator;
use crate::time::human_duration;
use crate::workflow::catalog::Catalog;
use crate::workflow::model::{Persona, Workflow};
use crate::workflow::plan::type_hint;

fn print_json(v: &impl serde::Serialize) -> Result<i32, Error> {
    let text =
        serde_json::to_string_pretty(v).map_err(|e| Error::Invalid(format!("cannot print JSON: {e}")))?;
    crate::outln!("{text}");
    Ok(exit::OK)
}

/// `flightdeck list`.
pub fn list(ctx: &Project, json: bool) -> Result<i32, Error> {
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
    let width = catalog.workflows.keys().map(|n| n.chars().count() + 1).max().unwrap_or(0).max(22);
    for persona in Persona::MENU.into_iter().chain([Persona::None]) {
        let Some(list) = by.get(&persona).filter(|l| !l.is_empty()) else { continue };
        crate::outln!("{}", persona.heading());
        for w in list {
            crate::outln!("  {:<width$} {}", w.name, w.title);
        }
    }
    crate::outln!("tasks: {}", catalog.tasks.keys().cloned().collect::<Vec<_>>().join(", "));
    Ok(exit::OK)
}

/// `flightdeck show WORKFLOW`, or `show RUN` (a run id or prefix that names no workflow).
pub async fn show(ctx: &Project, a: &ShowArgs) -> Result<i32, Error> {
    let catalog = ctx.catalog()?;
    let wf = match catalog.workflow(&a.workflow) {
        Ok(wf) => wf,
        Err(not_workflow) => return super::run_view::show_run(ctx, a, not_workflow).await,
    };
    if a.json {
        return print_json(wf);
    }
    crate::out!("{}", describe_workflow(wf, &catalog));
    Ok(exit::OK)
}

/// A workflow as text: header, parameters, steps (tasks expanded).
pub fn describe_workflow(wf: &Workflow, catalog: &Catalog) -> String {
    let mut out = format!(
        "{} — {}\n  persona {}  kind {}  source {}\n",
        wf.name,
        wf.title,
        wf.persona.key(),
        serde_json::to_value(wf.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
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
pub async fn runs(ctx: &Project, a: &RunsArgs) -> Result<i32, Error> {
    let status = match &a.status {
        Some(s) => Some(RunStatus::parse(s).ok_or_else(|| Error::Invalid(format!("unknown status {s:?}: use running, waiting, succeeded, failed, rolled_back, rejected, cancelled or interrupted")))?),
        None => None,
    };
    let runs = runs_from_runner(ctx).await?;
    let any = !runs.is_empty();
    let mut runs: Vec<_> = runs
        .into_iter()
        .filter(|r| a.workflow.as_ref().is_none_or(|w| *w == r.workflow))
        .filter(|r| a.env.as_ref().is_none_or(|e| *e == r.environment))
        .filter(|r| status.is_none_or(|s| s == r.status))
        .collect();
    if a.limit > 0 {
        runs.truncate(a.limit);
    }
    if a.json {
        return print_json(&runs);
    }
    if runs.is_empty() && any {
        crate::outln!("no run matches {}: `flightdeck runs` lists them all", runs_filter(a, status));
    } else if runs.is_empty() {
        crate::outln!("no runs yet: start one with `flightdeck run WORKFLOW`");
    }
    // Columns as wide as their longest value (a long workflow name keeps the table aligned).
    let iw = runs.iter().map(|r| r.id.chars().count()).max().unwrap_or(0).max(40);
    let ww = runs.iter().map(|r| r.workflow.chars().count()).max().unwrap_or(0).max(12);
    let ew = runs.iter().map(|r| r.environment.chars().count()).max().unwrap_or(0).max(11);
    for r in runs {
        let took =
            r.finished_at.map_or_else(|| "…".to_string(), |f| human_duration(f.millis_since(r.started_at)));
        crate::outln!(
            "{:<iw$} {:<ww$} {:<ew$} {:<12} {:<10} {} {took}",
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

/// The filters given to `runs`, as typed (`--workflow deploy --env staging`).
fn runs_filter(a: &RunsArgs, status: Option<RunStatus>) -> String {
    let mut parts = Vec::new();
    if let Some(w) = &a.workflow {
        parts.push(format!("--workflow {}", crate::sanitize::one_line(w)));
    }
    if let Some(e) = &a.env {
        parts.push(format!("--env {}", crate::sanitize::one_line(e)));
    }
    if let Some(s) = status {
        parts.push(format!("--status {}", s.as_str()));
    }
    parts.join(" ")
}

/// Every run, newest first, as the runner reports them (operators on a shared bastion cannot read
/// the store itself).
async fn runs_from_runner(ctx: &Project) -> Result<Vec<crate::store::records::RunRecord>, Error> {
    use crate::runner::protocol::{Request, Response};
    let mut client = crate::headless::run::connect(ctx, "runs").await?;
    match client.call(&Request::ListRuns { limit: 0 }).await.map_err(crate::headless::run::client_error)? {
        Response::Runs { runs } => Ok(runs),
        Response::Error { message, .. } => Err(Error::Invalid(message)),
        other => Err(Error::Invalid(format!("unexpected answer from the runner: {other:?}"))),
    }
}

/// `flightdeck log RUN [STEP]`.
pub async fn log(ctx: &Project, a: &LogArgs) -> Result<i32, Error> {
    let mut history = History::open(ctx, "log").await?;
    let (run, steps) = history.run(&a.run).await?;
    if a.events {
        history
            .journal(&run.id, |events| {
                for e in events {
                    match serde_json::to_string(e) {
                        Ok(line) => crate::outln!("{line}"),
                        Err(err) => {
                            tracing::warn!(error = %err, run = %run.id, "cannot print a journal entry");
                        }
                    }
                    if crate::output::stdout_closed() {
                        return false;
                    }
                }
                true
            })
            .await?;
        return Ok(exit::OK);
    }
    if let Some(s) = &a.step
        && !steps.iter().any(|r| &r.step == s)
    {
        let names: Vec<_> = steps.iter().map(|r| r.step.as_str()).collect();
        return Err(Error::Invalid(format!("run {} has no step {s:?}; steps: {}", run.id, names.join(", "))));
    }
    for r in steps.iter().filter(|r| a.step.as_ref().is_none_or(|s| s == &r.step)) {
        let Some(path) = &r.log_path else { continue };
        crate::outln!("── {} ({}) ──", r.step, r.status.as_str());
        let failed = if history.store().is_some() {
            print_log_file(std::path::Path::new(path), a.raw).err().map(|e| e.to_string())
        } else {
            print_log_pages(&mut history, &run.id, &r.step, a.raw).await?
        };
        if let Some(e) = failed {
            crate::outln!("(cannot read {path}: {e})");
        }
        if crate::output::stdout_closed() {
            break;
        }
    }
    Ok(exit::OK)
}

/// Streams one step log read through the runner page by page (bounded memory), sanitized line by
/// line unless `raw`, exactly as [`print_log_file`] prints the file; returns why it is unreadable.
async fn print_log_pages(
    history: &mut History,
    run: &str,
    step: &str,
    raw: bool,
) -> Result<Option<String>, Error> {
    let mut offset = 0;
    let mut carry: Vec<u8> = Vec::new();
    while !crate::output::stdout_closed() {
        let page = history.log_page(run, step, offset).await?;
        if let Some(e) = page.error {
            return Ok(Some(e));
        }
        carry.extend_from_slice(&page.bytes);
        // Whole lines now; a line cut by the page boundary waits for the next page.
        let cut =
            if page.end { carry.len() } else { carry.iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1) };
        let rest = carry.split_off(cut);
        print_lines(&carry, raw);
        carry = rest;
        if page.end || page.next == offset {
            break;
        }
        offset = page.next;
    }
    Ok(None)
}

/// Prints whole lines (the last may lack its newline), each sanitized unless `raw`.
fn print_lines(bytes: &[u8], raw: bool) {
    if raw {
        crate::output::write_stdout_bytes(bytes);
        return;
    }
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        out.extend_from_slice(crate::sanitize::bytes_for_terminal(line).as_bytes());
    }
    crate::output::write_stdout_bytes(&out);
}

/// Streams one step log to stdout in 64 KiB batches (bounded memory), sanitized line by line
/// unless `raw`.
fn print_log_file(path: &std::path::Path, raw: bool) -> std::io::Result<()> {
    use std::io::BufRead as _;
    const BATCH: usize = 64 * 1024;
    // A step that printed nothing has no log (see `engine::logfile`): nothing to print.
    let file = match std::fs::File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    let mut reader = std::io::BufReader::new(file);
    let mut line = Vec::new();
    let mut batch: Vec<u8> = Vec::with_capacity(BATCH + 1024);
    while !crate::output::stdout_closed() {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if raw {
            batch.extend_from_slice(&line);
        } else {
            batch.extend_from_slice(crate::sanitize::bytes_for_terminal(&line).as_bytes());
        }
        if n == 0 || batch.len() >= BATCH {
            crate::output::write_stdout_bytes(&batch);
            batch.clear();
        }
        if n == 0 {
            break;
        }
    }
    Ok(())
}

/// `flightdeck audit [verify]`.
pub async fn audit(ctx: &Project, a: &AuditArgs) -> Result<i32, Error> {
    let mut history = History::open(ctx, "audit").await?;
    if a.action == Some(AuditAction::Verify) {
        let verdict = history.verify_audit().await?;
        if a.json {
            print_json(&verdict)?;
        } else if verdict.ok() {
            crate::outln!("audit chain intact: {} entries verified", verdict.checked);
        } else {
            crate::outln!(
                "audit chain BROKEN ({} entries checked, {} expected):",
                verdict.checked,
                verdict.expected
            );
            for p in &verdict.problems {
                crate::outln!("  {p}");
            }
        }
        return Ok(if verdict.ok() { exit::OK } else { exit::PRECONDITION });
    }
    let entries = history.audit(a.limit).await?;
    if a.json {
        return print_json(&entries);
    }
    for e in entries {
        let run = e.run.as_deref().unwrap_or("-");
        crate::outln!(
            "{:>5} {} {:<10} {:<22} {run} {}",
            e.seq,
            e.at.to_rfc3339(),
            e.actor,
            e.action,
            e.detail
        );
    }
    Ok(exit::OK)
}

/// `flightdeck validate [PATH...]`.
pub fn validate(ctx: &Project, a: &ValidateArgs) -> Result<i32, Error> {
    let result = if a.paths.is_empty() {
        Catalog::load(&ctx.paths.project_dir)
    } else {
        Catalog::load_paths(&a.paths, &ctx.paths.project_dir)
    };
    // A monitor disabled by a bad value in flightdeck.toml is a validation error too.
    let mut monitors: Vec<_> =
        if a.paths.is_empty() { ctx.config.monitor_problems.values().cloned().collect() } else { Vec::new() };
    // And a templated monitor url that gets a scheme health cannot probe in some environment.
    if a.paths.is_empty() {
        monitors.extend(crate::config::monitors::env_url_problems(&ctx.config));
    }
    // So is a notification template naming a variable its event never has.
    if a.paths.is_empty()
        && let Some(dir) = &ctx.config.notify.templates
    {
        monitors.extend(crate::notify::message::check_dir(&ctx.paths.project_dir.join(dir)));
    }
    let catalog = result.map_err(|mut d| {
        d.extend(monitors.iter().cloned());
        Error::Diagnostics(d)
    })?;
    if !monitors.is_empty() {
        return Err(Error::Diagnostics(monitors));
    }
    for wf in catalog.workflows.values().chain(catalog.tasks.values()) {
        for w in crate::secrets::lint::command_line_warnings(wf) {
            crate::errln!("{w}");
        }
    }
    crate::outln!("ok: {} workflow(s), {} task(s) valid", catalog.workflows.len(), catalog.tasks.len());
    Ok(exit::OK)
}

/// `flightdeck info`.
pub fn info(ctx: &Project, json: bool) -> Result<i32, Error> {
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
        "log_file": ctx.paths.log_file,
        "log_error": ctx.log_error.get(),
    });
    if json {
        return print_json(&value);
    }
    let p = &ctx.paths;
    crate::outln!("flightdeck {}", env!("CARGO_PKG_VERSION"));
    crate::outln!("operator        {} (uid {})", op.name, op.uid);
    crate::outln!(
        "project         {} ({})",
        ctx.config.project_name(&p.project_dir),
        p.project_dir.display()
    );
    crate::outln!(
        "config          {}",
        p.config_file.as_ref().map_or_else(|| "(none: defaults)".into(), |c| c.display().to_string())
    );
    crate::outln!("workflows       {}", p.workflows_dir.display());
    crate::outln!("data dir        {}  ({})", p.data_dir.display(), p.data_dir_source);
    crate::outln!("store           {}", p.db_file.display());
    crate::outln!("logs            {}", p.logs_dir.display());
    crate::outln!("run locks       {}", p.runs_dir.display());
    crate::outln!("sandbox state   {}", p.sandbox_dir.display());
    match ctx.log_error.get() {
        None => crate::outln!("log file        {}", p.log_file.display()),
        Some(e) => crate::outln!("log file        {}  (not written: {e})", p.log_file.display()),
    }
    let names: Vec<String> = ctx
        .config
        .environments
        .values()
        .map(|e| if e.production { format!("{} (production)", e.name) } else { e.name.clone() })
        .collect();
    crate::outln!("environments    {}  default {}", names.join(", "), ctx.config.default_env());
    Ok(exit::OK)
}
