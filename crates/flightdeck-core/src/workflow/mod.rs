//! Workflows and tasks: the file format (`parse`), checks across files (`validate`), the built-in and
//! project catalogue (`catalog`), templates, `when` expressions, and the plan a run executes (`plan`).

pub mod catalog;
pub mod diag;
pub mod expr;
mod expr_eval;
mod expr_parse;
pub mod model;
pub mod parse;
pub mod plan;
pub mod template;
pub mod validate;
