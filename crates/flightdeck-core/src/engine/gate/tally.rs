//! Counting answers at a gate: distinct eligible approvers, self- and root-approval rules,
//! typed phrases, choices, and rejections. Pure: no I/O, unit-tested.

use crate::config::Environment;
use crate::engine::event::{Approval, Decision, GateForm, GateInfo};
use crate::identity::Operator;
use crate::store::records::ApprovalRecord;
use crate::time::now;

/// What one answer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Counted towards the required number.
    Counted,
    /// Recorded but not counted, with the reason.
    NotCounted(String),
    /// The typed phrase did not match.
    PhraseMismatch,
    /// A rejection: the gate fails.
    Rejected,
}

/// The answers at one gate so far.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    required: u32,
    form: GateForm,
    starter: u32,
    /// The uid the engine runs as (the runner's): every step runs as it too.
    runner: u32,
    allow_self: bool,
    allow_root: bool,
    env: String,
    counted: Vec<ApprovalRecord>,
    /// The option chosen at a choice gate.
    pub choice: Option<String>,
}

impl Tally {
    pub fn new(info: &GateInfo, env: &Environment, starter: u32) -> Tally {
        Tally {
            required: info.required.max(1),
            form: info.form.clone(),
            starter,
            runner: nix::unistd::geteuid().as_raw(),
            allow_self: env.allow_self_approval,
            allow_root: env.allow_root_approval,
            env: env.name.clone(),
            counted: Vec::new(),
            choice: None,
        }
    }

    /// True if the operator's own single approval would pass the gate.
    pub fn operator_alone_suffices(&self) -> bool {
        self.required <= 1 && self.eligible(self.starter).is_ok()
    }

    fn eligible(&self, uid: u32) -> Result<(), String> {
        if uid == self.starter && !self.allow_self {
            return Err(format!("the run's own operator may not approve in {}", self.env));
        }
        // A step (a build script, a deploy tool) runs as the runner's account and could answer the
        // gate of its own run: that account is not a person, unless it is the run's own operator
        // (a laptop's runner runs as its one user), and root has its own rule.
        if uid == self.runner && uid != self.starter && uid != 0 {
            return Err(format!(
                "the runner's own account (uid {uid}) does not count as an approver in {}: every run's steps run as it",
                self.env
            ));
        }
        if uid == 0 && !self.allow_root {
            return Err(format!("root does not count as an approver in {} (allow_root_approval)", self.env));
        }
        if self.counted.iter().any(|a| a.uid == uid) {
            return Err("already approved this gate; a different person must approve".into());
        }
        Ok(())
    }

    /// Applies one answer.
    pub fn consider(&mut self, row: &ApprovalRecord) -> Verdict {
        if row.decision == "reject" {
            return Verdict::Rejected;
        }
        let matches = match (&self.form, row.decision.as_str()) {
            (GateForm::Phrase { phrase }, "phrase") => row.value.as_deref() == Some(phrase.as_str()),
            (GateForm::Choice { choices, .. }, "choose") => {
                row.value.as_ref().is_some_and(|v| choices.contains(v))
            }
            (GateForm::Phrase { .. } | GateForm::Choice { .. }, _) => false,
            (GateForm::YesNo { .. }, d) => d == "approve",
        };
        if !matches {
            return Verdict::PhraseMismatch;
        }
        if let Err(why) = self.eligible(row.uid) {
            return Verdict::NotCounted(why);
        }
        if self.choice.is_none() && row.decision == "choose" {
            self.choice.clone_from(&row.value);
        }
        self.counted.push(row.clone());
        Verdict::Counted
    }

    /// True once enough distinct eligible people approved.
    pub fn satisfied(&self) -> bool {
        self.counted.len() >= self.required as usize
    }

    /// Approvals still needed.
    pub fn missing(&self) -> u32 {
        self.required.saturating_sub(u32::try_from(self.counted.len()).unwrap_or(u32::MAX))
    }

    /// Counted approvals for display.
    pub fn approvals(&self) -> Vec<Approval> {
        self.counted.iter().map(approval_of).collect()
    }

    /// Names of the counted approvers.
    pub fn approver_names(&self) -> Vec<String> {
        self.counted.iter().map(|a| a.name.clone()).collect()
    }
}

/// The gate a decision is for.
pub(crate) fn gate_of(d: &Decision) -> Option<&str> {
    match d {
        Decision::Approve { gate, .. }
        | Decision::Reject { gate, .. }
        | Decision::Phrase { gate, .. }
        | Decision::Choose { gate, .. } => Some(gate),
        Decision::OnFailure { .. } | Decision::ConfirmRerun { .. } | Decision::SecretValue { .. } => None,
    }
}

/// The store row for a gate decision made by `op`.
pub(crate) fn record_for(d: &Decision, info: &GateInfo, run: &str, op: &Operator) -> Option<ApprovalRecord> {
    let (decision, value, comment) = match d {
        Decision::Approve { comment, .. } => ("approve", None, comment.clone()),
        Decision::Reject { comment, .. } => ("reject", None, comment.clone()),
        Decision::Phrase { text, .. } => ("phrase", Some(text.clone()), None),
        Decision::Choose { option, .. } => ("choose", Some(option.clone()), None),
        Decision::OnFailure { .. } | Decision::ConfirmRerun { .. } | Decision::SecretValue { .. } => {
            return None;
        }
    };
    Some(ApprovalRecord {
        id: 0,
        run: run.to_string(),
        gate: info.gate.clone(),
        uid: op.uid,
        name: op.name.clone(),
        decision: decision.to_string(),
        value,
        comment,
        at: now(),
    })
}

