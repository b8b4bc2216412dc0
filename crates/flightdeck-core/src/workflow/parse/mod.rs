//! Parsing one workflow or task file into a [`Workflow`], collecting every problem in the file.
//!
//! The file is read as spanned TOML tables (`toml::de::DeTable`), not through serde structs, so
//! that each diagnostic carries the line and column of the offending key or value and unknown keys
//! get the nearest valid key as help (serde's `flatten` loses both). Checks that need the whole file
//! — duplicate step ids, template and `when` references — are done here too, where spans are known.

use std::collections::BTreeMap;
use std::path::Path;

use toml::de::DeTable;

use crate::config::toml_diag;
use crate::workflow::diag::Diagnostic;
use crate::workflow::kind::ActionKinds;
use crate::workflow::model::{DeploymentSpec, Persona, Workflow, WorkflowKind};
use crate::workflow::template::Template;

mod param;
mod refs;
mod step;
mod value;

#[cfg(test)]
mod tests;

use refs::{Known, Site, Source};
use value::{Item, ParseState};

const TOP_KEYS: [&str; 8] = ["name", "title", "persona", "kind", "summary", "params", "deployment", "steps"];
const PERSONAS: [&str; 3] = ["diana", "rita", "phoenix"];
const KINDS: [&str; 7] = ["deployment", "rollback", "hotfix", "release", "incident", "task", "other"];
const DEPLOYMENT_KEYS: [&str; 6] = ["service", "sha", "version", "kind", "remediates", "digest"];

/// Parses the text of `file` (used in messages; its stem is the workflow's name). `is_task` for
/// files under `workflows/tasks/`; `kinds` are the step kinds its action keys may name. On failure,
/// returns every problem found, in file order.
pub fn parse_workflow(
    text: &str,
    file: &Path,
    is_task: bool,
    kinds: ActionKinds<'_>,
) -> Result<Workflow, Vec<Diagnostic>> {
    match parse_workflow_partial(text, file, is_task, kinds) {
        (Some(wf), diags) if diags.is_empty() => Ok(wf),
        (_, diags) => Err(diags),
    }
}

/// Like [`parse_workflow`], but also returns what could be read of a file with problems (every
/// step whose own keys were fine), so checks across files (`uses` naming a task) still run and
/// `validate` reports every error of the file at once. `None` only for a TOML syntax error.
pub fn parse_workflow_partial(
    text: &str,
    file: &Path,
    is_task: bool,
    kinds: ActionKinds<'_>,
) -> (Option<Workflow>, Vec<Diagnostic>) {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return (None, errors.iter().map(|e| syntax_diag(e, text, file)).collect());
    }
    let mut cx = ParseState::new(text, file);
    let table = doc.get_ref();
    cx.check_keys(table, &TOP_KEYS, "the workflow");
    let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let head = header(&mut cx, table, &name, is_task);
    let params = table.get("params").map(|p| param::parse_params(&mut cx, p)).unwrap_or_default();
    let mut parsed = step::parse_steps(&mut cx, kinds, table.get("steps"));
    let mut sites: Vec<Site> = parsed.iter_mut().flat_map(|p| std::mem::take(&mut p.sites)).collect();
    let deployment = table.get("deployment").and_then(|d| deployment(&mut cx, d, &mut sites));
    duplicate_ids(&mut cx, &parsed);
    let ids: Vec<(String, u32)> = parsed.iter().map(|p| (p.step.id.clone(), p.step.line)).collect();
    refs::check(&mut cx, &sites, &Known { params: &params, steps: &ids });
    let mut diags = cx.diags;
    diags.sort_by_key(|d| (d.line, d.column));
    let wf = Workflow {
        name,
        title: head.title,
        persona: head.persona,
        kind: head.kind,
        summary: head.summary,
        params,
        deployment,
        steps: parsed.into_iter().map(|p| p.step).collect(),
        source: file.to_path_buf(),
        is_task,
    };
    (Some(wf), diags)
}

struct Header {
    title: String,
    persona: Persona,
    kind: WorkflowKind,
    summary: String,
}

