//! Evaluation of `when` expressions (placeholder).
use crate::workflow::expr::Expr;
use crate::workflow::template::Scope;
use serde_json::Value;
pub(crate) fn eval(_e: &Expr, _scope: &Scope<'_>) -> Value {
    Value::Null
}
pub(crate) fn truthy(_v: &Value) -> bool {
    false
}
