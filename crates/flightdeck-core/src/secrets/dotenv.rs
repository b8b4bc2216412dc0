//! The `dotenv` provider (a `KEY=value` file, or a JSON object), and the parsers the encrypted-file providers share:
//! dotenv text and flat or nested JSON objects, read into a name → value map that is zeroized on drop.

use std::collections::BTreeMap;
use std::path::PathBuf;

use zeroize::Zeroizing;

use super::{BoxFuture, Location, Problem, Provider, Secret, secret};

/// Parsed `name → value` pairs; every value is wiped when the map is dropped.
pub type Values = BTreeMap<String, Zeroizing<String>>;

/// Reads a plain dotenv file.
#[derive(Debug)]
pub struct DotenvProvider {
    /// The file.
    pub file: PathBuf,
}

impl Provider for DotenvProvider {
    fn kind(&self) -> &'static str {
        "dotenv"
    }

    fn read<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Secret, Problem>> {
        Box::pin(async move {
            let text = Zeroizing::new(tokio::fs::read_to_string(&self.file).await.map_err(|e| {
                Problem::Malformed { file: self.file.display().to_string(), detail: e.to_string() }
            })?);
            let values = parse_any(&text, &self.file.display().to_string())?;
            pick(&values, loc, &self.file.display().to_string())
        })
    }
}

/// The value for `loc`: the key (or path, or name) in `values`.
pub fn pick(values: &Values, loc: &Location, file: &str) -> Result<Secret, Problem> {
    let key = loc.key.as_deref().or(loc.path.as_deref()).unwrap_or(&loc.name);
    match values.get(key) {
        Some(v) => secret(v.to_string(), None),
        None => Err(Problem::KeyMissing {
            path: file.to_string(),
            key: key.to_string(),
            keys: values.keys().cloned().collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Parses `KEY=value` lines (`export`, comments, blank lines, single or double quotes).
/// A bad line is reported by number, never by content.
pub fn parse_dotenv(text: &str, file: &str) -> Result<Values, Problem> {
    let mut out = Values::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            return Err(Problem::Malformed {
                file: file.into(),
                detail: format!("line {} has no `=`", i + 1),
            });
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-') {
            return Err(Problem::Malformed {
                file: file.into(),
                detail: format!("line {} has a bad name", i + 1),
            });
        }
        let v = v.trim();
        let v = unquote(v).unwrap_or(v);
        out.insert(k.to_string(), Zeroizing::new(v.to_string()));
    }
    Ok(out)
}

fn unquote(v: &str) -> Option<&str> {
    let q = v.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    v.strip_prefix(q)?.strip_suffix(q)
}

/// Parses a JSON object; nested objects give dotted names (`db.password`).
pub fn parse_json(text: &str, file: &str) -> Result<Values, Problem> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| Problem::Malformed {
        file: file.into(),
        detail: format!("not JSON (line {}, column {})", e.line(), e.column()),
    })?;
    let mut out = Values::new();
    flatten("", &v, &mut out);
    Ok(out)
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Values) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&name, v, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), Zeroizing::new(s.clone()));
        }
        serde_json::Value::Null => {}
        other => {
            out.insert(prefix.to_string(), Zeroizing::new(other.to_string()));
        }
    }
}

/// Dotenv or JSON, by the first non-blank character.
pub fn parse_any(text: &str, file: &str) -> Result<Values, Problem> {
    if text.trim_start().starts_with('{') { parse_json(text, file) } else { parse_dotenv(text, file) }
}
