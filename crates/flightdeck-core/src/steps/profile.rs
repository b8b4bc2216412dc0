//! `profile = { pid | process | command, duration, frequency, call_graph, load = { ... },
//! baseline, save_baseline, regress }`: records a CPU profile with perf (see `profile::spec` for
//! every key), optionally while the load engine drives traffic, stores a flamegraph SVG beside
//! the run's logs, and writes outputs `svg`, `samples`, `top` (hottest function and its self
//! share), `top_function`, `top_share`, `profile_id`, `diff_svg` and, under load, `rps`. A function
//! whose share grew beyond `regress` against the baseline fails the step. In a production
//! environment `duration` is at most 120 s.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::profile::run::{Done, Place, profile};
use crate::profile::spec::TEMPLATED;
use crate::profile::{ProfileSpec, summary};
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

/// The `profile` kind.
pub struct Profile;

impl ActionKind for Profile {
    fn key(&self) -> &'static str {
        "profile"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        let spec = ProfileSpec::from_value(action)?;
        spec.check()?;
        serde_json::to_value(&spec).map_err(|e| e.to_string())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        let mut found: Vec<(String, Template)> = TEMPLATED
            .iter()
            .filter_map(|f| crate::steps::template_field(spec, f).map(|t| (format!("profile.{f}"), t)))
            .collect();
        if let Some(load) = spec.get("load") {
            for f in LOAD_TEMPLATED {
                if let Some(t) = crate::steps::template_field(load, f) {
                    found.push((format!("profile.load.{f}"), t));
                }
            }
        }
        found
    }

    fn describe(&self, spec: &Value) -> String {
        let get = |k: &str| spec.get(k).and_then(Value::as_str).map(str::to_string);
        let target = ["pid", "process", "command"]
            .iter()
            .find_map(|k| get(k).map(|v| format!("{k}={v}")))
            .unwrap_or_default();
        let mut text =
            format!("profile: {target} duration={}", get("duration").unwrap_or_else(|| "30s".into()));
        if let Some(url) = spec.get("load").and_then(|l| l.get("url")).and_then(Value::as_str) {
            let _ = write!(text, " load={url}");
        }
        text
    }

    fn mutates(&self) -> bool {
        false
    }
}

impl StepKind for Profile {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match execute(spec, cx).await {
                Ok(outcome) | Err(outcome) => outcome,
            }
        })
    }
}

/// The templated fields of `load`.
const LOAD_TEMPLATED: [&str; 5] = ["url", "profile", "duration", "baseline", "save_baseline"];

/// Renders every template of the spec (a blank result means "not given").
fn render(spec: &Value, cx: &StepCx) -> Result<ProfileSpec, StepOutcome> {
    let mut spec: ProfileSpec =
        serde_json::from_value(spec.clone()).map_err(|e| StepOutcome::failed(e.to_string()))?;
    let fields = [
        &mut spec.pid,
        &mut spec.process,
        &mut spec.command,
        &mut spec.duration,
        &mut spec.call_graph,
        &mut spec.baseline,
        &mut spec.save_baseline,
        &mut spec.regress,
    ];
    render_fields(cx, fields)?;
    if let Some(load) = spec.load.as_mut() {
        load.url = cx.render(&Template::new(&load.url)).map_err(StepOutcome::failed)?;
        render_fields(
            cx,
            [&mut load.profile, &mut load.duration, &mut load.baseline, &mut load.save_baseline],
        )?;
    }
    Ok(spec)
}

fn render_fields<const N: usize>(cx: &StepCx, fields: [&mut Option<String>; N]) -> Result<(), StepOutcome> {
    for field in fields {
        if let Some(text) = field.as_mut() {
            *text = cx.render(&Template::new(text.as_str())).map_err(StepOutcome::failed)?;
        }
        if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *field = None;
        }
    }
    Ok(())
}

