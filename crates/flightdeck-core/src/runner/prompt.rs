//! Secret prompts as the runner sees them: which prompt a live run has open (followed from the
//! engine's `StepProgress` events, which name only the secret and the environment), and the check
//! that a typed value ([`Decision::SecretValue`]) answers the prompt open now. The value itself is
//! never logged or audited here: refusals are recorded with [`Decision::for_record`].

use serde_json::Value;

use crate::engine::Decision;
use crate::runner::live::LiveRun;

/// The `StepProgress` data key that opens a prompt: `{"secret_prompt": {"id", "secret", ...}}`.
pub const OPEN: &str = "secret_prompt";
/// The `StepProgress` data key that closes one: `{"secret_prompt_closed": "ID"}`.
pub const CLOSED: &str = "secret_prompt_closed";

/// What a progress event does to the open prompt: `Some(Some(id))` opens `id`, `Some(None)` closes
/// it, `None` leaves it.
pub fn change(data: &Value) -> Option<Option<String>> {
    if let Some(id) = data.get(OPEN).and_then(|p| p.get("id")).and_then(Value::as_str) {
        return Some(Some(id.to_string()));
    }
    data.get(CLOSED).map(|_| None)
}

/// Fills in the open prompt for a value that names none; refuses a value when no prompt is open or
/// another one is. Other decisions pass unchanged. The refusal gives the decision back (for its
/// audit record, without the value) with the reason.
pub fn with_open_prompt(d: Decision, live: &LiveRun) -> Result<Decision, (Decision, String)> {
    let Decision::SecretValue { prompt, value } = d else { return Ok(d) };
    match live.open_prompt() {
        Some(open) if prompt.is_empty() || prompt == open => {
            Ok(Decision::SecretValue { prompt: open, value })
        }
        Some(open) => {
            let why = format!("not taken: prompt {prompt} is not open (the open prompt is {open})");
            Err((Decision::SecretValue { prompt, value }, why))
        }
        None => {
            let why = format!("not taken: run {} is not waiting for a secret value now", live.id);
            Err((Decision::SecretValue { prompt, value }, why))
        }
    }
}