fn header(cx: &mut ParseState<'_>, table: &DeTable<'_>, stem: &str, is_task: bool) -> Header {
    if let Some(item) = table.get("name")
        && let Some(name) = cx.string(item, "name")
        && name != stem
    {
        let help = format!("set name = \"{stem}\" (or remove it), or rename the file to {name}.toml");
        cx.error(&item.span(), format!("name {name:?} does not match the file name {stem:?}"), Some(help));
    }
    let title = if let Some(item) = table.get("title") {
        cx.string(item, "title").unwrap_or_default()
    } else {
        cx.error_file("missing `title`", "add a one-line title, e.g. title = \"Deploy a service\"");
        String::new()
    };
    let persona = match table.get("persona").and_then(|i| cx.one_of(i, "persona", &PERSONAS)).as_deref() {
        Some("diana") => Persona::Diana,
        Some("rita") => Persona::Rita,
        Some("phoenix") => Persona::Phoenix,
        _ => Persona::None,
    };
    let kind = match table.get("kind") {
        Some(item) => cx.one_of(item, "kind", &KINDS).map_or(WorkflowKind::Other, |k| parse_kind(&k)),
        None if is_task => WorkflowKind::Task,
        None => WorkflowKind::Other,
    };
    let summary = table.get("summary").and_then(|i| cx.string(i, "summary")).unwrap_or_default();
    Header { title, persona, kind, summary }
}

/// A TOML syntax error; a duplicate key is quoted, since the parser's message does not name it.
fn syntax_diag(e: &toml::de::Error, text: &str, file: &Path) -> Diagnostic {
    let mut d = toml_diag(e, text, file);
    if let Some(key) = e.span().and_then(|s| text.get(s)).filter(|_| d.message == "duplicate key") {
        d.message = format!("duplicate key `{key}`");
        d.help = Some("each key may appear once in a table: remove or rename one".into());
    }
    d
}

fn parse_kind(k: &str) -> WorkflowKind {
    match k {
        "deployment" => WorkflowKind::Deployment,
        "rollback" => WorkflowKind::Rollback,
        "hotfix" => WorkflowKind::Hotfix,
        "release" => WorkflowKind::Release,
        "incident" => WorkflowKind::Incident,
        "task" => WorkflowKind::Task,
        _ => WorkflowKind::Other,
    }
}

/// `[deployment]`: templated ledger fields; they may use the outputs of any step of the file.
fn deployment(cx: &mut ParseState<'_>, item: &Item<'_>, sites: &mut Vec<Site>) -> Option<DeploymentSpec> {
    let table = cx.table(item, "deployment")?;
    cx.check_keys(table, &DEPLOYMENT_KEYS, "[deployment]");
    let mut fields: BTreeMap<&str, Template> = BTreeMap::new();
    for key in DEPLOYMENT_KEYS {
        let Some(value) = table.get(key) else { continue };
        let Some(text) = cx.string(value, &format!("deployment.{key}")) else { continue };
        let src = Source::Template(Template::new(text.clone()));
        sites.push(Site { what: format!("`deployment.{key}`"), src, span: value.span(), before: None });
        fields.insert(key, Template::new(text));
    }
    Some(DeploymentSpec {
        service: fields.remove("service"),
        sha: fields.remove("sha"),
        version: fields.remove("version"),
        kind: fields.remove("kind"),
        remediates: fields.remove("remediates"),
        digest: fields.remove("digest"),
    })
}

/// Two steps with one id: an error at the second, naming both lines.
fn duplicate_ids(cx: &mut ParseState<'_>, parsed: &[step::Parsed]) {
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    for p in parsed {
        let (id, Some(span)) = (p.step.id.as_str(), &p.id_span) else { continue };
        if id.is_empty() {
            continue;
        }
        let line = cx.line(span.start);
        if let Some(first) = seen.get(id) {
            let msg = format!("duplicate step id `{id}` (lines {first} and {line})");
            cx.error(span, msg, Some("step ids must be unique in a file: rename one".into()));
        } else {
            seen.insert(id, line);
        }
    }
}
