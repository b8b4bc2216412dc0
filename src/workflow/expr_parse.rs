//! Parser for `when` expressions (placeholder until the parser lands in this session).
use crate::workflow::expr::{Expr, ExprError};
pub(crate) fn parse(_source: &str) -> Result<Expr, ExprError> {
    Err(ExprError { message: "when expressions are not parsed yet".into(), offset: 0 })
}
