//! A profile against a named baseline: each function's self and total share in both, the growth in
//! percentage points, and the functions whose self or total share grew by more than the tolerance
//! (`regress = "5pp"`), which fail the step. Pure functions.

use serde::{Deserialize, Serialize};

use super::TOP_N;
use super::folded::Shares;

/// The default tolerance: 5 percentage points.
pub const DEFAULT_REGRESS_PP: f64 = 5.0;

/// One function in both profiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionDelta {
    pub name: String,
    pub base_self: f64,
    pub self_pct: f64,
    pub base_total: f64,
    pub total_pct: f64,
    /// Self share growth in percentage points (negative: it shrank).
    pub self_pp: f64,
    /// Total share growth in percentage points.
    pub total_pp: f64,
    /// Grew by more than the tolerance.
    pub regressed: bool,
}

/// A profile compared with a baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub baseline: String,
    /// When the baseline was saved (UTC microseconds).
    pub saved_at: i64,
    /// The tolerance in percentage points.
    pub regress_pp: f64,
    /// The functions that changed most (every regressed one, then the largest changes).
    pub deltas: Vec<FunctionDelta>,
    /// The regressed functions, most grown first.
    pub regressed: Vec<String>,
    /// The differential flamegraph, when one was written.
    pub diff_svg: Option<String>,
}

/// Reads `5pp`, `5 pp` or `5` (percentage points, 0 to 100).
pub fn parse_regress(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches("pp").trim();
    number.parse::<f64>().ok().filter(|v| v.is_finite() && (0.0..=100.0).contains(v)).ok_or_else(|| {
        format!("bad `regress` {text:?}: write a growth in percentage points from 0 to 100, e.g. \"5pp\"")
    })
}

/// Compares `current` with `base` (baseline `name`, saved at `saved_at`).
pub fn compare(name: &str, saved_at: i64, base: &Shares, current: &Shares, regress_pp: f64) -> Comparison {
    let names: std::collections::BTreeSet<&String> =
        base.functions.keys().chain(current.functions.keys()).collect();
    let mut deltas: Vec<FunctionDelta> = names
        .into_iter()
        .map(|n| {
            let (bs, bt) = base.of_function(n);
            let (cs, ct) = current.of_function(n);
            let (self_pp, total_pp) = (cs - bs, ct - bt);
            FunctionDelta {
                name: n.clone(),
                base_self: bs,
                self_pct: cs,
                base_total: bt,
                total_pct: ct,
                self_pp,
                total_pp,
                regressed: self_pp > regress_pp || total_pp > regress_pp,
            }
        })
        .collect();
    let growth = |d: &FunctionDelta| d.self_pp.max(d.total_pp);
    let change = |d: &FunctionDelta| d.self_pp.abs().max(d.total_pp.abs());
    // Regressed first (self growth before total growth), then by size of change.
    deltas.sort_by(|a, b| {
        b.regressed
            .cmp(&a.regressed)
            .then(b.self_pp.total_cmp(&a.self_pp).then(growth(b).total_cmp(&growth(a))))
            .then(change(b).total_cmp(&change(a)))
    });
    let regressed: Vec<String> = deltas.iter().filter(|d| d.regressed).map(|d| d.name.clone()).collect();
    let keep = regressed.len().max(TOP_N);
    deltas.truncate(keep);
    Comparison { baseline: name.into(), saved_at, regress_pp, deltas, regressed, diff_svg: None }
}

impl Comparison {
    /// The delta of one function, if it is listed.
    pub fn delta(&self, name: &str) -> Option<&FunctionDelta> {
        self.deltas.iter().find(|d| d.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_functions_that_grew_beyond_the_tolerance() {
        let base = Shares::of("main;serve;page 80\nmain;serve;hot 2\nmain;idle 18\n");
        let cur = Shares::of("main;serve;page 30\nmain;serve;hot 60\nmain;idle 10\n");
        let c = compare("release-1", 7, &base, &cur, 5.0);
        assert_eq!(c.regressed.first().map(String::as_str), Some("hot"), "{c:?}");
        let hot = c.delta("hot").unwrap();
        assert!((hot.self_pp - 58.0).abs() < 1e-9 && hot.regressed);
        assert!(!c.delta("page").unwrap().regressed, "a shrinking function is not a regression");
        assert!(!c.regressed.contains(&"main".to_string()), "main stays at 100%");
        let same = compare("b", 0, &base, &base, 5.0);
        assert!(same.regressed.is_empty());
    }

    #[test]
    fn reads_the_tolerance() {
        assert_eq!(parse_regress("5pp"), Ok(5.0));
        assert_eq!(parse_regress(" 2.5 pp"), Ok(2.5));
        assert_eq!(parse_regress("20"), Ok(20.0));
        assert!(parse_regress("5%").unwrap_err().contains("\"5%\""));
        assert!(parse_regress("150pp").is_err());
    }
}
