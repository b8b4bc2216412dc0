//! `[assessment]` in `flightdeck.toml`: the section's type, read with the rest of the file, and the
//! hook that checks it against the readiness checklist at load time.
//!
//! The checklist (bundled items, evidence rules) belongs to `assess`, which reads the configuration,
//! so `config` does not import it: `assess` installs its check here with [`set_load_check`] (the
//! binary does so at start-up, see `assess::install_config_check`), and [`super::Config::parse`] runs
//! it. Without an installed check the section is only parsed (its types and keys are still checked).

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;

/// A checklist item: a bundled one, or the project's own in `[[assessment.items]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// `5.2.1`.
    pub id: String,
    /// Section id (bundled items: the id's first part).
    #[serde(default)]
    pub section: Option<String>,
    /// Subsection title.
    #[serde(default)]
    pub subsection: String,
    /// What must hold.
    pub text: String,
    /// A fail blocks Ready.
    #[serde(default)]
    pub critical: bool,
    /// The evidence rule that sets it (one of `assess::evidence::RULES`).
    #[serde(default)]
    pub evidence: Option<String>,
}

impl ChecklistItem {
    /// The section id: `section`, else the id up to its first dot.
    pub fn section_id(&self) -> &str {
        self.section.as_deref().unwrap_or_else(|| self.id.split('.').next().unwrap_or(&self.id))
    }
}

/// `[assessment]` in `flightdeck.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentConfig {
    /// Item ids (`13.1.1`) or section ids (`15`) that do not apply here (they count as n/a).
    #[serde(default)]
    pub disable: Vec<String>,
    /// The project's own items (`[[assessment.items]]`, with `section` naming an existing section).
    #[serde(default)]
    pub items: Vec<ChecklistItem>,
    /// `backup`: the newest verified backup must be at most this many days old.
    #[serde(default = "seven")]
    pub backup_max_age_days: u32,
    /// `certificates`: every certificate must stay valid for more than this many days.
    #[serde(default = "fourteen")]
    pub certificate_min_days: u32,
    /// `dora`: the lowest acceptable band (`elite`, `high`, `medium`, `low`).
    #[serde(default = "medium")]
    pub dora_level: String,
    /// `rollback`: the workflow that rolls back.
    #[serde(default = "rollback")]
    pub rollback_workflow: String,
    /// `rollback`: it must have succeeded within this many days.
    #[serde(default = "thirty")]
    pub rollback_max_age_days: u32,
    /// `prometheus_rules`: the Prometheus server (`http://127.0.0.1:9090`).
    #[serde(default)]
    pub prometheus: Option<String>,
    /// `dora`: the median change lead time passes at or under this many hours...
    #[serde(default = "week_hours")]
    pub lead_time_target_hours: f64,
    /// ...and fails above this many (warn between).
    #[serde(default = "month_hours")]
    pub lead_time_limit_hours: f64,
    /// `dora`: the change failure rate passes at or under this percentage...
    #[serde(default = "fifteen")]
    pub change_fail_target_percent: f64,
    /// ...and fails above this one (warn between).
    #[serde(default = "thirty_f")]
    pub change_fail_limit_percent: f64,
    /// `dora`: the median failed-deployment recovery time passes at or under this many hours...
    #[serde(default = "day_hours")]
    pub restore_target_hours: f64,
    /// ...and fails above this many (warn between); so does a failure unrestored for longer.
    #[serde(default = "week_hours")]
    pub restore_limit_hours: f64,
}

fn seven() -> u32 {
    7
}
fn fourteen() -> u32 {
    14
}
fn thirty() -> u32 {
    30
}
fn day_hours() -> f64 {
    24.0
}
fn week_hours() -> f64 {
    168.0
}
fn month_hours() -> f64 {
    730.0
}
fn fifteen() -> f64 {
    15.0
}
fn thirty_f() -> f64 {
    30.0
}
fn medium() -> String {
    "medium".into()
}
fn rollback() -> String {
    "rollback".into()
}

impl Default for AssessmentConfig {
    fn default() -> Self {
        AssessmentConfig {
            disable: Vec::new(),
            items: Vec::new(),
            backup_max_age_days: seven(),
            certificate_min_days: fourteen(),
            dora_level: medium(),
            rollback_workflow: rollback(),
            rollback_max_age_days: thirty(),
            prometheus: None,
            lead_time_target_hours: week_hours(),
            lead_time_limit_hours: month_hours(),
            change_fail_target_percent: fifteen(),
            change_fail_limit_percent: thirty_f(),
            restore_target_hours: day_hours(),
            restore_limit_hours: week_hours(),
        }
    }
}

/// The load-time check of `[assessment]`: the parsed section and the file's text and path (for
/// line numbers); an error names the line.
pub type LoadCheck = fn(&AssessmentConfig, &str, &Path) -> Result<(), Diagnostic>;

static LOAD_CHECK: OnceLock<LoadCheck> = OnceLock::new();

/// Installs the check every later [`super::Config::parse`] runs on `[assessment]` (the first one
/// installed stays).
pub fn set_load_check(check: LoadCheck) {
    let _ = LOAD_CHECK.set(check);
}

/// Runs the installed check, if any.
pub(super) fn check(cfg: &AssessmentConfig, text: &str, path: &Path) -> Result<(), Diagnostic> {
    LOAD_CHECK.get().map_or(Ok(()), |check| check(cfg, text, path))
}
