//! Step kinds: one file per action key, registered by one line in [`KINDS`].
//!
//! A kind has two halves, each implemented in its file: the load-time half, [`ActionKind`] (owned
//! by the workflow loader), parses its action value into a normalised JSON spec (so plans
//! serialise), lists the templates in it (so validation can check their variables) and describes
//! itself for the plan; the run-time half, [`StepKind`] (owned by the engine), executes as a boxed
//! future against the engine's [`StepCx`](crate::engine::StepCx). Neither the loader nor the
//! engine names this module: the loader is handed [`actions`] and the engine [`kinds`] (the
//! runner's `RunnerConfig::kinds`, then `RunSpec::kinds`); see [`registry`].
//!
//! Adding a kind: a new file beside this one (`impl ActionKind for X` and `impl StepKind for X`)
//! and one line in [`KINDS`].

use serde_json::Value;

pub use crate::engine::{ActionKind, BoxFuture, StepKind, StepKinds};
use crate::workflow::template::Template;

pub mod approve;
pub mod backup;
pub mod backup_prune;
pub mod backup_verify;
pub mod cert;
pub mod check;
pub mod dns;
pub mod iac;
pub mod load;
pub mod notify;
pub mod profile;
pub mod registry;
pub mod rollout;
pub mod run;
pub mod secret;
mod secret_prompt;
pub mod teardown;
pub mod uses;

pub use registry::{actions, kinds};

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
    &backup_verify::BackupVerify,
    &backup_prune::BackupPrune,
];

/// The kind registered for an action key.
pub fn kind(key: &str) -> Option<&'static dyn StepKind> {
    KINDS.iter().copied().find(|k| k.key() == key)
}

/// Reads a string field of a JSON object spec as a template.
pub fn template_field(spec: &Value, field: &str) -> Option<Template> {
    spec.get(field).and_then(Value::as_str).map(Template::new)
}
