//! The hidden prompt of `secret = { ensure = [...] }` for a secret with `create = "prompt"` (a third
//! party's API token, which cannot be generated): the step waits, the way a gate waits, for the
//! value typed by the run's operator on an attached client (`flightdeck run`/`attach` with echo
//! off, or the console's masked dialog).
//!
//! The event that opens the prompt is a `StepProgress` naming only the prompt id
//! (`STEP#ATTEMPT/SECRET`), the secret and the environment. The value arrives only as a
//! [`Decision::SecretValue`] on the runner socket: it is never journaled, sent in an event, audited
//! or logged, and is wiped from memory once written. Only the uid that started the run may answer;
//! anyone else is refused, and the refusal is audited without the value. A value shorter than
//! [`MIN_LEN`] is refused and the prompt opens again. A cancelled run, or a runner killed while it
//! waits, wrote nothing: resuming the run asks again.

use serde_json::{Value, json};

use crate::engine::event::{Decision, RunStatus, SecretText, StepStatus, Stream};
use crate::engine::{Reply, Stamped, StepCx};
use crate::runner::prompt::{CLOSED, OPEN};
use crate::secrets::MIN_LEN;
use crate::store::RunUpdate;

/// Waits for the value of secret `name` in environment `env`, typed at a hidden prompt. An error
/// says why no value came (no one can answer here, the run was cancelled, nobody is left).
pub(crate) async fn ask(cx: &mut StepCx, name: &str, env: &str) -> Result<SecretText, String> {
    let opts = &cx.shared.plan.options;
    if !opts.interactive && !opts.wait_approvals {
        return Err(format!(
            "secret `{name}` is missing and is typed at a hidden prompt (create = \"prompt\"), but no one can answer here: \
             run the workflow on a terminal (or in the console), or create it first with \
             `flightdeck secrets create {name} --env {env}`"
        ));
    }
    let id = format!("{}#{}/{name}", cx.step_id(), cx.attempt());
    let operator = cx.shared.operator.clone();
    cx.log(
        Stream::System,
        format!(
            "secret {name}: missing; waiting for its value at a hidden prompt (only {} may answer)",
            operator.name
        ),
    )
    .await;
    set_waiting(cx, true).await?;
    let mut again: Option<String> = None;
    let result = loop {
        cx.progress(opened(&id, name, env, &operator.name, again.take().as_deref())).await;
        match next_value(cx, &id, name, env).await {
            Ok(Some(v)) => break Ok(v),
            Ok(None) => again = Some(format!("the value was shorter than {MIN_LEN} characters")),
            Err(e) => break Err(e),
        }
    };
    cx.progress(json!({ CLOSED: id })).await;
    set_waiting(cx, false).await?;
    result
}

/// The data of the event that opens (or re-opens) the prompt: no value, ever.
fn opened(id: &str, name: &str, env: &str, operator: &str, again: Option<&str>) -> Value {
    json!({ OPEN: {
        "id": id, "secret": name, "environment": env, "operator": operator,
        "min_length": MIN_LEN, "again": again,
    } })
}

/// Marks the step and the run waiting (or running again), committed before the prompt shows.
async fn set_waiting(cx: &mut StepCx, waiting: bool) -> Result<(), String> {
    let (step, run) = if waiting {
        (StepStatus::Waiting, RunStatus::Waiting)
    } else {
        (StepStatus::Running, RunStatus::Running)
    };
    cx.record.status = step;
    let update = RunUpdate { status: run, finished_at: None, exit_code: None, message: None };
    cx.shared.store.record(None, Some(update), Some(&cx.record)).await.map_err(|e| format!("store: {e}"))
}

/// The next answer: `Some(value)` when the operator gave an acceptable one, `None` when theirs was
/// too short (asked again); other answers are refused and the wait goes on.
async fn next_value(cx: &mut StepCx, id: &str, name: &str, env: &str) -> Result<Option<SecretText>, String> {
    let shared = std::sync::Arc::clone(&cx.shared);
    loop {
        let mut decisions = shared.decisions.lock().await;
        let d = tokio::select! {
            d = decisions.recv() => d,
            () = shared.cancel.cancelled() => return Err(format!("cancelled while waiting for the value of secret `{name}`")),
        };
        drop(decisions);
        let Some(Stamped { decision, by, reply }) = d else {
            return Err(format!("secret `{name}`: nobody is left to type its value"));
        };
        let answer = |r: Reply| {
            if let Some(tx) = reply {
                let _ = tx.send(r);
            }
        };
        let (prompt, value) = match decision {
            Decision::SecretValue { prompt, value } if prompt.is_empty() || prompt == id => (prompt, value),
            other => {
                let why = format!("the run is waiting for the value of secret `{name}` (prompt {id})");
                shared.audit_refused(&by, &other, &why).await;
                answer(Reply::refused(format!("not taken: {why}")));
                continue;
            }
        };
        let detail =
            |reason: &str| json!({ "prompt": id, "secret": name, "environment": env, "reason": reason });
        if by.uid != shared.operator.uid {
            let why = format!(
                "only {} (uid {}), who started run {}, may give the value of secret `{name}`",
                shared.operator.name, shared.operator.uid, shared.run_id
            );
            let _ = shared.audit_as(&by, "secret.prompt.refused", detail(&why)).await;
            answer(Reply::refused(format!("not taken: {why}")));
            drop((prompt, value));
            continue;
        }
        if value.expose().chars().count() < MIN_LEN {
            let why = format!("the value is shorter than {MIN_LEN} characters");
            let _ = shared.audit_as(&by, "secret.prompt.refused", detail(&why)).await;
            answer(Reply::refused(format!("not taken: {why}; type it again")));
            return Ok(None);
        }
        answer(Reply::counted(format!("value of secret `{name}` received")));
        return Ok(Some(value));
    }
}
