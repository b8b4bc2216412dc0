//! `flightdeck load URL ...`: runs the load engine headless, prints an oha-like summary (or JSON
//! with oha's field names), saves the result in the store, applies `--baseline` and
//! `--save-baseline`, and exits 7 when a threshold or a baseline comparison fails.

use std::io::IsTerminal;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::cli::LoadArgs;
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::load::{self, Ended, LoadPlan, LoadSpec, Snapshot};

/// Runs `flightdeck load`.
pub async fn load(ctx: &Project, a: LoadArgs) -> Result<i32, Error> {
    let spec = spec_of(&a);
    let plan = spec.plan().map_err(|e| Error::Invalid(e.to_string()))?;
    confirm_target(ctx, &a, &plan)?;
    let store = ctx.store()?;
    let (progress, view) = watch::channel(Snapshot::default());
    let view_done = CancellationToken::new();
    let cancel = CancellationToken::new();
    let live = a.tui.then(|| {
        tokio::spawn(crate::tui::live::watch_load(
            view,
            plan.target.url.clone(),
            cancel.clone(),
            view_done.clone(),
        ))
    });
    let on_signal = cancel.clone();
    let shutdown = ctx.shutdown.clone();
    shutdown.handle();
    let signal = tokio::spawn(async move {
        shutdown.wait().await;
        on_signal.cancel();
    });
    let result = load::run(plan, progress, cancel).await;
    signal.abort();
    view_done.cancel();
    if let Some(live) = live
        && let Err(e) = live.await
    {
        tracing::warn!(error = %e, "the live load view ended abnormally");
    }
    let mut report = result.map_err(|e| Error::Invalid(e.to_string()))?;
    load::spec::settle(&store, &spec, &mut report, None).map_err(|e| Error::Invalid(e.to_string()))?;
    let json = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
    if let Some(path) = &a.output {
        std::fs::write(path, format!("{json}\n"))
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    }
    if a.json {
        crate::outln!("{json}");
    } else {
        crate::out!("{}", load::summary::text(&report));
    }
    if report.nothing_answered() {
        crate::errln!("flightdeck: load: {}", report.failure_text());
    }
    Ok(match report.ended {
        Ended::Cancelled => exit::CANCELLED,
        _ if !report.passed() => exit::THRESHOLD,
        _ => exit::OK,
    })
}

fn spec_of(a: &LoadArgs) -> LoadSpec {
    LoadSpec {
        url: a.url.clone(),
        connections: Some(a.connections),
        duration: a.duration.clone(),
        requests: a.requests,
        rate: a.rate,
        method: Some(a.method.clone()),
        headers: a.headers.clone(),
        body: a.body.clone(),
        threads: a.threads,
        http2: a.http2,
        profile: a.profile.clone(),
        thresholds: a.thresholds.clone(),
        abort_on_fail: a.abort_on_fail,
        timeout: a.timeout.clone(),
        baseline: a.baseline.clone(),
        save_baseline: a.save_baseline.clone(),
        tolerance: Some(a.tolerance),
        insecure: a.insecure,
        cacert: a.cacert.as_ref().map(|p| p.display().to_string()),
    }
}

/// A non-loopback target in a production environment needs `--yes` or the environment's phrase
/// typed on a terminal.
fn confirm_target(ctx: &Project, a: &LoadArgs, plan: &LoadPlan) -> Result<(), Error> {
    let Some(name) = &a.env else { return Ok(()) };
    let env = ctx.config.environment(name).map_err(Error::Invalid)?;
    if !env.production || plan.target.is_loopback() || a.yes {
        return Ok(());
    }
    let phrase = env.confirm_phrase.clone().unwrap_or_else(|| "yes".into());
    let refuse = || {
        Error::Precondition(format!(
            "{} is outside this host and {name} is a production environment: pass --yes, or run on a \
             terminal and type {phrase:?}",
            plan.target.url
        ))
    };
    if !std::io::stdin().is_terminal() {
        return Err(refuse());
    }
    crate::err!("Load-test {} in production ({name})? Type {phrase:?} to go on: ", plan.target.url);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| Error::io("cannot read the confirmation", e))?;
    if line.trim() == phrase { Ok(()) } else { Err(refuse()) }
}
