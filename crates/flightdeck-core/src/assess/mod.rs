//! Readiness assessment: the bundled `BMad` infrastructure checklist ([`checklist`]), item states set by
//! the operator or by evidence rules over what flightdeck holds ([`evidence`]), and the published
//! formula that turns states into section scores, an overall score, coverage and the Ready verdict.
//!
//! **Formula.** pass = 1, partial = 0.5, fail = 0, unknown = 0; n/a items are excluded. A section's
//! score is `round(100 × Σ values ÷ applicable items)`; the overall score is the same sum over every
//! applicable item of every section (final gate included), not a mean of sections. Coverage is the
//! share of applicable items whose state is known (not unknown). **Ready** only when every applicable
//! final-gate item passes and no critical item fails, whatever the score.

pub mod checklist;
mod compute;
mod dora_rule;
pub mod evidence;
mod evidence_data;
mod formula;
mod render;

use serde::{Deserialize, Serialize};

pub use checklist::{AssessmentConfig, Checklist, ChecklistItem, Section};

/// Installs the checklist check of `[assessment]` that every later `Config::parse` runs (duplicate or
/// unknown item ids, unknown sections and evidence rules, with their line). The binary calls this
/// once at start-up; `config` cannot call `assess` itself (that would close a module cycle).
pub fn install_config_check() {
    crate::config::assessment::set_load_check(checklist::check_config);
}
pub use compute::{assess, default_environment, item_records, record, set_item};
pub use formula::{Report, SectionScore, score_items};
pub use render::{FORMULA, markdown, pct, text};

/// An item's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Met.
    Pass,
    /// Partly met (counts one half).
    Partial,
    /// Not met.
    Fail,
    /// Does not apply here (excluded from scores).
    #[serde(rename = "n/a")]
    NotApplicable,
    /// Nobody knows yet (counts zero, lowers coverage).
    Unknown,
}

impl State {
    /// Every state, in the order keys cycle through them.
    pub const ALL: [State; 5] =
        [State::Pass, State::Partial, State::Fail, State::NotApplicable, State::Unknown];

    /// The name used on the command line, in the store and in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pass => "pass",
            State::Partial => "partial",
            State::Fail => "fail",
            State::NotApplicable => "n/a",
            State::Unknown => "unknown",
        }
    }

    /// Parses `pass`, `partial`, `fail`, `n/a` (or `na`), `unknown`.
    pub fn parse(text: &str) -> Option<State> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pass" => Some(State::Pass),
            "partial" => Some(State::Partial),
            "fail" => Some(State::Fail),
            "n/a" | "na" | "n-a" => Some(State::NotApplicable),
            "unknown" => Some(State::Unknown),
            _ => None,
        }
    }

    /// The value in the formula (`None` for n/a, which is excluded).
    pub fn value(self) -> Option<f64> {
        match self {
            State::Pass => Some(1.0),
            State::Partial => Some(0.5),
            State::Fail | State::Unknown => Some(0.0),
            State::NotApplicable => None,
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a state came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Set by a person (`assess set` or the console); audited.
    Operator,
    /// Computed by an evidence rule.
    Evidence,
    /// Disabled in `flightdeck.toml`.
    Config,
    /// Nothing set it.
    None,
}

impl Source {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Operator => "operator",
            Source::Evidence => "evidence",
            Source::Config => "config",
            Source::None => "none",
        }
    }
}

/// One item's state with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// Item id (`5.2.1`).
    pub id: String,
    /// Section id (`5`, `G` for the final gate).
    pub section: String,
    /// Subsection title.
    pub subsection: String,
    /// The item's text.
    pub text: String,
    /// A fail here blocks Ready.
    pub critical: bool,
    /// Part of the final gate.
    pub gate: bool,
    /// The state used in the formula.
    pub state: State,
    /// Who or what set it.
    pub source: Source,
    /// The operator's note.
    pub note: Option<String>,
    /// What the evidence rule found (also kept when an operator overrides it).
    pub detail: Option<String>,
    /// The evidence rule, if the item has one.
    pub evidence: Option<String>,
    /// When the state was set (microseconds since the epoch).
    pub at: Option<i64>,
    /// The operator who set it.
    pub actor: Option<String>,
}

/// Assessment errors: bad checklist data, bad input, the store.
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    /// A problem in the bundled or project checklist, with file and line.
    #[error("{0}")]
    Checklist(crate::diag::Diagnostic),
    /// An unknown item id.
    #[error("unknown checklist item {id:?}{hint} (list them with `flightdeck assess --markdown`)")]
    UnknownItem {
        /// The id given.
        id: String,
        /// " (did you mean ...?)" or empty.
        hint: String,
    },
    /// An unknown state.
    #[error("unknown state {0:?}: use pass, partial, fail, n/a or unknown")]
    UnknownState(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

#[cfg(test)]
mod tests;
