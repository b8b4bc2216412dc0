//! `load = { url, connections, duration, rate, profile, thresholds = [...], baseline, ... }`: runs
//! a load test (see `load::LoadSpec` for every key), sends its snapshots as `StepProgress` (at most
//! two a second), logs the summary, writes outputs (`rps`, `p50`, `p95`, `p99`, `error_rate`,
//! `requests`, `verdict`) and fails when a threshold or the baseline comparison fails. A target
//! outside this host in a production environment waits at a gate with the environment's phrase.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::load::{self, Ended, LoadSpec, Report, Snapshot};
use crate::steps::approve::ApproveSpec;
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

/// The `load` kind.
pub struct Load;

/// The fields that may hold templates.
const TEMPLATED: [&str; 5] = ["url", "profile", "duration", "baseline", "save_baseline"];

/// Progress events are sent at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

impl ActionKind for Load {
    fn key(&self) -> &'static str {
        "load"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        if !action.is_object() {
            return Err(
                "`load` must be a table, e.g. load = { url = \"{{ environment.url }}\", duration = \"30s\" }"
                    .into(),
            );
        }
        let spec: LoadSpec = serde_json::from_value(action.clone()).map_err(|e| format!("in `load`: {e}"))?;
        if spec.url.trim().is_empty() {
            return Err("`load` needs `url`, e.g. url = \"{{ environment.url }}\"".into());
        }
        // Check everything but the templated fields now.
        let mut probe = spec.clone();
        probe.url = "http://127.0.0.1/".into();
        for field in [&mut probe.profile, &mut probe.duration, &mut probe.baseline, &mut probe.save_baseline]
        {
            if field.as_deref().is_some_and(|v| v.contains("{{")) {
                *field = None;
            }
        }
        probe.plan().map_err(|e| format!("in `load`: {e}"))?;
        serde_json::to_value(&spec).map_err(|e| e.to_string())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        TEMPLATED
            .iter()
            .filter_map(|f| crate::steps::template_field(spec, f).map(|t| (format!("load.{f}"), t)))
            .collect()
    }

    fn describe(&self, spec: &Value) -> String {
        let get = |k: &str| {
            spec.get(k).filter(|v| !v.is_null()).map(|v| v.to_string().trim_matches('"').to_string())
        };
        let mut text = format!("load: {}", get("url").unwrap_or_default());
        for key in ["profile", "connections", "rate", "duration", "requests"] {
            if let Some(v) = get(key) {
                let _ = write!(text, " {key}={v}");
            }
        }
        text
    }
}

impl StepKind for Load {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match execute(spec, cx).await {
                Ok(outcome) | Err(outcome) => outcome,
            }
        })
    }
}

async fn execute(spec: &Value, cx: &mut StepCx) -> Result<StepOutcome, StepOutcome> {
    let mut spec: LoadSpec =
        serde_json::from_value(spec.clone()).map_err(|e| StepOutcome::failed(e.to_string()))?;
    spec.url = cx.render(&Template::new(&spec.url)).map_err(StepOutcome::failed)?;
    for field in [&mut spec.profile, &mut spec.duration, &mut spec.baseline, &mut spec.save_baseline] {
        if let Some(text) = field.as_mut() {
            *text = cx.render(&Template::new(text.as_str())).map_err(StepOutcome::failed)?;
        }
        // A template that renders empty (an optional parameter left blank) means "not given".
        if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *field = None;
        }
    }
    let plan = spec.plan().map_err(|e| StepOutcome::failed(e.to_string()))?;
    confirm(cx, &plan.target).await?;
    cx.started(&format!("load {}", plan.target.url)).await.map_err(|e| StepOutcome::failed(e.to_string()))?;
    let mut report = drive(cx, plan).await?;
    let run_id = cx.shared.run_id.clone();
    if let Err(e) = load::spec::settle(&cx.shared.store, &spec, &mut report, Some(&run_id)) {
        return Err(StepOutcome::failed(e.to_string()));
    }
    for line in load::summary::text(&report).lines() {
        cx.log(Stream::Stdout, line.to_string()).await;
    }
    write_outputs(cx, &report);
    Ok(match &report.ended {
        Ended::Cancelled if cx.shared.cancel.is_cancelled() => StepOutcome::Cancelled,
        Ended::Cancelled => StepOutcome::failed("the load test ran past the step's timeout"),
        _ if report.passed() => StepOutcome::Succeeded,
        _ => StepOutcome::failed(report.failure_text()),
    })
}

