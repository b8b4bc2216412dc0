//! The `when` expression language: a small, safe language parsed at load time.
//!
//! Grammar (lowest precedence first):
//! `or` → `and` → `not` → comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`) → primary.
//! Primaries: strings ('..' or ".."), numbers, `true`, `false`, lists `[a, b]`, parentheses, and
//! variable paths (`params.x`, `environment.production`, `steps.ID.outputs.KEY`, `env.VAR`).
//! A bare path is truthy unless it is missing, `false`, `""`, `"false"`, `"0"`, `0` or an empty list.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::workflow::template::{Scope, VarPath};

/// A parse error: what is wrong and the byte offset in the expression where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    /// What is wrong and what to write instead.
    pub message: String,
    /// Byte offset in the expression source.
    pub offset: usize,
}

/// A parsed `when` expression. Serialises as its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct WhenExpr {
    source: String,
    ast: Expr,
}

/// The syntax tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal value.
    Lit(serde_json::Value),
    /// A variable.
    Path(VarPath),
    /// A list literal.
    List(Vec<Expr>),
    /// `not e`.
    Not(Box<Expr>),
    /// `a and b`.
    And(Box<Expr>, Box<Expr>),
    /// `a or b`.
    Or(Box<Expr>, Box<Expr>),
    /// A comparison.
    Cmp(Box<Expr>, CmpOp, Box<Expr>),
}

/// Comparison operators: the six shared with health conditions and load thresholds, plus `in`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`, `!=`, `<`, `<=`, `>`, `>=`.
    Ord(crate::compare::CmpOp),
    /// `in`
    In,
    /// `not in`
    NotIn,
}

impl WhenExpr {
    /// Parses an expression.
    pub fn parse(source: &str) -> Result<WhenExpr, ExprError> {
        let ast = crate::workflow::expr_parse::parse(source)?;
        Ok(WhenExpr { source: source.to_string(), ast })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree.
    pub fn ast(&self) -> &Expr {
        &self.ast
    }

    /// Every variable path used, for validation.
    pub fn paths(&self) -> Vec<VarPath> {
        let mut out = Vec::new();
        collect_paths(&self.ast, &mut out);
        out
    }

    /// Evaluates against a run's scope.
    pub fn eval(&self, scope: &Scope<'_>) -> bool {
        crate::workflow::expr_eval::truthy(&crate::workflow::expr_eval::eval(&self.ast, scope))
    }
}

fn collect_paths(e: &Expr, out: &mut Vec<VarPath>) {
    match e {
        Expr::Lit(_) => {}
        Expr::Path(p) => out.push(p.clone()),
        Expr::List(items) => items.iter().for_each(|i| collect_paths(i, out)),
        Expr::Not(a) => collect_paths(a, out),
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(a, _, b) => {
            collect_paths(a, out);
            collect_paths(b, out);
        }
    }
}

impl Serialize for WhenExpr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for WhenExpr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        WhenExpr::parse(&s).map_err(serde::de::Error::custom)
    }
}
