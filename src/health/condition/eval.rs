//! Evaluating conditions against one probe's observation: a pure function, no I/O, no clock.

use serde_json::Value;

use super::{Condition, ConditionResult, Func, Op, PathSeg, Placeholder, Rhs};
use crate::time::parse_duration;

/// What one probe saw, as the conditions read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    /// HTTP status, if an HTTP response arrived.
    pub status: Option<u16>,
    /// Milliseconds the probe took.
    pub response_time_ms: u64,
    /// The body as read (at most the monitor's `max_body` bytes).
    pub body: Vec<u8>,
    /// Whether a connection was made.
    pub connected: bool,
    /// Milliseconds until the leaf certificate expires (negative once expired).
    pub cert_expiration_ms: Option<i64>,
    /// The address connected to, or the first DNS answer.
    pub ip: Option<String>,
    /// The DNS response code.
    pub dns_rcode: Option<String>,
}

/// A resolved left-hand value.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Num(f64),
    Text(String),
    Bool(bool),
}

impl Val {
    fn show(&self) -> String {
        match self {
            Val::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
            Val::Num(n) => n.to_string(),
            Val::Text(t) => t.clone(),
            Val::Bool(b) => b.to_string(),
        }
    }
}

/// Evaluates every condition (the body is parsed as JSON at most once).
pub fn eval_all(conditions: &[Condition], obs: &Observation) -> Vec<ConditionResult> {
    let needs_json = conditions.iter().any(|c| match &c.placeholder {
        Placeholder::Body(path) => !path.is_empty() || c.func != Func::Value,
        _ => false,
    });
    let json: Option<Value> = if needs_json { serde_json::from_slice(&obs.body).ok() } else { None };
    conditions.iter().map(|c| c.eval_with(obs, json.as_ref())).collect()
}

impl Condition {
    /// Evaluates this condition alone.
    pub fn eval(&self, obs: &Observation) -> ConditionResult {
        eval_all(std::slice::from_ref(self), obs).pop().unwrap_or(ConditionResult {
            condition: self.source.clone(),
            passed: false,
            actual: String::new(),
        })
    }

    fn eval_with(&self, obs: &Observation, json: Option<&Value>) -> ConditionResult {
        let left = self.resolve(obs, json);
        let passed = left.as_ref().is_some_and(|v| compare(v, self.op, &self.rhs, &self.placeholder));
        let actual = left.map_or_else(|| "(missing)".to_string(), |v| v.show());
        ConditionResult { condition: self.source.clone(), passed, actual }
    }

    #[allow(clippy::cast_precision_loss)]
    fn resolve(&self, obs: &Observation, json: Option<&Value>) -> Option<Val> {
        match &self.placeholder {
            Placeholder::Status => obs.status.map(|s| Val::Num(f64::from(s))),
            Placeholder::ResponseTime => Some(Val::Num(obs.response_time_ms as f64)),
            Placeholder::Connected => Some(Val::Bool(obs.connected)),
            Placeholder::CertificateExpiration => obs.cert_expiration_ms.map(|ms| Val::Num(ms as f64)),
            Placeholder::Ip => obs.ip.clone().map(Val::Text),
            Placeholder::DnsRcode => obs.dns_rcode.clone().map(Val::Text),
            Placeholder::Body(path) if path.is_empty() && self.func == Func::Value => {
                Some(Val::Text(String::from_utf8_lossy(&obs.body).trim().to_string()))
            }
            Placeholder::Body(path) => {
                let found = json.and_then(|j| walk(j, path));
                match self.func {
                    Func::Has => Some(Val::Bool(found.is_some())),
                    Func::Len => found.and_then(length).map(|n| Val::Num(n as f64)),
                    Func::Value => found.and_then(json_val),
                }
            }
        }
    }
}

fn walk<'a>(mut v: &'a Value, path: &[PathSeg]) -> Option<&'a Value> {
    for seg in path {
        v = match seg {
            PathSeg::Key(k) => v.get(k)?,
            PathSeg::Index(i) => v.get(*i)?,
        };
    }
    Some(v)
}

fn length(v: &Value) -> Option<usize> {
    match v {
        Value::Array(a) => Some(a.len()),
        Value::Object(o) => Some(o.len()),
        Value::String(s) => Some(s.chars().count()),
        _ => None,
    }
}

fn json_val(v: &Value) -> Option<Val> {
    match v {
        Value::Number(n) => n.as_f64().map(Val::Num),
        Value::String(s) => Some(Val::Text(s.clone())),
        Value::Bool(b) => Some(Val::Bool(*b)),
        Value::Null => Some(Val::Text("null".into())),
        other => Some(Val::Text(other.to_string())),
    }
}

/// A right-hand literal as a number: plain numbers, or durations in milliseconds (`72h`, `300ms`).
#[allow(clippy::cast_precision_loss)]
fn literal_number(lit: &str, placeholder: &Placeholder) -> Option<f64> {
    if let Ok(n) = lit.parse::<f64>() {
        return Some(n);
    }
    match placeholder {
        Placeholder::ResponseTime | Placeholder::CertificateExpiration => {
            parse_duration(lit).map(|ms| ms as f64)
        }
        _ => None,
    }
}

fn compare(left: &Val, op: Op, rhs: &Rhs, placeholder: &Placeholder) -> bool {
    let text = left.show();
    let equal = match rhs {
        Rhs::Pattern(p) => glob(p, &text),
        Rhs::Any(items) => items.iter().any(|i| equal_to(left, i, placeholder)),
        Rhs::Literal(lit) => {
            if !matches!(op, Op::Eq | Op::Ne) {
                return match (left, literal_number(lit, placeholder)) {
                    (Val::Num(l), Some(r)) => ordered(*l, op, r),
                    _ => false,
                };
            }
            equal_to(left, lit, placeholder)
        }
    };
    if op == Op::Ne { !equal } else { equal }
}

fn equal_to(left: &Val, lit: &str, placeholder: &Placeholder) -> bool {
    match left {
        Val::Num(l) => literal_number(lit, placeholder).is_some_and(|r| (l - r).abs() < f64::EPSILON),
        Val::Bool(b) => lit.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Val::Text(t) => t == lit,
    }
}

fn ordered(l: f64, op: Op, r: f64) -> bool {
    match op {
        Op::Lt => l < r,
        Op::Le => l <= r,
        Op::Gt => l > r,
        Op::Ge => l >= r,
        Op::Eq | Op::Ne => false,
    }
}

/// Glob match where `*` matches any run of characters (iterative, no backtracking blow-up).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}
