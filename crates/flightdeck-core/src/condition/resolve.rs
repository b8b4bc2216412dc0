//! Resolving one side of a condition to text, as Gatus's `ResolvePlaceholder` (`placeholder.go`)
//! and `jsonpath.Eval` do: `[STATUS]` without a response is `0`, `[CERTIFICATE_EXPIRATION]`
//! without TLS `0`, `[BODY]` the trimmed body, a JSON path its value (objects as minified JSON,
//! arrays as Go prints them: `[a b c]`), a path that does not resolve the *invalid* marker
//! (`[BODY].x (INVALID)`, which compares unequal to every real value), `has()` `true`/`false`,
//! `len()` a length.

use serde_json::Value;

use super::{Func, Observation, Operand, PathSeg, Placeholder};

/// A side, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// Text to compare.
    Text(String),
    /// A path that did not resolve: Gatus compares `"<as written> (INVALID)"`.
    Invalid(String),
    /// `pat(...)`.
    Pattern(String),
    /// `any(...)`, with the text as written for when it is compared with a pattern.
    Any(Vec<String>, String),
}

impl Resolved {
    /// The text Gatus would compare.
    pub fn text(&self) -> String {
        match self {
            Resolved::Text(t) | Resolved::Pattern(t) => t.clone(),
            Resolved::Invalid(src) => format!("{src} (INVALID)"),
            Resolved::Any(_, src) => src.clone(),
        }
    }

    /// As shown in a failure: `(missing)` for what did not resolve.
    pub fn shown(&self) -> String {
        match self {
            Resolved::Invalid(_) => "(missing)".to_string(),
            other => other.text(),
        }
    }
}

/// The body parsed as JSON, at most once per probe.
pub struct Body<'a> {
    raw: &'a [u8],
    json: std::cell::OnceCell<Option<Value>>,
}

impl<'a> Body<'a> {
    /// Wraps the raw body.
    pub fn new(raw: &'a [u8]) -> Body<'a> {
        Body { raw, json: std::cell::OnceCell::new() }
    }

    fn json(&self) -> Option<&Value> {
        self.json.get_or_init(|| serde_json::from_slice(self.raw).ok()).as_ref()
    }

    fn trimmed(&self) -> String {
        String::from_utf8_lossy(self.raw).trim().to_string()
    }
}

/// Resolves one side.
pub fn resolve(operand: &Operand, obs: &Observation, body: &Body<'_>) -> Resolved {
    match operand {
        Operand::Literal(t) => Resolved::Text(t.clone()),
        Operand::Pattern(p) => Resolved::Pattern(p.clone()),
        Operand::Any(items) => Resolved::Any(items.clone(), format!("any({})", items.join(", "))),
        Operand::FuncOfLiteral { func: Func::Has, .. } => Resolved::Text("false".into()),
        Operand::FuncOfLiteral { text, .. } => Resolved::Invalid(text.clone()),
        Operand::Placeholder { func, placeholder: Placeholder::Body(path), text } => {
            if path.is_empty() {
                whole_body(*func, body)
            } else {
                body_path(*func, path, text, body)
            }
        }
        Operand::Placeholder { func, placeholder, .. } => {
            Resolved::Text(with_func(scalar(placeholder, obs), *func))
        }
    }
}

fn scalar(p: &Placeholder, obs: &Observation) -> String {
    match p {
        Placeholder::Status => obs.status.unwrap_or(0).to_string(),
        Placeholder::ResponseTime => obs.response_time_ms.to_string(),
        Placeholder::Connected => obs.connected.to_string(),
        Placeholder::CertificateExpiration => obs.cert_expiration_ms.unwrap_or(0).to_string(),
        Placeholder::Ip => obs.ip.clone().unwrap_or_default(),
        Placeholder::DnsRcode => obs.dns_rcode.clone().unwrap_or_default(),
        Placeholder::Body(_) => String::new(),
    }
}

/// Gatus `formatWithFunction`: `has` is "not empty", `len` the length in bytes.
fn with_func(value: String, func: Func) -> String {
    match func {
        Func::Value => value,
        Func::Has => (!value.is_empty()).to_string(),
        Func::Len => value.len().to_string(),
    }
}

/// `[BODY]`, `has([BODY])`, `len([BODY])` (a JSON array's elements, else the body's bytes).
fn whole_body(func: Func, body: &Body<'_>) -> Resolved {
    let text = match func {
        Func::Value => body.trimmed(),
        Func::Has => (!body.trimmed().is_empty()).to_string(),
        Func::Len => {
            let raw = body.raw;
            let array_like = raw.first() == Some(&b'[') && raw.last() == Some(&b']');
            match body.json() {
                Some(Value::Array(a)) if array_like => a.len().to_string(),
                _ if array_like => body.trimmed().len().to_string(),
                _ => raw.len().to_string(),
            }
        }
    };
    Resolved::Text(text)
}

/// `[BODY].path` and its `len()`/`has()`; null counts as absent, as in Gatus.
fn body_path(func: Func, path: &[PathSeg], text: &str, body: &Body<'_>) -> Resolved {
    let found = body.json().and_then(|j| walk(j, path)).filter(|v| !v.is_null());
    match (func, found) {
        (Func::Has, found) => Resolved::Text(found.is_some().to_string()),
        (_, None) => Resolved::Invalid(text.to_string()),
        (Func::Value, Some(v)) => Resolved::Text(go_text(v)),
        (Func::Len, Some(v)) => Resolved::Text(length(v).to_string()),
    }
}

fn walk<'v>(mut v: &'v Value, path: &[PathSeg]) -> Option<&'v Value> {
    for seg in path {
        v = match seg {
            PathSeg::Key(k) => v.as_object()?.get(k)?,
            PathSeg::Index(i) => v.as_array()?.get(*i)?,
        };
    }
    Some(v)
}

/// `len()` of a JSON value: elements of an array, keys of an object (Gatus: the bytes of its
/// minified JSON), bytes of a string, characters of a number or boolean as written.
fn length(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        Value::String(s) => s.len(),
        other => go_text(other).len(),
    }
}

/// A JSON value as Gatus's `jsonpath.walk` turns it into text: strings as they are, objects as
/// minified JSON, arrays as Go's `%v` (`[a b c]`), numbers as written (Gatus: Go's float form).
fn go_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(_) => v.to_string(),
        other => go_v(other),
    }
}

/// Go's `fmt.Sprintf("%v", x)` of a decoded JSON value.
fn go_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_v).collect::<Vec<_>>().join(" ")),
        Value::Object(o) => {
            let parts: Vec<String> = o.iter().map(|(k, v)| format!("{k}:{}", go_v(v))).collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}
