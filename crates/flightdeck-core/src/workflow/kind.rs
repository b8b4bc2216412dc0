//! The load-time half of a step kind: what the workflow parser needs to check an action (its key,
//! its extra keys, parsing and validating its value into a normalised JSON spec, the templates in
//! it, its plan line). The run-time half (executing against the engine's step context) is
//! `engine::StepKind`, which extends [`ActionKind`]; the registered kinds live in `steps::KINDS`.
//!
//! The parser does not name the kinds: it is handed an [`ActionKinds`] table (the catalogue's
//! `*_with` loaders take one; `steps` supplies the registered table to the plain loaders).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::workflow::template::Template;

/// A kind of step as the workflow loader sees it, named by its action key.
pub trait ActionKind: Send + Sync {
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
}

/// The table of kinds handed to the parser: every action key it accepts.
#[derive(Clone, Copy)]
pub struct ActionKinds<'a>(pub &'a [&'a dyn ActionKind]);

impl<'a> ActionKinds<'a> {
    /// The kind registered for an action key.
    pub fn find(&self, key: &str) -> Option<&'a dyn ActionKind> {
        self.0.iter().copied().find(|k| k.key() == key)
    }

    /// The action keys of every kind, for "expected one of" messages.
    pub fn action_keys(&self) -> Vec<&'static str> {
        self.0.iter().map(|k| k.key()).collect()
    }

    /// The kind that accepts `key` as one of its extra keys.
    pub fn owner_of_extra(&self, key: &str) -> Option<&'a dyn ActionKind> {
        self.0.iter().copied().find(|k| k.extra_keys().contains(&key))
    }

    /// Every extra key of every kind.
    pub fn extra_keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().flat_map(|k| k.extra_keys().iter().copied())
    }
}

impl std::fmt::Debug for ActionKinds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|k| k.key())).finish()
    }
}
