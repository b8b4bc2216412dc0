//! The secret prompt dialog: a run's `ensure` step waits for the value of a secret with
//! `create = "prompt"`, typed by the run's operator. The engine opens it with a `StepProgress` that
//! names only the secret and the environment; the value is typed into a masked input (the dialog
//! shows `•` per character, never the text) and goes to the runner as a
//! `Decision::SecretValue`, nowhere else. It follows the dialog rules: a grace period when it
//! opens (and again when it re-opens after a refused value), `esc` hides it while the run keeps
//! waiting, and no key reaches the run screen from behind it.

use serde_json::Value;

use crate::app::RunScreen;
use crate::app::run_view::RunView;
use crate::msg::{Effect, Key, KeyCode};
use flightdeck_core::engine::event::Decision;
use flightdeck_core::runner::prompt::{CLOSED, OPEN};

/// An open secret prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretPrompt {
    /// `STEP#ATTEMPT/SECRET`.
    pub id: String,
    /// The step waiting.
    pub step: String,
    /// The secret's name.
    pub secret: String,
    /// The environment.
    pub environment: String,
    /// Who may answer (the run's operator).
    pub operator: String,
    /// The shortest value taken.
    pub min_length: usize,
    /// Why the last value was not taken, when the prompt opened again.
    pub again: Option<String>,
    /// How many times it opened (each opening is a new dialog with its own grace period).
    pub asked: u32,
}

impl SecretPrompt {
    /// The dialog id: changes each time the prompt opens again.
    pub fn dialog_id(&self) -> String {
        format!("secret:{}@{}", self.id, self.asked)
    }
}

/// Folds a `StepProgress` into the open prompt; false if the data is not about a prompt.
pub fn apply(open: &mut Option<SecretPrompt>, step: &str, data: &Value) -> bool {
    if let Some(p) = data.get(OPEN) {
        let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let id = s("id");
        let asked = open.as_ref().filter(|o| o.id == id).map_or(1, |o| o.asked + 1);
        *open = Some(SecretPrompt {
            id,
            step: step.to_string(),
            secret: s("secret"),
            environment: s("environment"),
            operator: s("operator"),
            min_length: p
                .get("min_length")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(8),
            again: p.get("again").and_then(Value::as_str).map(String::from),
            asked,
        });
        return true;
    }
    if let Some(id) = data.get(CLOSED).and_then(Value::as_str) {
        if open.as_ref().is_some_and(|o| o.id == id) {
            *open = None;
        }
        return true;
    }
    false
}

impl SecretPrompt {
    /// True when `me` may answer: only the run's operator may (the runner refuses anyone else).
    pub fn answerable_by(&self, me: &str) -> bool {
        self.operator.is_empty() || self.operator == me
    }
}

/// Keys while the secret dialog is on screen: typing goes to the masked input, `enter` sends a
/// value long enough, `esc` is left to hide the dialog; every other key stops here. (On a
/// colleague's console the dialog warns that the runner refuses a value from anyone but the
/// run's operator; the refusal is audited.)
pub fn secret_key(rs: &mut RunScreen, view: &RunView, key: Key) -> Option<Vec<Effect>> {
    let prompt = view.secret_prompt.as_ref()?;
    if key.code == KeyCode::Esc {
        // Hiding the dialog drops what was typed: the value must not linger in the state.
        rs.secret.wipe();
        return None;
    }
    if rs.secret_answered.as_deref() == Some(prompt.dialog_id().as_str()) {
        return Some(Vec::new());
    }
    rs.secret_short = false;
    if key.code == KeyCode::Enter {
        if rs.secret.chars() < prompt.min_length {
            rs.secret_short = true;
            return Some(Vec::new());
        }
        rs.secret_answered = Some(prompt.dialog_id());
        let decision = Decision::SecretValue { prompt: prompt.id.clone(), value: rs.secret.take() };
        return Some(vec![Effect::Decide { run: rs.run.clone(), decision }]);
    }
    rs.secret.key(key);
    Some(Vec::new())
}
