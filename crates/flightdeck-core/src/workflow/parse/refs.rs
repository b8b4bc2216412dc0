//! The reference check: every template and every `when` path of a file must parse and name
//! something that can have a value — a declared parameter, an output of a step that runs earlier,
//! or one of the open namespaces (`environment`, `env`, `secrets`, `run`).

use std::ops::Range;

use super::value::ParseState;
use crate::workflow::diag::nearest;
use crate::workflow::expr::WhenExpr;
use crate::workflow::model::Param;
use crate::workflow::template::{Template, TemplateError, VarPath};

/// Roots a path may start with.
const ROOTS: [&str; 6] = ["params", "steps", "environment", "env", "secrets", "run"];
/// Keys of `run.*`.
const RUN_KEYS: [&str; 5] = ["id", "operator", "data_dir", "project_dir", "workflow"];

/// What a site holds.
pub(super) enum Source {
    Template(Template),
    When(WhenExpr),
}

/// A templated value (or `when` expression) of the file and where it is.
pub(super) struct Site {
    /// The key, for messages (`` `run` ``).
    pub what: String,
    pub src: Source,
    /// Span of the string value in the file.
    pub span: Range<usize>,
    /// `Some(i)`: only steps before step `i` may be referenced; `None`: any step of the file.
    pub before: Option<usize>,
}

/// What the check knows of the file.
pub(super) struct Known<'a> {
    pub params: &'a [Param],
    /// Step ids in file order, with their lines.
    pub steps: &'a [(String, u32)],
}

/// Checks every site, recording a diagnostic per bad template or path.
pub(super) fn check(cx: &mut ParseState<'_>, sites: &[Site], known: &Known<'_>) {
    for site in sites {
        let (paths, text) = match &site.src {
            Source::Template(t) => match t.vars() {
                Ok(paths) => (paths, t.source()),
                Err(e) => {
                    template_error(cx, site, t.source(), &e);
                    continue;
                }
            },
            Source::When(w) => (w.paths(), w.source()),
        };
        for path in paths {
            if let Some((msg, help)) = check_path(&path, site.before, known) {
                let at = cx.in_string(&site.span, text, path.offset);
                cx.error_at(at, format!("{} refers to {msg}", site.what), Some(help));
            }
        }
    }
}

fn template_error(cx: &mut ParseState<'_>, site: &Site, text: &str, e: &TemplateError) {
    let offset = match e {
        TemplateError::Unclosed { offset } | TemplateError::BadPath { offset, .. } => *offset,
        TemplateError::Missing { .. } => 0,
    };
    let at = cx.in_string(&site.span, text, offset);
    let help = "templates look like {{ params.NAME }}, {{ steps.ID.outputs.KEY }} or {{ environment.name }}";
    cx.error_at(at, format!("bad template in {}: {e}", site.what), Some(help.into()));
}

/// `None` if the path can resolve; else the message (after "refers to") and help.
fn check_path(path: &VarPath, before: Option<usize>, known: &Known<'_>) -> Option<(String, String)> {
    let segs: Vec<&str> = path.segments.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["params", name] => check_param(name, known),
        ["steps", id, "outputs", _] => check_step(id, path, before, known),
        ["steps", ..] => {
            Some((format!("`{path}`, which is not a step output"), "write {{ steps.ID.outputs.KEY }}".into()))
        }
        ["run", key] if !RUN_KEYS.contains(key) => {
            Some((format!("`{path}`, which does not exist"), hint_list(key, &RUN_KEYS, "run keys")))
        }
        ["environment" | "env" | "secrets" | "run", _] | [] => None,
        [root, ..] if ROOTS.contains(root) => {
            Some((format!("`{path}`, which has too many parts"), format!("write {{{{ {root}.NAME }}}}")))
        }
        [root, ..] => Some((format!("`{path}`: unknown root `{root}`"), hint_list(root, &ROOTS, "roots"))),
    }
}

fn check_param(name: &str, known: &Known<'_>) -> Option<(String, String)> {
    let names: Vec<&str> = known.params.iter().map(|p| p.name.as_str()).collect();
    if names.contains(&name) {
        return None;
    }
    let help = if names.is_empty() {
        format!("this file declares no parameters: add [params.{name}]")
    } else {
        hint_list(name, &names, "declared parameters")
    };
    Some((format!("`params.{name}`, which is not a declared parameter"), help))
}

fn check_step(
    id: &str,
    path: &VarPath,
    before: Option<usize>,
    known: &Known<'_>,
) -> Option<(String, String)> {
    let position = known.steps.iter().position(|(s, _)| s == id);
    match (position, before) {
        (Some(_), None) => None,
        (Some(i), Some(b)) if i < b => None,
        (Some(i), Some(b)) if i == b => Some((
            format!("`{path}`, the outputs of this same step"),
            "a step can use the outputs of earlier steps only (its `rollback` may use its own)".into(),
        )),
        (Some(i), Some(_)) => {
            let line = known.steps[i].1;
            Some((
                format!("`{path}`, but step `{id}` (line {line}) has not run yet at this point"),
                "a step can use the outputs of earlier steps only: move it, or refer to an earlier step"
                    .into(),
            ))
        }
        (None, _) => {
            let earlier: Vec<&str> =
                known.steps.iter().take(before.unwrap_or(usize::MAX)).map(|(s, _)| s.as_str()).collect();
            let help = if earlier.is_empty() {
                "no step runs before this one".to_string()
            } else {
                hint_list(id, &earlier, "earlier steps")
            };
            Some((format!("`{path}`, but there is no step `{id}`"), help))
        }
    }
}

/// "did you mean `x`? (LABEL: a, b)" or "LABEL: a, b".
fn hint_list(word: &str, options: &[&str], label: &str) -> String {
    let list = format!("{label}: {}", options.join(", "));
    match nearest(word, options) {
        Some(n) => format!("did you mean `{n}`? ({list})"),
        None => list,
    }
}
