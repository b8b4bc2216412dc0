//! `{{ path }}` templates and the scope they are rendered in.
//!
//! A template is kept as its source text (so plans serialise as written) and parsed when needed.
//! Paths are dotted: `params.NAME`, `environment.KEY`, `steps.ID.outputs.KEY`, `env.VAR`,
//! `secrets.NAME`, `run.KEY` (`id`, `operator`, `data_dir`, `project_dir`, `workflow`). In shell commands every substituted value becomes one shell-quoted word.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A dotted variable path such as `steps.preflight.outputs.sha`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VarPath {
    /// The dot-separated segments.
    pub segments: Vec<String>,
    /// Byte offset of the path in its template or expression source.
    pub offset: usize,
}

impl fmt::Display for VarPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("."))
    }
}

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// A `{{ path }}` to substitute.
    Var(VarPath),
}

/// Errors from parsing or rendering a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{` without a matching `}}`.
    #[error("unclosed `{{{{` at byte {offset}: close it with `}}}}`")]
    Unclosed {
        /// Byte offset of the opening braces.
        offset: usize,
    },
    /// Something between the braces that is not a dotted path.
    #[error("`{text}` is not a variable path: write e.g. `{{{{ params.service }}}}`")]
    BadPath {
        /// The text found.
        text: String,
        /// Byte offset of the text.
        offset: usize,
    },
    /// A path that has no value at render time.
    #[error("`{path}` has no value{hint}")]
    Missing {
        /// The path.
        path: String,
        /// Extra explanation, starting with `: ` when present.
        hint: String,
    },
}

/// A template: text with `{{ path }}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Template(String);

impl Template {
    /// Wraps source text.
    pub fn new(source: impl Into<String>) -> Self {
        Template(source.into())
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.0
    }

    /// Splits the source into text and variables.
    pub fn parse(&self) -> Result<Vec<Piece>, TemplateError> {
        parse_pieces(&self.0)
    }

    /// The variables the template refers to.
    pub fn vars(&self) -> Result<Vec<VarPath>, TemplateError> {
        Ok(self
            .parse()?
            .into_iter()
            .filter_map(|p| match p {
                Piece::Var(v) => Some(v),
                Piece::Text(_) => None,
            })
            .collect())
    }

    /// Renders with `scope`; with `quote`, each value becomes one shell word.
    pub fn render(&self, scope: &Scope<'_>, quote: bool) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(self.0.len());
        for piece in self.parse()? {
            match piece {
                Piece::Text(t) => out.push_str(&t),
                Piece::Var(v) => {
                    let value = scope.require(&v)?;
                    let text = value_text(&value);
                    if quote {
                        out.push_str(&shell_quote(&text));
                    } else {
                        out.push_str(&text);
                    }
                }
            }
        }
        Ok(out)
    }
}

fn parse_pieces(src: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = src;
    let mut base = 0;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(TemplateError::Unclosed { offset: base + open })?;
        let inner = &after[..close];
        let lead = inner.len() - inner.trim_start().len();
        let text = inner.trim();
        let offset = base + open + 2 + lead;
        pieces.push(Piece::Var(parse_path(text, offset)?));
        let consumed = open + 2 + close + 2;
        base += consumed;
        rest = &rest[consumed..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

/// Parses `a.b.c` (segments of letters, digits, `_` and `-`) into a path.
pub fn parse_path(text: &str, offset: usize) -> Result<VarPath, TemplateError> {
    let ok_segment =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let segments: Vec<String> = text.split('.').map(str::to_string).collect();
    if segments.len() < 2 || !segments.iter().all(|s| ok_segment(s)) {
        return Err(TemplateError::BadPath { text: text.to_string(), offset });
    }
    Ok(VarPath { segments, offset })
}

/// The text of a value as substituted: strings bare, everything else as JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Quotes `text` as one POSIX shell word (bare when that is safe).
pub fn shell_quote(text: &str) -> String {
    let safe =
        !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if safe { text.to_string() } else { format!("'{}'", text.replace('\'', r"'\''")) }
}

/// Step outputs: step id to its `key=value` outputs.
pub type Outputs = BTreeMap<String, BTreeMap<String, String>>;

/// The values templates and `when` expressions see while a run executes.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// `params.*` (for a task's steps: the task's inputs).
    pub params: &'a BTreeMap<String, Value>,
    /// `environment.*`: `name`, `production` and the environment's other keys.
    pub environment: &'a BTreeMap<String, Value>,
    /// `steps.ID.outputs.KEY`, keyed by full step id.
    pub outputs: &'a Outputs,
    /// For a task's steps, the id of the `uses` step: `steps.X` means `PREFIX.X` first.
    pub step_prefix: Option<&'a str>,
    /// `secrets.*` values resolved for this run.
    pub secrets: &'a BTreeMap<String, String>,
    /// `run.*`: `id`, `operator`, `data_dir`, `project_dir`, `workflow`.
    pub run: &'a BTreeMap<String, Value>,
}

impl Scope<'_> {
    /// The value at `path`, if any.
    pub fn get(&self, path: &VarPath) -> Option<Value> {
        let segs: Vec<&str> = path.segments.iter().map(String::as_str).collect();
        match segs.as_slice() {
            ["params", name] => self.params.get(*name).cloned(),
            ["environment", key] => self.environment.get(*key).cloned(),
            ["env", var] => std::env::var(var).ok().map(Value::String),
            ["secrets", name] => self.secrets.get(*name).cloned().map(Value::String),
            ["run", key] => self.run.get(*key).cloned(),
            ["steps", id, "outputs", key] => self.output(id, key).map(Value::String),
            _ => None,
        }
    }

    fn output(&self, id: &str, key: &str) -> Option<String> {
        if let Some(prefix) = self.step_prefix
            && let Some(v) = self.outputs.get(&format!("{prefix}.{id}")).and_then(|o| o.get(key))
        {
            return Some(v.clone());
        }
        if let Some(v) = self.outputs.get(id).and_then(|o| o.get(key)) {
            return Some(v.clone());
        }
        // A `uses` step's outputs are the merged outputs of its task's steps.
        let group = format!("{id}.");
        self.outputs
            .iter()
            .filter(|(k, _)| k.starts_with(&group))
            .filter_map(|(_, o)| o.get(key))
            .next_back()
            .cloned()
    }

    /// The value at `path`, or an error that says why it has none.
    pub fn require(&self, path: &VarPath) -> Result<Value, TemplateError> {
        self.get(path)
            .ok_or_else(|| TemplateError::Missing { path: path.to_string(), hint: self.missing_hint(path) })
    }

    fn missing_hint(&self, path: &VarPath) -> String {
        if let ["environment", key] = path.segments.iter().map(String::as_str).collect::<Vec<_>>().as_slice()
        {
            let name = self.environment.get("name").map_or_else(|| "NAME".to_string(), value_text);
            return format!(
                ": environment {name} has no key `{key}`; add `{key} = ...` under [environments.{name}] in flightdeck.toml"
            );
        }
        missing_hint(path)
    }
}

