//! One environment and its policy: how many distinct people approve, whether the operator may be one
//! of them, the confirmation phrase, automation, read-only, timeouts and break-glass.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diag::{Diagnostic, nearest};
use crate::time::parse_duration;

/// The policy keys an environment table knows; other scalar keys become `environment.KEY` variables.
pub const POLICY_KEYS: &[&str] = &[
    "production",
    "approvals",
    "allow_self_approval",
    "allow_root_approval",
    "confirm_phrase",
    "auto_approve",
    "read_only",
    "approval_timeout",
    "break_glass",
    "description",
];

/// `[environments.NAME]`.
#[allow(clippy::struct_excessive_bools)] // policy switches are naturally booleans
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// The table's name (filled in after parsing).
    #[serde(skip_deserializing, default)]
    pub name: String,
    /// Counts for DORA; stands out in the console; gates are stricter.
    #[serde(default)]
    pub production: bool,
    /// Distinct people who must approve each gate.
    #[serde(default = "one")]
    pub approvals: u32,
    /// Whether the operator who started the run may be one of the approvers.
    #[serde(default = "yes")]
    pub allow_self_approval: bool,
    /// Whether uid 0 counts as an approver.
    #[serde(default)]
    pub allow_root_approval: bool,
    /// The phrase a yes/no gate requires in this environment instead of yes.
    #[serde(default)]
    pub confirm_phrase: Option<String>,
    /// Gates approve themselves with the operator's one approval (for scratch environments).
    #[serde(default)]
    pub auto_approve: bool,
    /// Only dry runs may start here.
    #[serde(default)]
    pub read_only: bool,
    /// How long a gate waits before it counts as rejected (`30m`); none = forever.
    #[serde(default)]
    pub approval_timeout: Option<String>,
    /// Emergency mode may pass gates without the full number of approvals (audited).
    #[serde(default)]
    pub break_glass: bool,
    /// One line about the environment.
    #[serde(default)]
    pub description: Option<String>,
    /// Other keys, as template variables (`environment.url`).
    #[serde(flatten)]
    pub vars: BTreeMap<String, toml::Value>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

impl Default for Environment {
    fn default() -> Self {
        Environment {
            name: "local".into(),
            production: false,
            approvals: 1,
            allow_self_approval: true,
            allow_root_approval: false,
            confirm_phrase: None,
            auto_approve: false,
            read_only: false,
            approval_timeout: None,
            break_glass: false,
            description: None,
            vars: BTreeMap::new(),
        }
    }
}

impl Environment {
    /// Checks values that serde cannot: durations, misspelt policy keys, non-scalar variables.
    pub fn check(&self, text: &str, path: &Path) -> Result<(), Diagnostic> {
        let line =
            |key: &str| crate::config::find_line_in_table(text, &format!("environments.{}", self.name), key);
        if let Some(t) = &self.approval_timeout
            && parse_duration(t).is_none()
        {
            return Err(Diagnostic::new(
                path,
                line("approval_timeout"),
                1,
                format!("approval_timeout {t:?} is not a duration"),
            )
            .with_help("write e.g. \"30m\", \"2h\" or \"90s\""));
        }
        if self.approvals == 0 {
            return Err(Diagnostic::new(
                path,
                line("approvals"),
                1,
                "approvals = 0 would let gates pass unattended",
            )
            .with_help("use approvals = 1 and auto_approve = true for an environment without people"));
        }
        for (key, value) in &self.vars {
            if let Some(n) = nearest(key, POLICY_KEYS) {
                return Err(Diagnostic::new(
                    path,
                    line(key),
                    1,
                    format!("unknown key `{key}` in [environments.{}]", self.name),
                )
                .with_help(format!("did you mean `{n}`?")));
            }
            if matches!(value, toml::Value::Table(_) | toml::Value::Array(_)) {
                return Err(Diagnostic::new(
                    path,
                    line(key),
                    1,
                    format!("`{key}` in [environments.{}] must be a string, number or boolean", self.name),
                )
                .with_help("environment variables for templates are scalars: url = \"https://...\""));
            }
        }
        Ok(())
    }

    /// The approval timeout in milliseconds.
    pub fn approval_timeout_ms(&self) -> Option<u64> {
        self.approval_timeout.as_deref().and_then(parse_duration)
    }

    /// The `environment.*` template variables: name, production and the extra keys.
    pub fn template_vars(&self) -> BTreeMap<String, Value> {
        let mut out: BTreeMap<String, Value> =
            self.vars.iter().map(|(k, v)| (k.clone(), crate::config::toml_to_json(v))).collect();
        out.insert("name".into(), Value::String(self.name.clone()));
        out.insert("production".into(), Value::Bool(self.production));
        out.insert("approvals".into(), Value::from(self.approvals));
        out
    }
}
