//! `[[steps]]`: the common keys, exactly one action key naming a registered step kind, and that
//! kind's extra keys. The action value goes to the kind's own parser; templates found on the way are
//! returned as [`Site`]s for the reference check.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::DeTable;

use super::refs::{Site, Source};
use super::value::{Item, ParseState, key_span, to_json, unknown_key_help};
use crate::workflow::kind::{ActionKind, ActionKinds};
use crate::workflow::model::{Action, OnFail, Retry, SourcePos, Step};
use crate::workflow::template::Template;

mod control;

/// Keys every step may have, whatever its kind.
pub(super) const COMMON_KEYS: [&str; 11] = [
    "id",
    "title",
    "when",
    "timeout",
    "retries",
    "on_fail",
    "rollback",
    "env",
    "dir",
    "dry_run",
    "idempotent",
];

/// A parsed step, with what the file-level checks need.
pub(super) struct Parsed {
    pub step: Step,
    pub id_span: Option<Range<usize>>,
    pub sites: Vec<Site>,
}

/// Parses the `steps` array (absent or empty is an error: a workflow does something).
pub(super) fn parse_steps(
    cx: &mut ParseState<'_>,
    kinds: ActionKinds<'_>,
    item: Option<&Item<'_>>,
) -> Vec<Parsed> {
    let help = "add at least one step:\n\n    [[steps]]\n    id = \"hello\"\n    run = \"echo hello\"";
    let Some(item) = item else {
        cx.error_file("the workflow has no steps", help);
        return Vec::new();
    };
    let Some(list) = item.get_ref().as_array() else {
        let found = item.get_ref().type_str();
        cx.error(
            &item.span(),
            format!("`steps` must be an array of tables ([[steps]]), found {found}"),
            None,
        );
        return Vec::new();
    };
    if list.is_empty() {
        cx.error(&item.span(), "the workflow has no steps", Some(help.to_string()));
    }
    list.iter().enumerate().filter_map(|(i, s)| parse_step(cx, kinds, i, s)).collect()
}

fn parse_step(
    cx: &mut ParseState<'_>,
    kinds: ActionKinds<'_>,
    index: usize,
    item: &Item<'_>,
) -> Option<Parsed> {
    let Some(table) = item.get_ref().as_table() else {
        let found = item.get_ref().type_str();
        cx.error(&item.span(), format!("a step must be a table, found {found}"), None);
        return None;
    };
    let line = cx.line(item.span().start);
    check_step_keys(cx, kinds, table);
    let (id, id_span) = step_id(cx, table, item.span().start);
    let mut step = Step {
        id,
        title: None,
        when: None,
        timeout_ms: None,
        retry: Retry::default(),
        on_fail: OnFail::Halt,
        rollback: None,
        env: BTreeMap::new(),
        dir: None,
        dry_run: None,
        idempotent: false,
        action: Action { kind: String::new(), spec: serde_json::Value::Null, at: SourcePos::default() },
        line,
    };
    let mut sites = Vec::new();
    text_keys(cx, table, &mut step, &mut sites, index);
    control::control_keys(cx, table, &mut step, &mut sites, index);
    if let Some(kind) = find_action(cx, kinds, table, item.span().start, &step.id) {
        action(cx, table, kind, &mut step, &mut sites, index);
    }
    Some(Parsed { step, id_span, sites })
}

/// Every key a step of any kind may have.
fn all_step_keys(kinds: ActionKinds<'_>) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = COMMON_KEYS.to_vec();
    keys.extend(kinds.action_keys());
    keys.extend(kinds.extra_keys());
    keys
}

fn check_step_keys(cx: &mut ParseState<'_>, kinds: ActionKinds<'_>, table: &DeTable<'_>) {
    let allowed = all_step_keys(kinds);
    let action = table.iter().find_map(|(k, _)| kinds.find(k.get_ref()));
    for (key, _) in table {
        let k = key.get_ref().as_ref();
        if !allowed.contains(&k) {
            let help = unknown_key_help(k, &allowed);
            cx.error(&key.span(), format!("unknown step key `{k}`"), Some(help));
            continue;
        }
        let owner = kinds.owner_of_extra(k);
        if let (Some(owner), Some(action)) = (owner, action)
            && owner.key() != action.key()
        {
            let msg = format!("`{k}` belongs to `{}` steps, not `{}` steps", owner.key(), action.key());
            cx.error(&key.span(), msg, Some(format!("remove `{k}`")));
        }
    }
}