/// An approval for display.
pub(crate) fn approval_of(row: &ApprovalRecord) -> Approval {
    Approval {
        uid: row.uid,
        name: row.name.clone(),
        approved: row.decision != "reject",
        choice: if row.decision == "choose" { row.value.clone() } else { None },
        comment: row.comment.clone(),
        at: row.at,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn info(form: GateForm, required: u32) -> GateInfo {
        GateInfo {
            gate: "promote#1".into(),
            step: "promote".into(),
            message: "m".into(),
            form,
            facts: BTreeMap::new(),
            required,
            approvals: Vec::new(),
            deadline: None,
            self_approval: true,
        }
    }

    fn row(id: i64, uid: u32, decision: &str, value: Option<&str>) -> ApprovalRecord {
        ApprovalRecord {
            id,
            run: "r".into(),
            gate: "promote#1".into(),
            uid,
            name: format!("user{uid}"),
            decision: decision.into(),
            value: value.map(str::to_string),
            comment: None,
            at: now(),
        }
    }

    #[test]
    fn two_approvals_need_two_people() {
        let env = Environment { approvals: 2, ..Environment::default() };
        let mut t = Tally::new(&info(GateForm::YesNo { default_yes: false }, 2), &env, 1000);
        assert_eq!(t.consider(&row(1, 1000, "approve", None)), Verdict::Counted);
        assert!(!t.satisfied());
        assert!(matches!(t.consider(&row(2, 1000, "approve", None)), Verdict::NotCounted(_)));
        assert!(!t.satisfied());
        assert_eq!(t.missing(), 1);
        assert_eq!(t.consider(&row(3, 1001, "approve", None)), Verdict::Counted);
        assert!(t.satisfied());
    }

    #[test]
    fn self_and_root_rules() {
        let env = Environment { allow_self_approval: false, ..Environment::default() };
        let mut t = Tally::new(&info(GateForm::YesNo { default_yes: false }, 1), &env, 1000);
        assert!(!t.operator_alone_suffices());
        assert!(matches!(t.consider(&row(1, 1000, "approve", None)), Verdict::NotCounted(_)));
        assert!(matches!(t.consider(&row(2, 0, "approve", None)), Verdict::NotCounted(_)));
        assert_eq!(t.consider(&row(3, 1002, "approve", None)), Verdict::Counted);
        let root_ok = Environment { allow_root_approval: true, ..Environment::default() };
        let mut t = Tally::new(&info(GateForm::YesNo { default_yes: false }, 1), &root_ok, 5);
        assert_eq!(t.consider(&row(1, 0, "approve", None)), Verdict::Counted);
    }

    #[test]
    fn the_runners_own_account_counts_only_as_the_runs_operator() {
        let env = Environment { approvals: 2, allow_self_approval: true, ..Environment::default() };
        let mut t = Tally::new(&info(GateForm::YesNo { default_yes: false }, 2), &env, 1000);
        t.runner = 999;
        let Verdict::NotCounted(why) = t.consider(&row(1, 999, "approve", None)) else { panic!() };
        assert!(why.contains("runner's own account"), "{why}");
        // A laptop's runner runs as its one user, who is the operator: self-approval rules apply.
        let mut own = Tally::new(&info(GateForm::YesNo { default_yes: false }, 2), &env, 999);
        own.runner = 999;
        assert_eq!(own.consider(&row(1, 999, "approve", None)), Verdict::Counted);
    }

    #[test]
    fn phrase_must_match_exactly_and_reject_wins() {
        let env = Environment::default();
        let form = GateForm::Phrase { phrase: "DEPLOY TO PRODUCTION".into() };
        let mut t = Tally::new(&info(form, 1), &env, 1000);
        assert_eq!(
            t.consider(&row(1, 1000, "phrase", Some("deploy to production"))),
            Verdict::PhraseMismatch
        );
        assert_eq!(t.consider(&row(2, 1000, "approve", None)), Verdict::PhraseMismatch);
        assert!(!t.satisfied());
        assert_eq!(t.consider(&row(3, 1001, "reject", None)), Verdict::Rejected);
        assert_eq!(t.consider(&row(4, 1000, "phrase", Some("DEPLOY TO PRODUCTION"))), Verdict::Counted);
    }

    #[test]
    fn choice_is_recorded() {
        let env = Environment::default();
        let form = GateForm::Choice { choices: vec!["canary".into(), "all".into()], default: None };
        let mut t = Tally::new(&info(form, 1), &env, 1000);
        assert_eq!(t.consider(&row(1, 1000, "choose", Some("nope"))), Verdict::PhraseMismatch);
        assert_eq!(t.consider(&row(2, 1000, "choose", Some("all"))), Verdict::Counted);
        assert_eq!(t.choice.as_deref(), Some("all"));
    }
}
