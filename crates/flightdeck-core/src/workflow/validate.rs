//! Checks across files: every `uses` step names a task of the catalogue, gives only inputs the task
//! declares and every input it requires, and tasks do not use other tasks. Literal inputs are also
//! checked against a choice's options and a string's pattern.

use serde_json::{Map, Value};

use crate::workflow::catalog::Catalog;
use crate::workflow::diag::{Diagnostic, nearest};
use crate::workflow::model::{Param, ParamType, Step, Workflow};

/// Every cross-file problem of `wf`, at the line of the step concerned.
pub fn validate(wf: &Workflow, catalog: &Catalog) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for step in wf.steps.iter().filter(|s| s.action.kind == "uses") {
        check_uses(wf, step, catalog, &mut out);
    }
    out
}

fn check_uses(wf: &Workflow, step: &Step, catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    let at =
        |message: String, help: String| Diagnostic::new(&wf.source, step.line, 0, message).with_help(help);
    let task_name = step.action.spec.get("task").and_then(Value::as_str).unwrap_or_default();
    if wf.is_task {
        out.push(at(
            format!("step `{}` uses task `{task_name}`, but a task may not use another task", step.id),
            "copy the steps you need into this task, or move this file to workflows/ as a workflow".into(),
        ));
        return;
    }
    let Some(task) = catalog.tasks.get(task_name) else {
        let names: Vec<&str> = catalog.tasks.keys().map(String::as_str).collect();
        let (line, column) = step.action.at.0.unwrap_or((step.line, 0));
        out.push(
            Diagnostic::new(
                &wf.source,
                line,
                column,
                format!("step `{}` uses unknown task `{task_name}`", step.id),
            )
            .with_help(list_help(task_name, &names, "tasks")),
        );
        return;
    };
    let empty = Map::new();
    let with = step.action.spec.get("with").and_then(Value::as_object).unwrap_or(&empty);
    for (message, help) in with_problems(task, with) {
        out.push(at(message, help));
    }
    for p in task.params.iter().filter(|p| p.required && p.default.is_none() && !with.contains_key(&p.name)) {
        out.push(at(
            format!("step `{}` does not give `with.{}`, which task `{task_name}` requires", step.id, p.name),
            format!("add it: with = {{ {} = \"...\" }}", p.name),
        ));
    }
}

/// Inputs the task does not declare, and literal inputs it cannot take: (message, help) each.
fn with_problems(task: &Workflow, with: &Map<String, Value>) -> Vec<(String, String)> {
    let inputs: Vec<&str> = task.params.iter().map(|p| p.name.as_str()).collect();
    let mut out = Vec::new();
    for (key, value) in with {
        match task.param(key) {
            None if inputs.is_empty() => out.push((
                format!("`with.{key}` is not an input of task `{}`", task.name),
                format!("task `{}` takes no inputs: remove `with`", task.name),
            )),
            None => out.push((
                format!("`with.{key}` is not an input of task `{}`", task.name),
                list_help(key, &inputs, "its inputs"),
            )),
            Some(param) => out.extend(
                literal_problem(param, value)
                    .map(|problem| (format!("`with.{key}`: {problem}"), "give a valid value".to_string())),
            ),
        }
    }
    out
}

/// For a literal (untemplated) input: why it cannot be a value of `param`, if it cannot.
fn literal_problem(param: &Param, value: &Value) -> Option<String> {
    let text = value.as_str()?;
    if text.contains("{{") {
        return None;
    }
    match &param.ty {
        ParamType::Choice { choices } if !choices.iter().any(|c| c == text) => {
            Some(format!("{text:?} is not among the choices {choices:?}"))
        }
        ParamType::Bool if text != "true" && text != "false" => {
            Some(format!("{text:?} is not true or false"))
        }
        ParamType::Number if text.parse::<f64>().is_err() => Some(format!("{text:?} is not a number")),
        ParamType::String => {
            let pattern = param.pattern.as_ref()?;
            let re = regex::Regex::new(&format!("^(?:{pattern})$")).ok()?;
            (!re.is_match(text)).then(|| format!("{text:?} does not match the pattern {pattern:?}"))
        }
        _ => None,
    }
}

/// "did you mean `x`? (LABEL: a, b)", or the list alone, or a note that there are none.
fn list_help(word: &str, names: &[&str], label: &str) -> String {
    if names.is_empty() {
        return format!("there are no {label}: add one under workflows/tasks/");
    }
    let list = format!("{label}: {}", names.join(", "));
    match nearest(word, names) {
        Some(n) => format!("did you mean `{n}`? ({list})"),
        None => list,
    }
}
