//! Evaluation of `when` expressions against a run's [`Scope`].
//!
//! A missing path evaluates to null. Values are compared loosely, because parameters arrive as
//! text: `==` between a string and a number or boolean compares their text (`params.count == 3`
//! holds for the string `"3"`, numerically, so `"3.0" == 3` holds too); ordering is numeric when
//! both sides read as numbers and string order otherwise, and never holds when a side is null.
//! `in` tests membership of a list, or a substring of a string.

use std::cmp::Ordering;

use serde_json::Value;

use crate::compare::CmpOp as Op;
use crate::workflow::expr::{CmpOp, Expr};
use crate::workflow::template::{Scope, value_text};

/// Evaluates `e` to a value.
pub(crate) fn eval(e: &Expr, scope: &Scope<'_>) -> Value {
    match e {
        Expr::Lit(v) => v.clone(),
        Expr::Path(p) => scope.get(p).unwrap_or(Value::Null),
        Expr::List(items) => Value::Array(items.iter().map(|i| eval(i, scope)).collect()),
        Expr::Not(a) => Value::Bool(!truthy(&eval(a, scope))),
        Expr::And(a, b) => Value::Bool(truthy(&eval(a, scope)) && truthy(&eval(b, scope))),
        Expr::Or(a, b) => Value::Bool(truthy(&eval(a, scope)) || truthy(&eval(b, scope))),
        Expr::Cmp(a, op, b) => Value::Bool(compare(&eval(a, scope), *op, &eval(b, scope))),
    }
}

/// Truthiness: false for null (missing), `false`, `""`, `"false"`, `"0"`, `0` and `[]`.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !(s.is_empty() || s == "false" || s == "0"),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

fn compare(a: &Value, op: CmpOp, b: &Value) -> bool {
    match op {
        CmpOp::Ord(Op::Eq) => loose_eq(a, b),
        CmpOp::Ord(Op::Ne) => !loose_eq(a, b),
        CmpOp::In => contains(b, a),
        CmpOp::NotIn => !contains(b, a),
        CmpOp::Ord(op) => op.holds_ordering(order(a, b)),
    }
}

/// The value read as a number: numbers, and strings that parse as one.
fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| loose_eq(p, q))
        }
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => a == b,
        _ => match (as_number(a), as_number(b)) {
            (Some(x), Some(y)) => (x - y).abs() < f64::EPSILON * x.abs().max(y.abs()).max(1.0),
            _ => value_text(a) == value_text(b),
        },
    }
}

fn order(a: &Value, b: &Value) -> Option<Ordering> {
    if a.is_null() || b.is_null() {
        return None;
    }
    match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(value_text(a).cmp(&value_text(b))),
    }
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    match haystack {
        Value::Array(items) => items.iter().any(|i| loose_eq(i, needle)),
        Value::String(s) if !needle.is_null() => s.contains(&value_text(needle)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use crate::workflow::expr::WhenExpr;
    use crate::workflow::template::{Outputs, Scope};

    fn check(src: &str) -> bool {
        let params: BTreeMap<String, serde_json::Value> = [
            ("count", json!("3")),
            ("service", json!("web")),
            ("flag", json!("false")),
            ("regions", json!(["eu", "us"])),
            ("version", json!("10")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let environment: BTreeMap<String, serde_json::Value> =
            [("name".to_string(), json!("production")), ("production".to_string(), json!(true))].into();
        let mut outputs = Outputs::new();
        outputs.entry("pre".into()).or_default().insert("sha".into(), "abc".into());
        let secrets = BTreeMap::new();
        let run = BTreeMap::new();
        let scope = Scope {
            params: &params,
            environment: &environment,
            outputs: &outputs,
            step_prefix: None,
            secrets: &secrets,
            run: &run,
        };
        WhenExpr::parse(src).unwrap().eval(&scope)
    }

    #[test]
    fn equality_is_loose_between_text_and_numbers() {
        assert!(check("params.count == 3"));
        assert!(check("params.count == 3.0"));
        assert!(check("params.count != 4"));
        assert!(check("params.flag == false"));
        assert!(check("environment.production == 'true'"));
        assert!(!check("params.service == 'api'"));
        assert!(check("steps.pre.outputs.sha == \"abc\""));
    }

    #[test]
    fn ordering_is_numeric_when_both_sides_are_numbers() {
        assert!(check("params.version > 9"), "10 > 9 numerically");
        assert!(!check("params.version < '9'"), "both read as numbers: 10 < 9 is false");
        assert!(!check("params.version < 9"));
        assert!(check("params.service < 'xyz'"), "string order");
        assert!(!check("params.missing < 1"), "null never orders");
        assert!(!check("params.missing >= 1"));
    }

    #[test]
    fn membership_and_truthiness() {
        assert!(check("params.service in ['api', 'web']"));
        assert!(check("params.service not in ['api']"));
        assert!(check("'eu' in params.regions"));
        assert!(!check("'asia' in params.regions"));
        assert!(check("params.count in [1, 2, 3]"));
        assert!(check("'pro' in environment.name"), "substring of a string");
        assert!(!check("params.flag"), "\"false\" is falsy");
        assert!(!check("params.missing"), "missing is falsy");
        assert!(check("not params.missing and environment.production"));
        assert!(check("params.missing or (params.count == 3 and not false)"));
        assert!(!check("0 or '' or '0' or []"));
        assert!(check("params.missing == params.other_missing"));
        assert!(!check("params.missing == ''"));
    }
}