fn step_id(cx: &mut ParseState<'_>, table: &DeTable<'_>, at: usize) -> (String, Option<Range<usize>>) {
    let Some(item) = table.get("id") else {
        let help = "add e.g. id = \"deploy\" (lower-case letters, digits, `-` and `_`)";
        cx.error_at(at, "this step has no `id`", Some(help.into()));
        return (String::new(), None);
    };
    let Some(id) = cx.string(item, "id") else {
        return (String::new(), None);
    };
    let ok = id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok {
        let help = "start with a lower-case letter or digit; use only a-z, 0-9, `-` and `_`";
        cx.error(&item.span(), format!("step id {id:?} is not valid"), Some(help.into()));
    }
    (id, Some(item.span()))
}

/// The one action key of the step, or a diagnostic at the step's header when there are none or two.
fn find_action<'k>(
    cx: &mut ParseState<'_>,
    kinds: ActionKinds<'k>,
    table: &DeTable<'_>,
    at: usize,
    id: &str,
) -> Option<&'k dyn ActionKind> {
    let mut found: Vec<(&'k dyn ActionKind, usize)> = table
        .iter()
        .filter_map(|(k, _)| kinds.find(k.get_ref()).map(|kind| (kind, k.span().start)))
        .collect();
    found.sort_by_key(|(_, start)| *start);
    let keys = kinds.action_keys().join(", ");
    let name = if id.is_empty() { String::new() } else { format!(" `{id}`") };
    match found.as_slice() {
        [(kind, _)] => Some(*kind),
        [] => {
            let msg = format!("step{name} has no action key");
            cx.error_at(at, msg, Some(format!("give exactly one of: {keys}")));
            None
        }
        [(a, _), (b, _), ..] => {
            let msg = format!("step{name} has two action keys, `{}` and `{}`", a.key(), b.key());
            let help = format!("a step does one thing: split it into two steps (action keys: {keys})");
            cx.error_at(at, msg, Some(help));
            None
        }
    }
}

fn action(
    cx: &mut ParseState<'_>,
    table: &DeTable<'_>,
    kind: &dyn ActionKind,
    step: &mut Step,
    sites: &mut Vec<Site>,
    index: usize,
) {
    let key = kind.key();
    let (Some(value), Some(span)) = (table.get(key), key_span(table, key)) else {
        return;
    };
    let extras: BTreeMap<String, serde_json::Value> = kind
        .extra_keys()
        .iter()
        .filter_map(|k| table.get(*k).map(|v| ((*k).to_string(), to_json(v.get_ref()))))
        .collect();
    match kind.parse(&to_json(value.get_ref()), &extras) {
        Ok(spec) => {
            for (field, template) in kind.templates(&spec) {
                let at = field_span(table, &field).unwrap_or_else(|| value.span());
                let what = format!("`{field}`");
                sites.push(Site { what, src: Source::Template(template), span: at, before: Some(index) });
            }
            let at = SourcePos(Some(crate::workflow::diag::line_col(cx.text, value.span().start)));
            step.action = Action { kind: key.to_string(), spec, at };
        }
        Err(msg) => cx.error(&span, format!("step `{}`: {msg}", step.id), None),
    }
}

/// The span of the string at a dotted field path (`approve.message`, `with.database`) in the step.
fn field_span(table: &DeTable<'_>, field: &str) -> Option<Range<usize>> {
    let mut segments = field.split('.');
    let mut item = table.get(segments.next()?)?;
    for seg in segments {
        item = item.get_ref().as_table()?.get(seg)?;
    }
    item.get_ref().is_str().then(|| item.span())
}

/// `title`, `rollback`, `dir`, `dry_run` and `env`.
fn text_keys(
    cx: &mut ParseState<'_>,
    table: &DeTable<'_>,
    step: &mut Step,
    sites: &mut Vec<Site>,
    index: usize,
) {
    if let Some(item) = table.get("title") {
        step.title = cx.string(item, "title");
    }
    let mut template = |cx: &mut ParseState<'_>, key: &str, before: Option<usize>| {
        let item = table.get(key)?;
        let text = cx.string(item, key)?;
        let src = Source::Template(Template::new(text.clone()));
        sites.push(Site { what: format!("`{key}`"), src, span: item.span(), before });
        Some(Template::new(text))
    };
    step.rollback = template(cx, "rollback", None);
    step.dir = template(cx, "dir", Some(index));
    step.dry_run = template(cx, "dry_run", Some(index));
    let Some(env) = table.get("env") else { return };
    let Some(env) = cx.table(env, "env") else { return };
    for (name, value) in env {
        let name = name.get_ref().to_string();
        let Some(text) = cx.string(value, &format!("env.{name}")) else { continue };
        let src = Source::Template(Template::new(text.clone()));
        sites.push(Site { what: format!("`env.{name}`"), src, span: value.span(), before: Some(index) });
        step.env.insert(name, Template::new(text));
    }
}
