//! The async executor (being written).
pub mod event;
/// Per-step context.
pub struct StepCx;
/// Outcome of one attempt.
pub struct StepOutcome;
impl StepOutcome {
    /// A failure.
    pub fn failed(_m: impl Into<String>) -> Self {
        StepOutcome
    }
}
impl StepCx {
    /// Renders for the shell.
    pub fn render_shell(&self, t: &crate::workflow::template::Template) -> Result<String, String> {
        Ok(t.source().to_string())
    }
    /// Runs a command.
    pub async fn shell(&mut self, _c: &str) -> StepOutcome {
        StepOutcome
    }
    /// A gate.
    pub async fn gate(&mut self, _s: &crate::steps::approve::ApproveSpec) -> StepOutcome {
        StepOutcome
    }
}
