//! The one comparison-operator type (`==`, `!=`, `<`, `<=`, `>`, `>=`) shared by health conditions
//! and load thresholds: its symbols, how it is written and read, and whether it holds for two
//! values. What the values are (numbers, text, durations) is each caller's business.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CmpOp {
    /// `==`
    #[serde(rename = "==")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
}

impl CmpOp {
    /// Every operator, two-character ones before their one-character prefixes (`<=` before `<`),
    /// so a scanner trying them in this order never reads `<=` as `<`.
    pub const ALL: [CmpOp; 6] = [CmpOp::Eq, CmpOp::Ne, CmpOp::Le, CmpOp::Ge, CmpOp::Lt, CmpOp::Gt];

    /// How it is written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator written `s`, if any.
    pub fn from_symbol(s: &str) -> Option<CmpOp> {
        CmpOp::ALL.into_iter().find(|op| op.symbol() == s)
    }

    /// True for `<`, `<=`, `>`, `>=`.
    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    /// Whether it holds for two values in this order; `None` (incomparable, e.g. NaN) holds only
    /// for `!=`.
    pub fn holds_ordering(self, ord: Option<Ordering>) -> bool {
        match (self, ord) {
            (CmpOp::Ne, None) => true,
            (_, None) => false,
            (CmpOp::Eq, Some(o)) => o.is_eq(),
            (CmpOp::Ne, Some(o)) => o.is_ne(),
            (CmpOp::Lt, Some(o)) => o.is_lt(),
            (CmpOp::Le, Some(o)) => o.is_le(),
            (CmpOp::Gt, Some(o)) => o.is_gt(),
            (CmpOp::Ge, Some(o)) => o.is_ge(),
        }
    }

    /// Whether `a OP b` holds.
    pub fn holds<T: PartialOrd + Copy>(self, a: T, b: T) -> bool {
        self.holds_ordering(a.partial_cmp(&b))
    }
}

impl std::fmt::Display for CmpOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.symbol())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_round_trip_and_hold() {
        for op in CmpOp::ALL {
            assert_eq!(CmpOp::from_symbol(op.symbol()), Some(op));
            assert_eq!(serde_json::to_value(op).unwrap(), serde_json::json!(op.symbol()));
        }
        assert!(CmpOp::Lt.holds(1.0, 2.0) && !CmpOp::Lt.holds(2.0, 2.0) && CmpOp::Le.holds(2.0, 2.0));
        assert!(CmpOp::Gt.holds(3, 2) && CmpOp::Ge.holds(2, 2) && !CmpOp::Gt.holds(2, 2));
        assert!(CmpOp::Eq.holds("a", "a") && CmpOp::Ne.holds("a", "b"));
        assert!(CmpOp::Ne.holds(f64::NAN, 1.0) && !CmpOp::Eq.holds(f64::NAN, f64::NAN));
        assert!(!CmpOp::Lt.holds(f64::NAN, 1.0));
        assert_eq!(CmpOp::from_symbol("=<"), None);
    }
}
