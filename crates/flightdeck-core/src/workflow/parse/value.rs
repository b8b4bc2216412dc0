//! The parsing context (file, text, collected diagnostics) and helpers that read typed values out of
//! spanned TOML tables, reporting a diagnostic at the offending key or value when the type is wrong.

use std::ops::Range;
use std::path::Path;

use serde_json::Value;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::workflow::diag::{Diagnostic, line_col, nearest};

/// A spanned TOML value.
pub(super) type Item<'i> = Spanned<DeValue<'i>>;

/// The file being parsed and every problem found so far.
pub(super) struct ParseState<'a> {
    pub text: &'a str,
    pub file: &'a Path,
    pub diags: Vec<Diagnostic>,
}

impl<'a> ParseState<'a> {
    pub fn new(text: &'a str, file: &'a Path) -> Self {
        ParseState { text, file, diags: Vec::new() }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> u32 {
        line_col(self.text, offset).0
    }

    /// Records a problem at byte `offset`, with optional help.
    pub fn error_at(&mut self, offset: usize, message: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::at_offset(self.file, self.text, offset, message);
        d.help = help;
        self.diags.push(d);
    }

    /// Records a problem at the start of `span`.
    pub fn error(&mut self, span: &Range<usize>, message: impl Into<String>, help: Option<String>) {
        self.error_at(span.start, message, help);
    }

    /// Records a problem with the file as a whole (line 0).
    pub fn error_file(&mut self, message: impl Into<String>, help: impl Into<String>) {
        self.diags.push(Diagnostic::new(self.file, 0, 0, message).with_help(help));
    }

    /// The byte offset in the file of byte `offset` inside the string value at `span`, when the
    /// string is written on one line without escapes; otherwise the start of the value.
    pub fn in_string(&self, span: &Range<usize>, value: &str, offset: usize) -> usize {
        let raw = self.text.get(span.clone()).unwrap_or_default();
        let simple = raw.len() == value.len() + 2
            && (raw.starts_with('"') || raw.starts_with('\''))
            && raw.get(1..raw.len() - 1) == Some(value);
        if simple { span.start + 1 + offset } else { span.start }
    }

    /// Reports every key of `table` not in `allowed`, with the nearest valid key as help.
    pub fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], place: &str) {
        for (key, _) in table {
            let k = key.get_ref().as_ref();
            if !allowed.contains(&k) {
                let help = unknown_key_help(k, allowed);
                self.error(&key.span(), format!("unknown key `{k}` in {place}"), Some(help));
            }
        }
    }

    /// A string value, or a diagnostic saying it must be one.
    pub fn string(&mut self, item: &Item<'_>, what: &str) -> Option<String> {
        if let Some(s) = item.get_ref().as_str() {
            return Some(s.to_string());
        }
        let found = item.get_ref().type_str();
        self.error(&item.span(), format!("`{what}` must be a string, found {found}"), None);
        None
    }

    /// A boolean value, or a diagnostic saying it must be one.
    pub fn boolean(&mut self, item: &Item<'_>, what: &str) -> Option<bool> {
        if let Some(b) = item.get_ref().as_bool() {
            return Some(b);
        }
        let found = item.get_ref().type_str();
        self.error(&item.span(), format!("`{what}` must be true or false, found {found}"), None);
        None
    }

    /// A table value, or a diagnostic saying it must be one.
    pub fn table<'t, 'i>(&mut self, item: &'t Item<'i>, what: &str) -> Option<&'t DeTable<'i>> {
        if let Some(t) = item.get_ref().as_table() {
            return Some(t);
        }
        let found = item.get_ref().type_str();
        self.error(&item.span(), format!("`{what}` must be a table, found {found}"), None);
        None
    }

    /// One of `options`, or a diagnostic quoting the value and the nearest option.
    pub fn one_of(&mut self, item: &Item<'_>, what: &str, options: &[&str]) -> Option<String> {
        let s = self.string(item, what)?;
        if options.contains(&s.as_str()) {
            return Some(s);
        }
        let mut help = format!("use one of: {}", options.join(", "));
        if let Some(n) = nearest(&s, options) {
            help = format!("did you mean \"{n}\"? ({help})");
        }
        self.error(&item.span(), format!("`{what}` = {s:?} is not valid"), Some(help));
        None
    }
}

/// "did you mean `x`?" or the list of valid keys.
pub(super) fn unknown_key_help(key: &str, allowed: &[&str]) -> String {
    match nearest(key, allowed) {
        Some(n) => format!("did you mean `{n}`? (valid keys: {})", allowed.join(", ")),
        None => format!("remove it; valid keys here: {}", allowed.join(", ")),
    }
}

/// The entries of a table in file order (the parsed map is sorted by key).
pub(super) fn entries<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(&'t str, &'t Spanned<std::borrow::Cow<'i, str>>, &'t Item<'i>)> {
    let mut out: Vec<_> = table.iter().map(|(k, v)| (k.get_ref().as_ref(), k, v)).collect();
    out.sort_by_key(|(_, k, _)| k.span().start);
    out
}

/// The span of a key of `table`, if present.
pub(super) fn key_span(table: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    table.iter().find(|(k, _)| k.get_ref().as_ref() == key).map(|(k, _)| k.span())
}

/// Converts a TOML value to JSON (datetimes become strings).
pub(super) fn to_json(v: &DeValue<'_>) -> Value {
    match v {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).map_or(Value::Null, Value::from)
        }
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(a) => Value::Array(a.iter().map(|i| to_json(i.get_ref())).collect()),
        DeValue::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.get_ref().to_string(), to_json(v.get_ref()))).collect())
        }
    }
}