fn missing_hint(path: &VarPath) -> String {
    match path.segments.first().map(String::as_str) {
        Some("steps") => {
            ": the step was skipped, has not run yet, or wrote no such key to $FLIGHTDECK_OUTPUT".into()
        }
        Some("env") => ": the variable is not set in flightdeck's environment".into(),
        Some("params") => ": give it with -p NAME=value or a default".into(),
        Some("secrets") => ": no secret provider supplied it".into(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parts = (BTreeMap<String, Value>, BTreeMap<String, Value>, Outputs, BTreeMap<String, String>);

    fn scope_parts() -> Parts {
        let mut params = BTreeMap::new();
        params.insert("service".into(), Value::String("web app".into()));
        let mut env = BTreeMap::new();
        env.insert("name".into(), Value::String("staging".into()));
        env.insert("production".into(), Value::Bool(false));
        let mut outputs = Outputs::new();
        outputs.entry("pre".into()).or_default().insert("sha".into(), "abc123".into());
        outputs.entry("migrate.backup".into()).or_default().insert("path".into(), "/tmp/x".into());
        (params, env, outputs, BTreeMap::new())
    }

    #[test]
    fn renders_and_quotes() {
        let (params, env, outputs, secrets) = scope_parts();
        let scope = Scope {
            params: &params,
            environment: &env,
            outputs: &outputs,
            step_prefix: None,
            secrets: &secrets,
            run: &env,
        };
        let t =
            Template::new("deploy {{ params.service }} {{steps.pre.outputs.sha}} to {{ environment.name }}");
        assert_eq!(t.render(&scope, true).unwrap(), "deploy 'web app' abc123 to staging");
        assert_eq!(t.render(&scope, false).unwrap(), "deploy web app abc123 to staging");
        let evil = Template::new("echo {{ params.service }}");
        let mut p2 = params.clone();
        p2.insert("service".into(), Value::String("x'; rm -rf /; '".into()));
        let scope2 = Scope { params: &p2, ..scope };
        assert_eq!(evil.render(&scope2, true).unwrap(), r"echo 'x'\''; rm -rf /; '\'''");
    }

    #[test]
    fn task_prefix_and_group_outputs() {
        let (params, env, outputs, secrets) = scope_parts();
        let inside = Scope {
            params: &params,
            environment: &env,
            outputs: &outputs,
            step_prefix: Some("migrate"),
            secrets: &secrets,
            run: &env,
        };
        let t = Template::new("{{ steps.backup.outputs.path }}");
        assert_eq!(t.render(&inside, false).unwrap(), "/tmp/x");
        let outside = Scope { step_prefix: None, ..inside };
        let g = Template::new("{{ steps.migrate.outputs.path }}");
        assert_eq!(g.render(&outside, false).unwrap(), "/tmp/x");
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(matches!(Template::new("a {{ params.x").parse(), Err(TemplateError::Unclosed { offset: 2 })));
        assert!(matches!(Template::new("{{ oops }}").parse(), Err(TemplateError::BadPath { .. })));
        let (params, env, outputs, secrets) = scope_parts();
        let scope = Scope {
            params: &params,
            environment: &env,
            outputs: &outputs,
            step_prefix: None,
            secrets: &secrets,
            run: &env,
        };
        let err = Template::new("{{ steps.nope.outputs.x }}").render(&scope, true).unwrap_err();
        assert!(err.to_string().contains("steps.nope.outputs.x"));
        let err = Template::new("{{ environment.url }}").render(&scope, true).unwrap_err().to_string();
        assert!(
            err.contains("environment staging has no key `url`")
                && err.contains("under [environments.staging] in flightdeck.toml"),
            "{err}"
        );
    }
}
