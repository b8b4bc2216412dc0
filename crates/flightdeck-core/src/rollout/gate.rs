//! A stage's gate: for `hold`, the `check` probes (every probe must pass) and the `traffic` load
//! test (its thresholds must pass) run side by side; the figures go to the log and the step outputs.

use std::time::Duration;

use tokio::sync::watch;

use crate::engine::StepOutcome;
use crate::event::Stream;
use crate::load::{self, Report, Snapshot};
use crate::rollout::deploy::Deploy;
use crate::rollout::ms;
use crate::verify::{CheckSpec, run_check};
use crate::workflow::template::Template;

/// The placeholder in `check.url` for each new container's port.
pub const PORT: &str = "{port}";

/// Holds the stage `label` under check and traffic; `ports` are the new containers' ports.
pub(crate) async fn hold(d: &mut Deploy<'_>, label: &str, ports: &[u16]) -> Result<(), String> {
    let hold = Duration::from_millis(ms(d.spec.hold.as_ref(), 0));
    let plan = traffic_plan(d, hold)?;
    let check = d.spec.check.clone();
    if plan.is_none() && check.is_none() {
        tokio::time::sleep(hold).await;
        return Ok(());
    }
    d.cx.log(Stream::System, format!("{label}: holding (check and traffic)")).await;
    let cancel = d.cx.shared.cancel.child_token();
    let load_cancel = cancel.clone();
    let traffic = async move {
        let plan = plan?;
        let (tx, _rx) = watch::channel(Snapshot::default());
        Some(load::run(plan, tx, load_cancel).await)
    };
    let cx = &mut *d.cx;
    let checks = async {
        if let Some(c) = &check {
            checks(c, cx, ports).await
        } else {
            tokio::time::sleep(hold).await;
            Ok(())
        }
    };
    let (report, checked) = tokio::join!(traffic, checks);
    let mut failures = Vec::new();
    if let Err(e) = checked {
        failures.push(e);
    }
    match report {
        Some(Ok(r)) => {
            if let Some(e) = figures(d, label, &r).await {
                failures.push(e);
            }
        }
        Some(Err(e)) => failures.push(format!("traffic: {e}")),
        None => {}
    }
    if failures.is_empty() { Ok(()) } else { Err(format!("{label}: {}", failures.join("; "))) }
}

/// The load test of this stage: the `traffic` spec, rendered, lasting `hold` unless it says otherwise.
fn traffic_plan(d: &Deploy<'_>, hold: Duration) -> Result<Option<load::LoadPlan>, String> {
    let Some(mut spec) = d.spec.traffic.clone() else { return Ok(None) };
    spec.url = d.cx.render(&Template::new(&spec.url))?;
    if spec.duration.is_none() && spec.requests.is_none() {
        let secs = if hold.is_zero() { 10_000 } else { hold.as_millis() };
        spec.duration = Some(format!("{secs}ms"));
    }
    spec.plan().map(Some).map_err(|e| format!("rollout traffic: {e}"))
}

/// Runs the check once, or once per new container when its url names `{port}`.
async fn checks(c: &CheckSpec, cx: &mut crate::engine::StepCx, ports: &[u16]) -> Result<(), String> {
    let per_port = c.url.as_ref().is_some_and(|u| u.source().contains(PORT));
    let runs: Vec<CheckSpec> = if per_port {
        ports
            .iter()
            .map(|p| {
                let mut one = c.clone();
                one.url = c.url.as_ref().map(|u| Template::new(u.source().replace(PORT, &p.to_string())));
                one
            })
            .collect()
    } else {
        vec![c.clone()]
    };
    for one in &runs {
        match run_check(one, cx).await {
            StepOutcome::Succeeded => {}
            StepOutcome::Failed(m) | StepOutcome::Rejected(m) | StepOutcome::Refused(m) => return Err(m),
            StepOutcome::Cancelled => return Err("cancelled".into()),
        }
    }
    Ok(())
}

/// Logs a stage's traffic, adds it to the totals; returns the failure, if a threshold failed.
async fn figures(d: &mut Deploy<'_>, label: &str, r: &Report) -> Option<String> {
    let s = &r.stats;
    let failed = s.errors + s.status.iter().filter(|(code, _)| **code >= 400).map(|(_, n)| *n).sum::<u64>();
    d.traffic.0 += s.requests;
    d.traffic.1 += failed;
    d.traffic.2 = d.traffic.2.max(s.latency.p99);
    let line = format!(
        "{label}: traffic {} requests, {failed} failed ({:.2}%), p99 {:.1} ms",
        s.requests,
        s.error_rate * 100.0,
        s.latency.p99
    );
    d.cx.log(Stream::System, line).await;
    (!r.passed()).then(|| r.failure_text())
}
