//! The `validate` warning for secrets on a command line: a `{{ secrets.NAME }}` inside a `run`,
//! `rollback` or `dry_run` command is visible to every user of the host in `ps`; passing it through
//! `env = { VAR = "{{ secrets.NAME }}" }` keeps it out of the process list.

use std::sync::LazyLock;

use regex::Regex;

use crate::workflow::model::Workflow;

static REF: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\{\{\s*secrets\.([A-Za-z0-9_-]+)\s*\}\}").ok());

/// One warning per command that holds a secret: `FILE:LINE: warning: ...`.
pub fn command_line_warnings(wf: &Workflow) -> Vec<String> {
    let Some(re) = REF.as_ref() else { return Vec::new() };
    let mut out = Vec::new();
    for step in &wf.steps {
        let run = (step.action.kind == "run")
            .then(|| step.action.spec.get("command").and_then(serde_json::Value::as_str).map(str::to_string))
            .flatten();
        let commands = [
            ("run", run),
            ("rollback", step.rollback.as_ref().map(|t| t.source().to_string())),
            ("dry_run", step.dry_run.as_ref().map(|t| t.source().to_string())),
        ];
        for (field, cmd) in commands {
            let Some(cmd) = cmd else { continue };
            for c in re.captures_iter(&cmd) {
                let name = c.get(1).map_or("", |m| m.as_str());
                out.push(format!(
                    "{}:{}: warning: step `{}` puts {{{{ secrets.{name} }}}} in its `{field}` command line, where `ps` shows it to every user; pass it as env = {{ VAR = \"{{{{ secrets.{name} }}}}\" }} and use $VAR",
                    wf.source.display(),
                    step.line,
                    step.id
                ));
            }
        }
    }
    out
}
