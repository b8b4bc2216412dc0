//! A gate that was open when the runner died is asked again as a new instance (`STEP#ATTEMPT`), so
//! the answers its earlier instance received do not count any more (an answer counts only for the
//! instance open when it arrives). That must not happen silently: the approver was told "counted".
//! Before the new instance waits, its log says which answers the earlier one had, and the audit
//! log records that they were dropped and the gate asked again.

use serde_json::json;

use crate::engine::context::StepCx;
use crate::engine::event::{Approval, EventKind, Stream};

/// The answers the instance before `attempt` of `step` received in an earlier life.
fn earlier_answers(cx: &StepCx, step: &str, attempt: u32) -> (String, Vec<Approval>) {
    let gate = format!("{step}#{}", attempt.saturating_sub(1));
    let journal = cx.shared.store.journal(&cx.shared.run_id).unwrap_or_default();
    let answers = journal
        .into_iter()
        .filter(|e| e.life < cx.shared.life)
        .filter_map(|e| match e.kind {
            EventKind::GateAnswered { gate: g, approval, .. } if g == gate => Some(approval),
            _ => None,
        })
        .collect();
    (gate, answers)
}

/// Tells (log line, audit entry) that gate `gate` is asked again after a crash, if the earlier
/// instance had received answers.
pub(crate) async fn announce(cx: &mut StepCx, gate: &str) {
    if cx.shared.life < 2 || cx.record.attempt < 2 {
        return;
    }
    let step = cx.step_id().to_string();
    let (old, answers) = earlier_answers(cx, &step, cx.record.attempt);
    if answers.is_empty() {
        return;
    }
    let who: Vec<String> = answers
        .iter()
        .map(|a| format!("{} ({})", a.name, if a.approved { "approved" } else { "rejected" }))
        .collect();
    let line = format!(
        "the runner died while gate {old} was open; its {} answer(s) ({}) do not count for {gate}: \
         answer again (`flightdeck approve {}`)",
        answers.len(),
        who.join(", "),
        cx.shared.run_id
    );
    cx.log(Stream::System, line).await;
    let detail = json!({ "step": step, "dropped_gate": old, "gate": gate, "answers": answers });
    if let Err(e) = cx.shared.audit("gate.asked_again", detail).await {
        tracing::warn!("auditing a gate asked again: {e}");
    }
}
