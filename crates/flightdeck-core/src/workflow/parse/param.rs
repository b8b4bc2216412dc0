//! `[params.NAME]`: prompt, type (declared or inferred), choices, default, required, pattern, help.
//! Every problem in a parameter is reported at its key or value; defaults are checked against the
//! type, the choices and the pattern here, so a run never starts with a default that cannot work.

use serde_json::Value;
use toml::de::DeTable;

use super::value::{Item, ParseState, entries, to_json};
use crate::workflow::model::{Param, ParamType};

const PARAM_KEYS: [&str; 7] = ["prompt", "type", "choices", "default", "required", "pattern", "help"];
const TYPES: [&str; 4] = ["string", "choice", "bool", "number"];

/// Parses the `params` table, in file order.
pub(super) fn parse_params(cx: &mut ParseState<'_>, item: &Item<'_>) -> Vec<Param> {
    let Some(table) = cx.table(item, "params") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, key, value) in entries(table) {
        if !name_ok(cx, name, &key.span()) {
            continue;
        }
        let Some(def) = cx.table(value, &format!("params.{name}")) else { continue };
        out.push(parse_param(cx, name, def));
    }
    out
}

fn name_ok(cx: &mut ParseState<'_>, name: &str, span: &std::ops::Range<usize>) -> bool {
    if name == "env" || name == "environment" {
        let help = "the environment is chosen for the run with --env NAME (or in the launch form); \
                    use {{ environment.name }} in templates";
        cx.error(span, format!("a parameter may not be named `{name}`"), Some(help.into()));
        return false;
    }
    let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        let help = "start with a lower-case letter; use only a-z, 0-9 and `_`";
        cx.error(span, format!("parameter name {name:?} is not valid"), Some(help.into()));
    }
    ok
}

/// One parameter; a part in error is reported and left at its default, so references still resolve.
fn parse_param(cx: &mut ParseState<'_>, name: &str, def: &DeTable<'_>) -> Param {
    let place = format!("[params.{name}]");
    cx.check_keys(def, &PARAM_KEYS, &place);
    let text = |cx: &mut ParseState<'_>, key: &str| def.get(key).and_then(|i| cx.string(i, key));
    let prompt = text(cx, "prompt").unwrap_or_else(|| name.to_string());
    let help = text(cx, "help");
    let required = def.get("required").and_then(|i| cx.boolean(i, "required")).unwrap_or(false);
    let ty = param_type(cx, name, def).unwrap_or(ParamType::String);
    let pattern = def.get("pattern").and_then(|i| pattern(cx, i, &ty));
    let default = def.get("default").and_then(|item| default(cx, item, &ty, pattern.as_ref()));
    Param { name: name.to_string(), prompt, ty, default, required, pattern: pattern.map(|(s, _)| s), help }
}

/// The declared type, or the one inferred from `choices` or a boolean or numeric `default`.
fn param_type(cx: &mut ParseState<'_>, name: &str, def: &DeTable<'_>) -> Option<ParamType> {
    let declared = match def.get("type") {
        Some(item) => Some(cx.one_of(item, "type", &TYPES)?),
        None => None,
    };
    let choices = match def.get("choices") {
        Some(item) => Some(choices(cx, item)?),
        None => None,
    };
    let inferred = match (def.get("default").map(toml::Spanned::get_ref), &choices) {
        (_, Some(_)) => "choice",
        (Some(d), None) if d.is_bool() => "bool",
        (Some(d), None) if d.is_integer() || d.is_float() => "number",
        _ => "string",
    };
    let ty = declared.as_deref().unwrap_or(inferred);
    match (ty, choices) {
        ("choice", Some(choices)) => Some(ParamType::Choice { choices }),
        ("choice", None) => {
            let at = def.get("type").map_or(0, |i| i.span().start);
            let help = format!("list the options: choices = [\"a\", \"b\"] under [params.{name}]");
            cx.error_at(at, format!("parameter `{name}` is a choice without `choices`"), Some(help));
            None
        }
        (other, Some(_)) => {
            let at = def.get("choices").map_or(0, |i| i.span().start);
            let help = "remove `type` (choices make it a choice) or remove `choices`";
            cx.error_at(at, format!("`choices` given for a parameter of type {other}"), Some(help.into()));
            None
        }
        ("bool", None) => Some(ParamType::Bool),
        ("number", None) => Some(ParamType::Number),
        _ => Some(ParamType::String),
    }
}

fn choices(cx: &mut ParseState<'_>, item: &Item<'_>) -> Option<Vec<String>> {
    let list: Option<Vec<String>> = item
        .get_ref()
        .as_array()
        .map(|a| a.iter().filter_map(|i| i.get_ref().as_str().map(str::to_string)).collect());
    let complete =
        item.get_ref().as_array().is_some_and(|a| list.as_ref().is_some_and(|l| l.len() == a.len()));
    match list {
        Some(l) if complete && !l.is_empty() && l.iter().all(|c| !c.is_empty()) => Some(l),
        _ => {
            let help = "e.g. choices = [\"blue\", \"green\"]";
            cx.error(
                &item.span(),
                "`choices` must be a non-empty list of non-empty strings",
                Some(help.into()),
            );
            None
        }
    }
}

/// The pattern and its compiled whole-value form, or a diagnostic.
fn pattern(cx: &mut ParseState<'_>, item: &Item<'_>, ty: &ParamType) -> Option<(String, regex::Regex)> {
    let text = cx.string(item, "pattern")?;
    if *ty != ParamType::String {
        let help = "a pattern constrains free text: remove it, or make the parameter a string";
        cx.error(&item.span(), "`pattern` applies only to string parameters", Some(help.into()));
        return None;
    }
    match regex::Regex::new(&format!("^(?:{text})$")) {
        Ok(re) => Some((text, re)),
        Err(e) => {
            let detail = e.to_string();
            let last = detail.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
            let msg = format!("`pattern` {text:?} is not a valid regular expression: {last}");
            cx.error(&item.span(), msg, Some("regex syntax: https://docs.rs/regex/#syntax".into()));
            None
        }
    }
}

fn default(
    cx: &mut ParseState<'_>,
    item: &Item<'_>,
    ty: &ParamType,
    pattern: Option<&(String, regex::Regex)>,
) -> Option<Value> {
    let value = to_json(item.get_ref());
    let problem = match (ty, &value) {
        (ParamType::String, Value::String(s)) => match pattern {
            Some((p, re)) if !re.is_match(s) => {
                Some(format!("default {s:?} does not match the pattern {p:?}"))
            }
            _ => None,
        },
        (ParamType::Choice { choices }, Value::String(s)) => {
            (!choices.contains(s)).then(|| format!("default {s:?} is not among the choices {choices:?}"))
        }
        (ParamType::Bool, Value::Bool(_)) | (ParamType::Number, Value::Number(_)) => None,
        (ParamType::Choice { .. } | ParamType::String, _) => {
            Some(format!("default {value} must be a string"))
        }
        (ParamType::Bool, _) => Some(format!("default {value} of a bool parameter must be true or false")),
        (ParamType::Number, _) => Some(format!("default {value} of a number parameter must be a number")),
    };
    match problem {
        Some(msg) => {
            cx.error(&item.span(), msg, Some("change the default or remove it".into()));
            None
        }
        None => Some(value),
    }
}
