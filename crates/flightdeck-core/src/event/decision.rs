//! What a person decides and what they decide on: approval gates ([`GateForm`], [`GateInfo`],
//! [`Approval`]), the choice after a failure ([`FailureAction`]) and the [`Decision`] sent to an
//! engine.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::Micros;

/// The form of an approval gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum GateForm {
    /// Yes or no; `default_yes` is what Enter means at a prompt.
    YesNo {
        /// What an empty answer means.
        default_yes: bool,
    },
    /// The operator must type `phrase` exactly.
    Phrase {
        /// The exact text.
        phrase: String,
    },
    /// The operator picks one of `choices`.
    Choice {
        /// The options.
        choices: Vec<String>,
        /// The preselected option.
        default: Option<String>,
    },
}

/// One approval (or rejection) recorded at a gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The approver's uid.
    pub uid: u32,
    /// The approver's login name.
    pub name: String,
    /// True for approve, false for reject.
    pub approved: bool,
    /// The option chosen at a choice gate.
    pub choice: Option<String>,
    /// Free text.
    pub comment: Option<String>,
    /// When it was recorded.
    pub at: Micros,
}

/// Everything a person needs to decide at a gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateInfo {
    /// `STEP#ATTEMPT`.
    pub gate: String,
    /// The step id.
    pub step: String,
    /// The rendered message.
    pub message: String,
    /// The form of answer expected.
    pub form: GateForm,
    /// The action as data: service, version, environment, ... (for the dialog).
    pub facts: BTreeMap<String, String>,
    /// Distinct approvals required by the environment.
    pub required: u32,
    /// Approvals recorded so far.
    pub approvals: Vec<Approval>,
    /// When the gate gives up, if the environment sets a timeout.
    pub deadline: Option<Micros>,
    /// Whether the run's own operator may approve.
    pub self_approval: bool,
}

/// What the operator chose after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureAction {
    /// Run the step again.
    Retry,
    /// Mark it skipped and go on.
    Skip,
    /// Run the rollbacks of completed steps, newest first.
    Rollback,
    /// Stop the run as failed.
    Abort,
}

/// A decision sent to an engine. The receiving side stamps who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Approve a yes/no gate.
    Approve {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// Optional comment.
        comment: Option<String>,
    },
    /// Reject a gate.
    Reject {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// Optional comment.
        comment: Option<String>,
    },
    /// Answer a phrase gate.
    Phrase {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// The typed text.
        text: String,
    },
    /// Answer a choice gate.
    Choose {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// The chosen option.
        option: String,
    },
    /// Say what to do after a failure.
    OnFailure {
        /// The failed step.
        step: String,
        /// Its attempt number.
        attempt: u32,
        /// The action.
        action: FailureAction,
    },
    /// Allow a step that was running when the process died to run again.
    ConfirmRerun {
        /// The step.
        step: String,
    },
    /// The value typed at a secret prompt (`create = "prompt"`): it travels only over the runner
    /// socket to the engine, which writes it to the provider; it is never journaled, audited,
    /// logged or sent in an event (see [`Decision::for_record`]).
    SecretValue {
        /// The prompt answered (`STEP#ATTEMPT/SECRET`); empty for the one open now.
        prompt: String,
        /// The value (its `Debug` is `[hidden]`; wiped when dropped).
        value: SecretText,
    },
}

impl Decision {
    /// The decision as it may be recorded (audit, logs): a secret value is replaced by `[withheld]`.
    #[must_use]
    pub fn for_record(&self) -> Decision {
        match self {
            Decision::SecretValue { prompt, .. } => Decision::SecretValue {
                prompt: prompt.clone(),
                value: SecretText::new("[withheld]".to_string()),
            },
            other => other.clone(),
        }
    }
}

/// Text typed at a secret prompt: serialized as a plain string (it must cross the runner socket),
/// wiped from memory when dropped, and shown by `Debug` as `[hidden]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(zeroize::Zeroizing<String>);

impl SecretText {
    /// Wraps `text`.
    pub fn new(text: String) -> SecretText {
        SecretText(zeroize::Zeroizing::new(text))
    }

    /// The text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[hidden]")
    }
}

impl Serialize for SecretText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretText::new)
    }
}
