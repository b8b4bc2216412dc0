//! Step kinds: one file per action key, registered by one line in [`KINDS`].
//!
//! A kind parses its action value at load time into a normalised JSON spec (so plans serialise),
//! lists the templates in it (so validation can check their variables), describes itself for the
//! plan, and executes as a boxed future against the engine's [`StepCx`].

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use crate::engine::{StepCx, StepOutcome};
use crate::workflow::template::Template;

pub mod approve;
pub mod backup;
pub mod cert;
pub mod check;
pub mod dns;
pub mod iac;
pub mod load;
pub mod notify;
pub mod profile;
pub mod rollout;
pub mod run;
pub mod secret;
mod secret_prompt;
pub mod teardown;
pub mod uses;

/// A boxed, sendable future (async fns in traits are not object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A kind of step, named by its action key.
pub trait StepKind: Send + Sync {
    /// The action key (`run`, `approve`, `uses`, ...).
    fn key(&self) -> &'static str;

    /// Other step keys this kind accepts beside its action key (`with` for `uses`).
    fn extra_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Checks the action value (and any extra keys present) and returns the normalised spec.
    /// The error text says what is wrong and what to write instead.
    fn parse(&self, action: &Value, extras: &BTreeMap<String, Value>) -> Result<Value, String>;

    /// The templates inside a spec, each with the field it came from.
    fn templates(&self, spec: &Value) -> Vec<(String, Template)>;

    /// One line for the plan (`run: ./deploy.sh web 1.2.3`), from the unrendered spec.
    fn describe(&self, spec: &Value) -> String;

    /// True if the step changes something (a dry run skips it unless it has `dry_run`).
    fn mutates(&self) -> bool {
        true
    }

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
}

/// Every registered kind. Adding a kind: a new file beside this one and one line here.
pub static KINDS: &[&dyn StepKind] = &[
    &run::Run,
    &approve::Approve,
    &uses::Uses,
    &check::Check,
    &load::Load,
    &secret::SecretKind,
    &notify::Notify,
    &profile::Profile,
    &dns::Dns,
    &iac::Iac,
    &cert::Cert,
    &rollout::Rollout,
    &teardown::Teardown,
    &backup::Backup,
];

/// The kind registered for an action key.
pub fn kind(key: &str) -> Option<&'static dyn StepKind> {
    KINDS.iter().copied().find(|k| k.key() == key)
}

/// The action keys of every kind, for "expected one of" messages.
pub fn action_keys() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.key()).collect()
}

/// Reads a string field of a JSON object spec as a template.
pub fn template_field(spec: &Value, field: &str) -> Option<Template> {
    spec.get(field).and_then(Value::as_str).map(Template::new)
}
