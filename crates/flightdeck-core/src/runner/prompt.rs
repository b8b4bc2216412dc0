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

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tokio_util::sync::CancellationToken;

    use super::{change, with_open_prompt};
    use crate::engine::event::{Decision, SecretText};
    use crate::runner::live::LiveRun;

    fn value(prompt: &str) -> Decision {
        Decision::SecretValue { prompt: prompt.into(), value: SecretText::new("s3cr3t-value-42".into()) }
    }

    #[test]
    fn progress_opens_and_closes_the_prompt() {
        let open = json!({ "secret_prompt": { "id": "ensure#1/api_token", "secret": "api_token" } });
        assert_eq!(change(&open), Some(Some("ensure#1/api_token".into())));
        assert_eq!(change(&json!({ "secret_prompt_closed": "ensure#1/api_token" })), Some(None));
        assert_eq!(change(&json!({ "stage": "canary 10%" })), None);
    }

    #[test]
    fn a_value_counts_only_for_the_open_prompt() {
        let (tx, _rx) = tokio::sync::mpsc::channel(1);
        let live = LiveRun::new("r1".into(), 1, tx, CancellationToken::new(), Vec::new());
        let (d, why) = with_open_prompt(value(""), &live).unwrap_err();
        assert!(why.contains("not waiting for a secret value"), "{why}");
        assert_eq!(d.for_record(), value("").for_record());
        // Not a secret value: untouched.
        let approve = Decision::Approve { gate: String::new(), comment: None };
        assert_eq!(with_open_prompt(approve.clone(), &live).ok(), Some(approve));
        let data = json!({ "secret_prompt": { "id": "ensure#1/api_token" } });
        let kind = crate::engine::EventKind::StepProgress { step: "ensure".into(), data };
        live.publish(crate::engine::Event {
            run: "r1".into(),
            life: 1,
            seq: 1,
            at: crate::time::Micros(0),
            kind,
        });
        assert_eq!(with_open_prompt(value(""), &live).ok(), Some(value("ensure#1/api_token")));
        let (_, why) = with_open_prompt(value("ensure#2/api_token"), &live).unwrap_err();
        assert!(why.contains("the open prompt is ensure#1/api_token"), "{why}");
        let kind = crate::engine::EventKind::StepFinished {
            step: "ensure".into(),
            attempt: 1,
            status: crate::engine::StepStatus::Succeeded,
            exit_code: None,
            duration_ms: 0,
            outputs: std::collections::BTreeMap::new(),
            message: None,
        };
        live.publish(crate::engine::Event {
            run: "r1".into(),
            life: 1,
            seq: 2,
            at: crate::time::Micros(0),
            kind,
        });
        assert!(live.open_prompt().is_none());
    }

    #[test]
    fn the_value_never_shows_in_debug_or_a_record() {
        let d = value("ensure#1/api_token");
        assert!(!format!("{d:?}").contains("s3cr3t"), "{d:?}");
        let recorded = serde_json::to_string(&d.for_record()).unwrap();
        assert!(!recorded.contains("s3cr3t") && recorded.contains("[withheld]"), "{recorded}");
        // On the wire it is the value itself (the runner needs it), and it comes back intact.
        let wire = serde_json::to_string(&d).unwrap();
        let back: Decision = serde_json::from_str(&wire).unwrap();
        assert_eq!(back, d);
    }
}
