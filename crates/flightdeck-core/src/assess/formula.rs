//! The published formula: section scores, overall score, coverage and the Ready verdict, computed
//! from item states only (pure functions; see the module docs of [`super`]).

use serde::{Deserialize, Serialize};

use super::{ItemResult, Section, State};

/// One section's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionScore {
    /// Section id (`5`, `G`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// `round(100 × Σ values ÷ applicable)`; `None` when no item applies.
    pub score: Option<u32>,
    /// Items with a known state ÷ applicable items, in percent (rounded); `None` when none applies.
    pub coverage: Option<u32>,
    /// Applicable items (not n/a).
    pub applicable: usize,
    /// Items in each state: pass, partial, fail, n/a, unknown.
    pub pass: usize,
    /// Partial items.
    pub partial: usize,
    /// Failed items.
    pub fail: usize,
    /// n/a items.
    pub na: usize,
    /// Unknown items.
    pub unknown: usize,
}

/// A whole assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The environment assessed.
    pub environment: String,
    /// When (microseconds since the epoch).
    pub at: i64,
    /// Overall score over every applicable item.
    pub overall: Option<u32>,
    /// Overall coverage in percent.
    pub coverage: Option<u32>,
    /// Every final-gate item passes and no critical item fails.
    pub ready: bool,
    /// Why it is not ready: one line per blocking item.
    pub blockers: Vec<String>,
    /// Per section, in checklist order.
    pub sections: Vec<SectionScore>,
    /// Every item.
    pub items: Vec<ItemResult>,
}

/// Σ values and the applicable and known counts of `states`.
fn sums<'a>(states: impl Iterator<Item = &'a State>) -> (f64, usize, usize) {
    let (mut sum, mut applicable, mut known) = (0.0, 0, 0);
    for s in states {
        if let Some(v) = s.value() {
            sum += v;
            applicable += 1;
            if *s != State::Unknown {
                known += 1;
            }
        }
    }
    (sum, applicable, known)
}

fn percent(part: f64, whole: usize) -> Option<u32> {
    if whole == 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let p = (100.0 * part / whole as f64).round() as u32;
    Some(p)
}

/// The score and coverage of a list of states: `(score, coverage)`.
pub fn score_items(states: &[State]) -> (Option<u32>, Option<u32>) {
    let (sum, applicable, known) = sums(states.iter());
    #[allow(clippy::cast_precision_loss)]
    let coverage = percent(known as f64, applicable);
    (percent(sum, applicable), coverage)
}

fn section_score(section: &Section, items: &[ItemResult]) -> SectionScore {
    let states: Vec<State> = items.iter().filter(|i| i.section == section.id).map(|i| i.state).collect();
    let (score, coverage) = score_items(&states);
    let count = |s: State| states.iter().filter(|x| **x == s).count();
    SectionScore {
        id: section.id.clone(),
        title: section.title.clone(),
        score,
        coverage,
        applicable: states.len() - count(State::NotApplicable),
        pass: count(State::Pass),
        partial: count(State::Partial),
        fail: count(State::Fail),
        na: count(State::NotApplicable),
        unknown: count(State::Unknown),
    }
}

/// Why the items keep the assessment from Ready: a critical item that failed, a gate item that
/// does not pass (n/a gate items, disabled by the project, do not block).
pub fn blockers(items: &[ItemResult]) -> Vec<String> {
    let mut out = Vec::new();
    for i in items {
        if i.critical && i.state == State::Fail {
            out.push(format!("critical item {} failed: {}", i.id, i.text));
        } else if i.gate && !matches!(i.state, State::Pass | State::NotApplicable) {
            out.push(format!("final-gate item {} is {}: {}", i.id, i.state, i.text));
        }
    }
    out
}

impl Report {
    /// Computes the numbers of `items` grouped by `sections`.
    pub fn compute(environment: &str, at: i64, sections: &[Section], items: Vec<ItemResult>) -> Report {
        let scores = sections.iter().map(|s| section_score(s, &items)).collect();
        let states: Vec<State> = items.iter().map(|i| i.state).collect();
        let (overall, coverage) = score_items(&states);
        let blockers = blockers(&items);
        Report {
            environment: environment.to_string(),
            at,
            overall,
            coverage,
            ready: blockers.is_empty(),
            blockers,
            sections: scores,
            items,
        }
    }
}
