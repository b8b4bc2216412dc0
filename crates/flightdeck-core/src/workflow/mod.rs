//! Workflows and tasks: the file format (`parse`), checks across files (`validate`), the built-in and
//! project catalogue (`catalog`), templates, `when` expressions, and the plan a run executes (`plan`).

pub mod catalog;
/// Diagnostics live in the neutral [`crate::diag`] module (config and errors use them without depending
/// on workflows); re-exported so `workflow::diag::...` paths keep working.
pub use crate::diag;
pub mod expr;
mod expr_eval;
mod expr_parse;
pub mod kind;
pub mod model;
pub mod parse;
pub mod plan;
pub mod template;
pub mod validate;
