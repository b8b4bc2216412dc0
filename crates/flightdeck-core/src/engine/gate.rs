//! Approval gates: who may approve, how many distinct people, typed phrases and choices, `--yes`,
//! auto-approve, emergency bypass, timeouts.
//!
//! A gate instance counts only the decisions that reach it on the engine's channel while it is open,
//! each stamped by the runner with the socket peer's identity (`SO_PEERCRED`). Rows in the store's
//! approvals table are a record of those answers, never read back: a row inserted by anyone else
//! counts for nothing. Every answer is audited, counted or refused, with the reason, and a passing
//! gate audits the approvals that made it pass.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::engine::Reply;
use crate::engine::context::{StepCx, StepOutcome};
use crate::engine::event::{Decision, EventKind, GateForm, GateInfo, RunStatus, StepStatus};
use crate::identity::Operator;
use crate::store::RunUpdate;
use crate::store::records::ApprovalRecord;
use crate::time::{Micros, now};
use crate::workflow::plan::Mode;

mod reopen;
mod spec;
mod tally;

pub use spec::ApproveSpec;

use tally::{Tally, Verdict};

pub(crate) async fn run_gate(cx: &mut StepCx, spec: &ApproveSpec) -> StepOutcome {
    let info = match build_info(cx, spec) {
        Ok(i) => i,
        Err(e) => return StepOutcome::failed(e),
    };
    if let Err(e) = cx.started(&format!("gate: {}", info.message)).await {
        return StepOutcome::failed(format!("store: {e}"));
    }
    reopen::announce(cx, &info.gate).await;
    let mut tally = Tally::new(&info, &cx.shared.plan.environment, cx.shared.operator.uid);
    if let Some(outcome) = bypass(cx, &info, &tally).await {
        return outcome;
    }
    let opts = cx.shared.plan.options.clone();
    if opts.yes || cx.shared.plan.environment.auto_approve {
        let decision = implicit_answer(&info);
        // `--yes` is the approval of whoever passed it (a colleague's `resume --yes` never approves
        // in the operator's name); the environment's auto-approve is the operator's.
        let by = if opts.yes { cx.shared.yes_by.clone() } else { cx.shared.operator.clone() };
        if let (Some(done), _) = answer(cx, &info, &mut tally, &decision, &by).await {
            return done;
        }
    }
    if tally.satisfied() {
        return pass(cx, &info, &tally).await;
    }
    if !opts.interactive && !opts.wait_approvals {
        return StepOutcome::Rejected(format!(
            "gate {} needs {} approval(s) and no one can answer here: run on a terminal, pass --yes, or --wait-approvals and `flightdeck approve {}`",
            info.gate,
            tally.missing(),
            cx.shared.run_id
        ));
    }
    wait(cx, info, tally).await
}

fn build_info(cx: &StepCx, spec: &ApproveSpec) -> Result<GateInfo, String> {
    let env = &cx.shared.plan.environment;
    // A dry run skips the steps whose outputs a gate's text names, and passes the gate unasked:
    // text that cannot be rendered there is shown as written instead of failing the run.
    let dry = cx.shared.plan.options.mode == Mode::DryRun;
    let render = |t: &crate::workflow::template::Template| match cx.render(t) {
        Err(_) if dry => Ok(t.source().to_string()),
        other => other,
    };
    let form = if let Some(p) = &spec.phrase {
        GateForm::Phrase { phrase: render(p)? }
    } else if !spec.choices.is_empty() {
        GateForm::Choice { choices: spec.choices.clone(), default: spec.default.clone() }
    } else if let Some(p) = &env.confirm_phrase {
        GateForm::Phrase { phrase: p.clone() }
    } else {
        GateForm::YesNo { default_yes: spec.default.as_deref() == Some("yes") }
    };
    // Facts describe the action; one that cannot be rendered (a skipped step's output) shows as "?".
    let mut facts = BTreeMap::new();
    for (k, t) in &spec.facts {
        facts.insert(k.clone(), cx.render(t).unwrap_or_else(|_| "?".into()));
    }
    facts.entry("environment".into()).or_insert_with(|| env.name.clone());
    facts.entry("workflow".into()).or_insert_with(|| cx.shared.plan.workflow.clone());
    let deadline = env
        .approval_timeout_ms()
        .map(|ms| Micros(now().0 + i64::try_from(ms).unwrap_or(i64::MAX / 2) * 1000));
    Ok(GateInfo {
        gate: format!("{}#{}", cx.step_id(), cx.attempt()),
        step: cx.step_id().to_string(),
        message: render(&spec.message)?,
        form,
        facts,
        required: env.approvals,
        approvals: Vec::new(),
        deadline,
        self_approval: env.allow_self_approval,
    })
}

