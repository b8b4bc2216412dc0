//! `flightdeck run` and `flightdeck resume`: plan, start the engine, print its events, answer its
//! prompts on a terminal, and exit with the code the run's outcome maps to.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::cli::{ResumeArgs, RunArgs};
use crate::engine::{self, RunSpec};
use crate::error::Error;
use crate::headless::Ctx;
use crate::headless::printer::Printer;
use crate::headless::prompt::Prompter;
use crate::identity::Operator;
use crate::workflow::plan::{self, Mode, PlanError, PlanRequest, RunOptions};

/// `flightdeck run WORKFLOW ...`.
pub async fn run(ctx: &Ctx, a: RunArgs) -> Result<i32, Error> {
    let catalog = ctx.catalog()?;
    let wf = catalog.workflow(&a.workflow).map_err(Error::Invalid)?;
    let env_name = a.env.clone().unwrap_or_else(|| ctx.config.default_env().to_string());
    let env = ctx.config.environment(&env_name).map_err(Error::Invalid)?;
    let params = parse_params(&a.params)?;
    let interactive = std::io::stdin().is_terminal();
    let mode = if a.dry_run {
        Mode::DryRun
    } else if a.emergency.is_some() {
        Mode::Emergency
    } else if a.yes {
        Mode::Automated
    } else {
        Mode::Interactive
    };
    let options = RunOptions {
        mode,
        yes: a.yes,
        interactive,
        wait_approvals: a.wait_approvals,
        emergency_reason: a.emergency,
    };
    let req = PlanRequest {
        workflow: wf,
        environment: env,
        params: &params,
        options,
        project_dir: ctx.paths.project_dir.clone(),
        data_dir: ctx.paths.data_dir.clone(),
    };
    let plan = plan::build(req, &catalog).map_err(|e| match e {
        PlanError::Policy(m) => Error::Precondition(m),
        other => Error::Invalid(other.to_string()),
    })?;
    let store = ctx.store()?;
    let spec = engine::prepare_run(plan, &store, Operator::current(), Ctx::flightdeck_bin()).await?;
    drive(spec, a.json, interactive).await
}

/// `flightdeck resume RUN`.
pub async fn resume(ctx: &Ctx, a: ResumeArgs) -> Result<i32, Error> {
    let store = ctx.store()?;
    let interactive = std::io::stdin().is_terminal();
    let options =
        RunOptions { yes: a.yes, interactive, wait_approvals: a.wait_approvals, ..RunOptions::default() };
    let (spec, checks) =
        engine::prepare_resume(&store, &a.run, Operator::current(), Ctx::flightdeck_bin(), options).await?;
    for c in checks.iter().filter(|c| !c.idempotent) {
        if c.still_running && !interactive {
            return Err(Error::Precondition(format!(
                "step {} of run {} is still running in its old process group: wait for it to end, or resume on a terminal to kill it",
                c.step, spec.run_id
            )));
        }
        if !interactive && !a.yes {
            return Err(Error::Precondition(format!(
                "step {} of run {} was running when its process died and is not idempotent: pass --yes to re-run it",
                c.step, spec.run_id
            )));
        }
    }
    drive(spec, a.json, interactive).await
}

/// Runs the engine, printing events and answering prompts, until the run ends.
async fn drive(spec: RunSpec, json: bool, interactive: bool) -> Result<i32, Error> {
    let (etx, mut erx) = mpsc::channel(1024);
    let (dtx, drx) = mpsc::channel(16);
    let cancel = CancellationToken::new();
    watch_signals(cancel.clone());
    let mut printer = Printer::new(json);
    printer.header(&spec);
    let notifier = crate::notify::notifier::Notifier::start(&spec.store, &spec.plan.project_dir);
    let handle = tokio::spawn(engine::run(spec, etx, drx, cancel.clone()));
    let mut prompter = interactive.then(|| Prompter::new(dtx.clone(), cancel.clone()));
    while let Some(event) = erx.recv().await {
        printer.event(&event);
        if let Some(p) = prompter.as_mut() {
            p.event(&event);
        }
    }
    drop(dtx);
    let summary = handle
        .await
        .map_err(|e| Error::Invalid(format!("internal: the engine task failed: {e}")))?
        .map_err(|e| Error::Invalid(format!("the run stopped: {e}; `flightdeck resume` continues it")))?;
    printer.summary(&summary);
    if let Some(n) = notifier {
        n.finish(std::time::Duration::from_secs(5)).await;
    }
    Ok(summary.exit_code)
}

/// Ctrl-C and SIGTERM cancel the run (its current step's process group gets SIGTERM, then SIGKILL).
fn watch_signals(cancel: CancellationToken) {
    tokio::spawn(async move {
        let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        eprintln!("flightdeck: cancelling the run (the current step gets SIGTERM, then SIGKILL after 5s)");
        cancel.cancel();
    });
}

/// `-p name=value` pairs.
pub fn parse_params(raw: &[String]) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    for p in raw {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| Error::Invalid(format!("-p {p:?}: write parameters as NAME=VALUE")))?;
        if out.insert(k.trim().to_string(), v.to_string()).is_some() {
            return Err(Error::Invalid(format!("parameter {:?} given twice", k.trim())));
        }
    }
    Ok(out)
}
