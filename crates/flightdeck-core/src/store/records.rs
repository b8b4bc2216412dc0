//! Rows of the store as Rust data: what the engine writes and the CLI and console read.

use serde::{Deserialize, Serialize};

use crate::event::{RunStatus, StepStatus};
use crate::time::Micros;

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Run id (`20261124-193840-deploy-3f2a`).
    pub id: String,
    /// Workflow name.
    pub workflow: String,
    /// Workflow title at the time.
    pub title: String,
    /// Environment name.
    pub environment: String,
    /// Whether the environment was production.
    pub production: bool,
    /// `interactive`, `automated`, `dry_run`, `emergency`.
    pub mode: String,
    /// Current state (`running` runs whose lock is free are reported `interrupted` by readers).
    pub status: RunStatus,
    /// Operator uid.
    pub operator_uid: u32,
    /// Operator login name.
    pub operator: String,
    /// Host name the run started on.
    pub host: String,
    /// Start time.
    pub started_at: Micros,
    /// End time, once final.
    pub finished_at: Option<Micros>,
    /// Process life (1, then 2 after a resume, ...).
    pub life: u32,
    /// Exit code, once final.
    pub exit_code: Option<i32>,
    /// Why it failed, was rejected or cancelled.
    pub message: Option<String>,
    /// The plan as JSON (`workflow::plan::Plan`), stored at start and used by resume.
    pub plan_json: String,
}

/// One step's state within a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Run id.
    pub run: String,
    /// Full step id.
    pub step: String,
    /// Position in the plan (0-based).
    pub idx: u32,
    /// State.
    pub status: StepStatus,
    /// Attempts made so far.
    pub attempt: u32,
    /// Start of the latest attempt.
    pub started_at: Option<Micros>,
    /// End of the latest attempt.
    pub finished_at: Option<Micros>,
    /// Exit code of its process.
    pub exit_code: Option<i32>,
    /// pid of the running child (committed before the step is reported started).
    pub pid: Option<i32>,
    /// Process group of the running child.
    pub pgid: Option<i32>,
    /// Start time of the child in clock ticks since boot (/proc/PID/stat field 22), to tell pid reuse.
    pub proc_start: Option<u64>,
    /// Outputs written to `$FLIGHTDECK_OUTPUT`, as a JSON object of strings.
    pub outputs_json: String,
    /// Why it failed or was skipped.
    pub message: Option<String>,
    /// Path of its log file.
    pub log_path: Option<String>,
}

impl StepRecord {
    /// A step of `run` at position `idx` that has not started.
    pub fn pending(run: &str, step: &str, idx: u32) -> StepRecord {
        StepRecord {
            run: run.to_string(),
            step: step.to_string(),
            idx,
            status: StepStatus::Pending,
            attempt: 0,
            started_at: None,
            finished_at: None,
            exit_code: None,
            pid: None,
            pgid: None,
            proc_start: None,
            outputs_json: "{}".into(),
            message: None,
            log_path: None,
        }
    }
}

/// An approval or rejection recorded at a gate (by the engine or by `flightdeck approve`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    /// Row id (increasing).
    pub id: i64,
    /// Run id.
    pub run: String,
    /// `STEP#ATTEMPT`.
    pub gate: String,
    /// Approver uid.
    pub uid: u32,
    /// Approver login name.
    pub name: String,
    /// `approve`, `reject`, `phrase`, `choose`.
    pub decision: String,
    /// Typed phrase or chosen option.
    pub value: Option<String>,
    /// Free text.
    pub comment: Option<String>,
    /// When.
    pub at: Micros,
}

/// An entry of the hash-chained audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Sequence number from 1.
    pub seq: i64,
    /// When.
    pub at: Micros,
    /// Actor uid.
    pub uid: u32,
    /// Actor login name.
    pub actor: String,
    /// What happened (`run.start`, `gate.approve`, `gate.bypass`, `run.finish`, `run.resume`, ...).
    pub action: String,
    /// The run concerned, if any.
    pub run: Option<String>,
    /// Details as JSON.
    pub detail: String,
    /// Hash of the previous entry (hex; 64 zeros for the first).
    pub prev_hash: String,
    /// `sha256(prev_hash ‖ canonical JSON of this row without hashes)`, hex.
    pub hash: String,
}

/// A deployment in the DORA ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentRecord {
    /// Deployment id (the run id for runs; `tag:v1.2.0` for imports).
    pub id: String,
    /// Service.
    pub service: String,
    /// Environment name.
    pub environment: String,
    /// Whether that environment is production.
    pub production: bool,
    /// Commit deployed.
    pub sha: Option<String>,
    /// Version deployed.
    pub version: Option<String>,
    /// `normal`, `hotfix`, `rollback`, `fix-forward`.
    pub kind: String,
    /// `succeeded` or `failed`.
    pub status: String,
    /// Start.
    pub started_at: Micros,
    /// Finish.
    pub finished_at: Micros,
    /// The run that made it, if any.
    pub run: Option<String>,
    /// The deployment it remediates, if any.
    pub remediates: Option<String>,
    /// Who deployed (the run's operator, or whoever added the row).
    #[serde(default)]
    pub actor: Option<String>,
    /// The image digest shipped, if the workflow declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// An incident in the DORA ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRecord {
    /// Incident id (`inc-...`).
    pub id: String,
    /// Service affected.
    pub service: String,
    /// Environment affected.
    pub environment: String,
    /// Severity as the team names it (`sev1`, `major`, ...).
    pub severity: String,
    /// One-line description.
    pub title: String,
    /// When the impairment began.
    pub started_at: Micros,
    /// When it was noticed.
    #[serde(default)]
    pub detected_at: Option<Micros>,
    /// When users stopped being hurt.
    #[serde(default)]
    pub mitigated_at: Option<Micros>,
    /// When it was closed.
    #[serde(default)]
    pub resolved_at: Option<Micros>,
    /// The deployment that caused it, if known.
    #[serde(default)]
    pub caused_by: Option<String>,
}

/// A release (a version cut, tagged or not) in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    /// Release id.
    pub id: String,
    /// Service.
    pub service: String,
    /// Version.
    pub version: String,
    /// Tag name, if tagged.
    #[serde(default)]
    pub tag: Option<String>,
    /// Commit released.
    #[serde(default)]
    pub sha: Option<String>,
    /// When it was cut.
    pub created_at: Micros,
}

/// Result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerdict {
    /// Entries checked.
    pub checked: i64,
    /// Count kept in the meta row.
    pub expected: i64,
    /// Problems found (empty when intact), e.g. "entry 17: hash does not match its content".
    pub problems: Vec<String>,
}

impl AuditVerdict {
    /// True when the chain is intact.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}