/// Dry runs and emergency mode pass gates without asking; each bypass is recorded and audited.
async fn bypass(cx: &mut StepCx, info: &GateInfo, tally: &Tally) -> Option<StepOutcome> {
    let plan = &cx.shared.plan;
    let reason = match plan.options.mode {
        Mode::DryRun => "dry run: gate not asked".to_string(),
        Mode::Emergency => {
            let why = plan.options.emergency_reason.clone().unwrap_or_default();
            if tally.operator_alone_suffices() {
                format!("emergency: {why}")
            } else if plan.environment.break_glass {
                format!("emergency (break glass, {} approval(s) waived): {why}", info.required)
            } else {
                return None;
            }
        }
        Mode::Interactive | Mode::Automated => return None,
    };
    let kind = EventKind::GateBypassed { gate: info.gate.clone(), reason: reason.clone() };
    if let Err(e) = cx.shared.emit(kind, None, None).await {
        return Some(StepOutcome::failed(format!("store: {e}")));
    }
    if plan.options.mode == Mode::Emergency {
        let detail = json!({ "gate": info.gate, "reason": reason, "required": info.required });
        if let Err(e) = cx.shared.audit("gate.bypass", detail).await {
            return Some(StepOutcome::failed(format!("store: {e}")));
        }
    }
    if let GateForm::Choice { choices, default } = &info.form {
        let pick = default.clone().or_else(|| choices.first().cloned()).unwrap_or_default();
        cx.step_outputs.insert("choice".into(), pick);
    }
    Some(StepOutcome::Succeeded)
}

/// The answer `--yes` or auto-approve gives on the operator's behalf.
fn implicit_answer(info: &GateInfo) -> Decision {
    let gate = info.gate.clone();
    match &info.form {
        GateForm::YesNo { .. } => Decision::Approve { gate, comment: Some("--yes".into()) },
        GateForm::Phrase { phrase } => Decision::Phrase { gate, text: phrase.clone() },
        GateForm::Choice { choices, default } => Decision::Choose {
            gate,
            option: default.clone().or_else(|| choices.first().cloned()).unwrap_or_default(),
        },
    }
}

/// Applies a decision stamped with who made it; audits it, counted or refused, with the reason.
/// Returns the outcome if it ends the gate, and the reply for its sender.
async fn answer(
    cx: &mut StepCx,
    info: &GateInfo,
    tally: &mut Tally,
    d: &Decision,
    by: &Operator,
) -> (Option<StepOutcome>, Reply) {
    let Some(row) = tally::record_for(d, info, &cx.shared.run_id, by) else {
        let reason = format!("the run is waiting at gate {}", info.gate);
        cx.shared.audit_refused(by, d, &reason).await;
        return (None, Reply::refused(reason));
    };
    let id = match cx.shared.store.add_approval(&row).await {
        Ok(id) => id,
        Err(e) => {
            return (Some(StepOutcome::failed(format!("store: {e}"))), Reply::refused(format!("store: {e}")));
        }
    };
    let row = ApprovalRecord { id, ..row };
    let verdict = tally.consider(&row);
    let reply = reply_for(&verdict, info, tally);
    let action = if row.decision == "reject" { "gate.reject" } else { "gate.approve" };
    let detail = json!({
        "gate": info.gate, "decision": row.decision, "value": row.value, "comment": row.comment,
        "counted": reply.counted, "reason": reply.message,
    });
    if let Err(e) = cx.shared.audit_as(by, action, detail).await {
        return (Some(StepOutcome::failed(format!("store: {e}"))), reply);
    }
    (report(cx, info, tally, &row, verdict).await, reply)
}

/// What the sender of an answer is told.
fn reply_for(verdict: &Verdict, info: &GateInfo, tally: &Tally) -> Reply {
    match verdict {
        Verdict::Counted => Reply::counted(format!(
            "counted at gate {}: {} of {} approval(s)",
            info.gate,
            tally.approvals().len(),
            info.required.max(1)
        )),
        Verdict::Rejected => Reply::counted(format!("gate {} rejected", info.gate)),
        Verdict::NotCounted(why) => Reply::refused(format!("not counted at gate {}: {why}", info.gate)),
        Verdict::PhraseMismatch => Reply::refused(format!(
            "not counted at gate {}: the answer does not match what the gate asks (exact phrase or a listed choice)",
            info.gate
        )),
    }
}

