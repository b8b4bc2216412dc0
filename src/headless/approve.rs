//! `flightdeck approve RUN [GATE]`: records an approval, rejection, typed phrase or choice in the
//! store from any terminal on the host; the waiting engine picks it up within a second.

use serde_json::json;

use crate::cli::ApproveArgs;
use crate::engine::event::StepStatus;
use crate::error::{Error, exit};
use crate::headless::Ctx;
use crate::identity::Operator;
use crate::store::NewAudit;
use crate::store::records::ApprovalRecord;
use crate::time::now;

/// Records one answer at a gate.
pub async fn approve(ctx: &Ctx, a: &ApproveArgs) -> Result<i32, Error> {
    let store = ctx.store()?;
    let run = store
        .run(&a.run)?
        .ok_or_else(|| Error::Invalid(format!("no run {:?}: see `flightdeck runs`", a.run)))?;
    if run.status.is_final() {
        return Err(Error::Precondition(format!("run {} already ended ({})", run.id, run.status.as_str())));
    }
    let gate = match &a.gate {
        Some(g) => g.clone(),
        None => waiting_gate(&store, &run.id)?,
    };
    let op = Operator::current();
    let (decision, value) = if a.reject {
        ("reject", None)
    } else if let Some(p) = &a.phrase {
        ("phrase", Some(p.clone()))
    } else if let Some(c) = &a.choose {
        ("choose", Some(c.clone()))
    } else {
        ("approve", None)
    };
    let row = ApprovalRecord {
        id: 0,
        run: run.id.clone(),
        gate: gate.clone(),
        uid: op.uid,
        name: op.name.clone(),
        decision: decision.to_string(),
        value: value.clone(),
        comment: a.comment.clone(),
        at: now(),
    };
    store.add_approval(&row).await?;
    let action = if a.reject { "gate.reject" } else { "gate.approve" };
    let detail = json!({ "gate": gate, "decision": decision, "value": value, "comment": a.comment, "from": "flightdeck approve" });
    store
        .audit(NewAudit {
            at: now(),
            uid: op.uid,
            actor: op.name.clone(),
            action: action.into(),
            run: Some(run.id.clone()),
            detail,
        })
        .await?;
    crate::outln!(
        "recorded {decision} of {gate} on run {} by {} (uid {}); the run picks it up within a second",
        run.id,
        op.name,
        op.uid
    );
    Ok(exit::OK)
}

/// The gate a run is waiting at, as `STEP#ATTEMPT`.
fn waiting_gate(store: &crate::store::Store, run: &str) -> Result<String, Error> {
    store
        .steps(run)?
        .iter()
        .find(|s| s.status == StepStatus::Waiting)
        .map(|s| format!("{}#{}", s.step, s.attempt))
        .ok_or_else(|| {
            Error::Precondition(format!("run {run} is not waiting at a gate; name one as STEP#ATTEMPT"))
        })
}
