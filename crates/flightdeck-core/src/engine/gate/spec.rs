//! The normalised spec of an approval gate (`approve = ...`, and the gates other kinds open: `iac`
//! before applying, `load` before a heavy test): owned by the engine, which runs gates.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::workflow::template::Template;

/// The normalised spec of an approval step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveSpec {
    /// What is being approved (templated).
    pub message: Template,
    /// An exact phrase to type (templated).
    #[serde(default)]
    pub phrase: Option<Template>,
    /// Options to choose from.
    #[serde(default)]
    pub choices: Vec<String>,
    /// Preselected option (choices) or `"yes"`/`"no"` (yes/no).
    #[serde(default)]
    pub default: Option<String>,
    /// The action as data for the dialog: label to template (`service = "{{ params.service }}"`).
    #[serde(default)]
    pub facts: BTreeMap<String, Template>,
}

impl ApproveSpec {
    /// Checks the choices, phrase and default agree; the error says what to change.
    pub fn check(&self) -> Result<(), String> {
        if self.phrase.is_some() && !self.choices.is_empty() {
            return Err("an approval takes `phrase` or `choices`, not both".into());
        }
        if let Some(d) = &self.default {
            if !self.choices.is_empty() && !self.choices.contains(d) {
                return Err(format!(
                    "default {d:?} is not among the choices {:?}: use one of them",
                    self.choices
                ));
            }
            if self.choices.is_empty() && d != "yes" && d != "no" {
                return Err(format!("default {d:?} of a yes/no approval must be \"yes\" or \"no\""));
            }
        }
        if self.choices.iter().any(String::is_empty) {
            return Err("choices must not be empty strings".into());
        }
        Ok(())
    }
}