/// Reports one considered answer; returns the outcome if it ends the gate.
async fn report(
    cx: &mut StepCx,
    info: &GateInfo,
    tally: &Tally,
    row: &ApprovalRecord,
    verdict: Verdict,
) -> Option<StepOutcome> {
    let approval = tally::approval_of(row);
    let kind = match &verdict {
        Verdict::PhraseMismatch => {
            EventKind::GatePhraseMismatch { gate: info.gate.clone(), operator: row.name.clone() }
        }
        _ => EventKind::GateAnswered { gate: info.gate.clone(), approval, remaining: tally.missing() },
    };
    if let Err(e) = cx.shared.emit(kind, None, None).await {
        return Some(StepOutcome::failed(format!("store: {e}")));
    }
    if let Verdict::NotCounted(why) = &verdict {
        cx.log(crate::engine::event::Stream::System, format!("{}: {why}", row.name)).await;
    }
    match verdict {
        Verdict::Rejected => Some(StepOutcome::Rejected(format!(
            "rejected by {}{}",
            row.name,
            row.comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default()
        ))),
        _ if tally.satisfied() => Some(pass(cx, info, tally).await),
        _ => None,
    }
}

/// The gate passes: records the choice and who approved, and audits which approvals made it pass.
async fn pass(cx: &mut StepCx, info: &GateInfo, tally: &Tally) -> StepOutcome {
    if let Some(choice) = &tally.choice {
        cx.step_outputs.insert("choice".into(), choice.clone());
    }
    cx.step_outputs.insert("approved_by".into(), tally.approver_names().join(","));
    let approvers: Vec<_> =
        tally.approvals().iter().map(|a| json!({ "uid": a.uid, "name": a.name })).collect();
    let detail = json!({ "gate": info.gate, "required": info.required, "approvals": approvers });
    if let Err(e) = cx.shared.audit("gate.pass", detail).await {
        return StepOutcome::failed(format!("store: {e}"));
    }
    StepOutcome::Succeeded
}

async fn wait(cx: &mut StepCx, mut info: GateInfo, mut tally: Tally) -> StepOutcome {
    info.approvals = tally.approvals();
    cx.record.status = StepStatus::Waiting;
    let run = RunUpdate { status: RunStatus::Waiting, finished_at: None, exit_code: None, message: None };
    let kind = EventKind::GateWaiting { info: info.clone() };
    if let Err(e) = cx.shared.emit(kind, Some(run), Some(&cx.record)).await {
        return StepOutcome::failed(format!("store: {e}"));
    }
    let outcome = wait_loop(cx, &info, &mut tally).await;
    cx.record.status = StepStatus::Running;
    let back = RunUpdate { status: RunStatus::Running, finished_at: None, exit_code: None, message: None };
    if let Err(e) = cx.shared.store.record(None, Some(back), Some(&cx.record)).await {
        return StepOutcome::failed(format!("store: {e}"));
    }
    outcome
}

async fn wait_loop(cx: &mut StepCx, info: &GateInfo, tally: &mut Tally) -> StepOutcome {
    let shared = std::sync::Arc::clone(&cx.shared);
    let cancel = shared.cancel.clone();
    let timeout = info.deadline.map(|d| {
        let ms = u64::try_from(d.millis_since(now())).unwrap_or(0);
        tokio::time::Instant::now() + Duration::from_millis(ms)
    });
    loop {
        let mut decisions = shared.decisions.lock().await;
        tokio::select! {
            d = decisions.recv() => {
                drop(decisions);
                let Some(d) = d else {
                    return StepOutcome::Rejected(format!("gate {}: nobody is left to answer", info.gate));
                };
                if tally::gate_of(&d.decision) != Some(info.gate.as_str()) {
                    let msg = format!("not counted: the open gate is {}, not {:?}", info.gate, tally::gate_of(&d.decision).unwrap_or("(not a gate answer)"));
                    d.answer(Reply::refused(msg));
                    continue;
                }
                let (done, reply) = answer(cx, info, tally, &d.decision, &d.by).await;
                d.answer(reply);
                if let Some(done) = done { return done; }
            }
            () = crate::engine::sleep_until_opt(timeout) => {
                return StepOutcome::Rejected(format!("gate {} timed out waiting for approvals", info.gate));
            }
            () = cancel.cancelled() => return StepOutcome::Cancelled,
        }
    }
}
