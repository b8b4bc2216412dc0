//! `flightdeck show RUN`: a run and its steps as text or JSON, from the store or through the runner.

use std::fmt::Write as _;

use serde_json::json;

use crate::cli::ShowArgs;
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::headless::history::History;
use crate::store::records::{RunRecord, StepRecord};
use crate::time::human_duration;

fn print_json(v: &impl serde::Serialize) -> Result<i32, Error> {
    let text =
        serde_json::to_string_pretty(v).map_err(|e| Error::Invalid(format!("cannot print JSON: {e}")))?;
    crate::outln!("{text}");
    Ok(exit::OK)
}

/// `flightdeck show RUN`: the run and its steps, from the store or through the runner.
pub async fn show_run(ctx: &Project, a: &ShowArgs, not_workflow: String) -> Result<i32, Error> {
    let Ok(mut history) = History::open(ctx, "show").await else { return Err(Error::Invalid(not_workflow)) };
    let (mut run, steps) = match history.run(&a.workflow).await {
        Ok(found) => found,
        Err(Error::Invalid(_)) => {
            return Err(Error::Invalid(format!(
                "{not_workflow}; it is not a run id either (see `flightdeck runs`)"
            )));
        }
        Err(e) => return Err(e),
    };
    // The plan is for `resume`, not for people (and can be tens of kB).
    run.plan_json.clear();
    if a.json {
        return print_json(&json!({ "run": run, "steps": steps }));
    }
    crate::out!("{}", describe_run(&run, &steps));
    Ok(exit::OK)
}

/// A run and its steps as text.
pub fn describe_run(r: &RunRecord, steps: &[StepRecord]) -> String {
    let mut out = format!("{} — {} ({})\n", r.id, r.title, r.workflow);
    let prod = if r.production { " (production)" } else { "" };
    let code = r.exit_code.map_or_else(String::new, |c| format!("  exit {c}"));
    let _ = writeln!(
        out,
        "  environment {}{prod}  mode {}  status {}{code}",
        r.environment,
        r.mode,
        r.status.as_str()
    );
    let _ =
        writeln!(out, "  operator {} (uid {})  host {}  life {}", r.operator, r.operator_uid, r.host, r.life);
    let took =
        r.finished_at.map_or_else(|| "…".to_string(), |f| human_duration(f.millis_since(r.started_at)));
    let fin = r.finished_at.map_or_else(|| "-".to_string(), crate::time::Micros::to_rfc3339);
    let _ = writeln!(out, "  started {}  finished {fin}  took {took}", r.started_at.to_rfc3339());
    if let Some(m) = &r.message {
        let _ = writeln!(out, "  message: {}", crate::sanitize::one_line(m));
    }
    out.push_str("steps:\n");
    for s in steps {
        let took = match (s.started_at, s.finished_at) {
            (Some(a), Some(b)) => human_duration(b.millis_since(a)),
            (Some(_), None) => "…".to_string(),
            _ => "-".to_string(),
        };
        let code = s.exit_code.map_or_else(|| "-".to_string(), |c| c.to_string());
        let msg =
            s.message.as_deref().map(|m| format!("  {}", crate::sanitize::one_line(m))).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:>2}. {:<20} {:<12} attempt {}  exit {code:<4} {took}{msg}",
            s.idx + 1,
            s.step,
            s.status.as_str(),
            s.attempt
        );
    }
    out
}