async fn execute(spec: &Value, cx: &mut StepCx) -> Result<StepOutcome, StepOutcome> {
    let spec = render(spec, cx)?;
    let production = cx.shared.plan.environment.production;
    let settings = spec.settings(production).map_err(|e| StepOutcome::failed(e.to_string()))?;
    let target = settings.target.as_ref().map(crate::profile::perf::Target::label).unwrap_or_default();
    cx.started(&format!("profile {target}")).await.map_err(|e| StepOutcome::failed(e.to_string()))?;
    let secs = settings.duration.as_secs();
    cx.log(Stream::Stdout, format!("recording {target} at {} Hz for {secs}s", settings.frequency)).await;
    cx.progress(json!({ "phase": "recording", "target": target, "duration_s": secs })).await;
    let run = cx.shared.run_id.clone();
    let step = cx.step_id().to_string();
    let place = Place {
        run: Some(run.clone()),
        step: Some(step.clone()),
        dir: cx.shared.store.log_dir(&run),
        stem: format!("profile-{}", step.replace(['/', '.'], "-")),
    };
    let cancel = cx.shared.cancel.child_token();
    let done = match profile(&cx.shared.store, &settings, &place, &cancel).await {
        Ok(done) => done,
        Err(crate::profile::ProfileError::Cancelled) if cx.shared.cancel.is_cancelled() => {
            return Err(StepOutcome::Cancelled);
        }
        Err(e) => return Err(StepOutcome::failed(e.to_string())),
    };
    for line in summary::text(&done.report).lines() {
        cx.log(Stream::Stdout, line.to_string()).await;
    }
    if let Some(name) = &done.saved_as {
        cx.log(Stream::Stdout, format!("saved as baseline {name:?}")).await;
    }
    let top = serde_json::to_value(&done.report.top).unwrap_or(Value::Null);
    cx.progress(json!({ "phase": "done", "profile": done.id, "samples": done.report.samples, "top": top }))
        .await;
    write_outputs(cx, &done);
    Ok(match done.report.comparison.as_ref().filter(|c| !c.regressed.is_empty()) {
        None => StepOutcome::Succeeded,
        Some(c) => StepOutcome::failed(format!(
            "profile regression against baseline {:?}: {} (share grew by more than {}pp)",
            c.baseline,
            c.regressed
                .iter()
                .take(5)
                .map(|n| crate::sanitize::one_line(n).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
            c.regress_pp
        )),
    })
}

fn write_outputs(cx: &mut StepCx, done: &Done) {
    let r = &done.report;
    let hot = r.hottest();
    let mut outputs = vec![
        ("svg", r.svg.clone().unwrap_or_default()),
        ("samples", r.samples.to_string()),
        ("top", summary::top_output(r)),
        ("top_function", hot.map(|f| f.name.clone()).unwrap_or_default()),
        ("top_share", hot.map(|f| format!("{:.1}", f.self_pct)).unwrap_or_default()),
        ("profile_id", done.id.to_string()),
        ("diff_svg", r.comparison.as_ref().and_then(|c| c.diff_svg.clone()).unwrap_or_default()),
        ("verdict", if r.passed() { "pass" } else { "fail" }.to_string()),
    ];
    if let Some(l) = &r.load {
        outputs.push(("rps", format!("{:.2}", l.rps)));
        outputs.push(("p99", format!("{:.3}", l.p99)));
    }
    for (k, v) in outputs {
        cx.step_outputs.insert(k.to_string(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_describes_and_lists_templates() {
        let spec = Profile
            .parse(
                &json!({ "pid": "{{ steps.up.outputs.pid }}", "duration": "10s", "load": { "url": "{{ environment.url }}/" }, "baseline": "{{ params.base }}" }),
                &BTreeMap::new(),
            )
            .unwrap();
        let names: Vec<String> = Profile.templates(&spec).into_iter().map(|(f, _)| f).collect();
        assert_eq!(names, ["profile.pid", "profile.duration", "profile.baseline", "profile.load.url"]);
        assert_eq!(
            Profile.describe(&spec),
            "profile: pid={{ steps.up.outputs.pid }} duration=10s load={{ environment.url }}/"
        );
        let e = Profile.parse(&json!({ "pid": 1, "command": "x" }), &BTreeMap::new()).unwrap_err();
        assert!(e.contains("exactly one target"), "{e}");
    }
}