/// A production target outside this host passes a gate first.
async fn confirm(cx: &mut StepCx, target: &load::Target) -> Result<(), StepOutcome> {
    let env = &cx.shared.plan.environment;
    if !env.production || target.is_loopback() {
        return Ok(());
    }
    let gate = ApproveSpec {
        message: Template::new(format!("Load-test {} in production ({})", target.url, env.name)),
        phrase: env.confirm_phrase.as_deref().map(Template::new),
        choices: Vec::new(),
        default: None,
        facts: BTreeMap::new(),
    };
    match cx.gate(&gate).await {
        StepOutcome::Succeeded => Ok(()),
        other => Err(other),
    }
}

/// Runs the engine, forwarding snapshots as progress and stopping at the step's deadline.
async fn drive(cx: &mut StepCx, plan: load::LoadPlan) -> Result<Report, StepOutcome> {
    let (tx, mut rx) = watch::channel(Snapshot::default());
    let cancel = cx.shared.cancel.child_token();
    let far = tokio::time::Instant::now() + Duration::from_secs(86_400 * 365);
    let deadline = cx.deadline.unwrap_or(far);
    let run = load::run(plan, tx, cancel.clone());
    tokio::pin!(run);
    let mut last = tokio::time::Instant::now();
    let mut watching = true;
    loop {
        tokio::select! {
            r = &mut run => return r.map_err(|e| StepOutcome::failed(e.to_string())),
            changed = rx.changed(), if watching => {
                if changed.is_err() {
                    watching = false;
                } else if last.elapsed() >= PROGRESS_EVERY {
                    last = tokio::time::Instant::now();
                    let data = serde_json::to_value(&*rx.borrow_and_update()).unwrap_or(Value::Null);
                    cx.progress(data).await;
                }
            }
            () = tokio::time::sleep_until(deadline), if !cancel.is_cancelled() => cancel.cancel(),
        }
    }
}

fn write_outputs(cx: &mut StepCx, r: &Report) {
    let s = &r.stats;
    let figures = [
        ("rps", format!("{:.2}", s.rps_mean)),
        ("p50", format!("{:.3}", s.latency.p50)),
        ("p95", format!("{:.3}", s.latency.p95)),
        ("p99", format!("{:.3}", s.latency.p99)),
        ("error_rate", format!("{:.6}", s.error_rate)),
        ("requests", s.requests.to_string()),
        ("verdict", if r.passed() { "pass" } else { "fail" }.to_string()),
    ];
    for (k, v) in figures {
        cx.step_outputs.insert(k.to_string(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: &Value) -> Result<Value, String> {
        Load.parse(v, &BTreeMap::new())
    }

    #[test]
    fn parses_specs_and_names_mistakes() {
        let spec = parse(&json!({ "url": "{{ environment.url }}", "profile": "{{ params.profile }}", "thresholds": ["p95 < 500ms"] }))
            .unwrap();
        assert_eq!(Load.templates(&spec).len(), 2, "url and profile are templates");
        assert!(parse(&json!({ "url": "http://x/", "conections": 5 })).unwrap_err().contains("conections"));
        assert!(
            parse(&json!({ "url": "http://x/", "thresholds": ["p95 fast"] }))
                .unwrap_err()
                .contains("bad threshold")
        );
        assert!(
            parse(&json!({ "url": "http://x/", "profile": "hurricane" }))
                .unwrap_err()
                .contains("unknown profile")
        );
        assert!(parse(&json!({ "duration": "10s" })).unwrap_err().contains("needs `url`"));
        assert!(parse(&json!("http://x/")).unwrap_err().contains("must be a table"));
        let d = Load
            .describe(&parse(&json!({ "url": "http://x/", "connections": 8, "duration": "30s" })).unwrap());
        assert_eq!(d, "load: http://x/ connections=8 duration=30s");
    }
}
