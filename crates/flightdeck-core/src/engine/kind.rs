//! The run-time half of a step kind: executing (and undoing) one attempt against the engine's
//! [`StepCx`]. It extends the load-time half, [`ActionKind`] (key, parsing, templates, plan line),
//! which the workflow loader uses. The engine does not name the kinds: a run is handed its table
//! ([`StepKinds`], in `RunSpec`) and looks each step's kind up there.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use crate::engine::context::{StepCx, StepOutcome};
pub use crate::workflow::kind::{ActionKind, ActionKinds};
use crate::workflow::plan::PlanStep;

/// A boxed, sendable future (async fns in traits are not object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A kind of step as the engine runs it.
pub trait StepKind: ActionKind {
    /// Executes one attempt.
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome>;

    /// True if the kind undoes its own completed work when the run rolls back (a step's explicit
    /// `rollback` command still wins).
    fn rolls_back(&self) -> bool {
        false
    }

    /// Undoes a completed attempt from what it recorded (its outputs, the `resources` inventory);
    /// called during a run's rollback only when [`rolls_back`](Self::rolls_back) is true.
    fn rollback<'a>(&'a self, _spec: &'a Value, _cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async { StepOutcome::Succeeded })
    }

    /// True if the kind's own rollback, interrupted by a crash, may simply run again: it finds what
    /// is already in place and finishes the rest (so a resumed run needs no `--yes` for it). When
    /// such a rerun fails, the run stops as interrupted (not rollback-failed) so `resume` retries it.
    fn resumes_rollback(&self) -> bool {
        false
    }

    /// The secrets a spec acts on that must be readable before the run starts (beside those its
    /// templates name, which every step is checked for).
    fn secrets_needed(&self, _spec: &Value) -> Vec<String> {
        Vec::new()
    }
}

/// The kinds a run may execute, handed to the engine in `RunSpec` (`steps::kinds()` in practice):
/// each kind, and the same kinds as the workflow loader takes them.
#[derive(Clone, Copy)]
pub struct StepKinds {
    run: &'static [&'static dyn StepKind],
    load: ActionKinds<'static>,
}

impl StepKinds {
    /// The table of `run`; `load` must be the same kinds' load-time halves.
    pub const fn new(run: &'static [&'static dyn StepKind], load: ActionKinds<'static>) -> StepKinds {
        StepKinds { run, load }
    }

    /// The same kinds, for the workflow loader (`Catalog::load_with`).
    pub fn actions(&self) -> ActionKinds<'static> {
        self.load
    }

    /// The kind of step `ps`, if registered.
    pub fn of(&self, ps: &PlanStep) -> Option<&'static dyn StepKind> {
        self.run.iter().copied().find(|k| k.key() == ps.step.action.kind)
    }

    /// The plan line of step `ps` (its action key when the kind is unknown).
    pub fn describe(&self, ps: &PlanStep) -> String {
        self.of(ps).map_or_else(|| ps.step.action.kind.clone(), |k| k.describe(&ps.step.action.spec))
    }
}

impl std::fmt::Debug for StepKinds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.run.iter().map(|k| k.key())).finish()
    }
}
