//! Evaluating conditions against one probe's observation: a pure function, no I/O, no clock.
//! Equality is Gatus's `isEqual` (`condition.go`): `pat()` and `any()` on either side, then
//! integers as numbers, then text; ordering is `sanitizeAndResolveNumerical` (see [`Number`]).

use super::excerpt::excerpt;
use super::gonum::{Number, parse_int};
use super::pattern;
use super::resolve::{Body, Resolved, resolve};
use super::{Condition, ConditionResult, Operand};

/// Bytes of a resolved value quoted in a result.
const QUOTE_BYTES: usize = 200;

/// What one probe saw, as the conditions read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    /// HTTP status, if an HTTP response arrived.
    pub status: Option<u16>,
    /// Milliseconds until the response headers (HTTP) or the whole probe (other kinds).
    pub response_time_ms: u64,
    /// The body as read (decoded, at most the monitor's `max_body` bytes; empty when no
    /// condition reads it).
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

/// Evaluates every condition (the body is parsed as JSON at most once).
pub fn eval_all(conditions: &[Condition], obs: &Observation) -> Vec<ConditionResult> {
    let body = Body::new(&obs.body);
    conditions.iter().map(|c| c.eval_with(obs, &body)).collect()
}

impl Condition {
    /// Evaluates this condition alone.
    pub fn eval(&self, obs: &Observation) -> ConditionResult {
        self.eval_with(obs, &Body::new(&obs.body))
    }

    fn eval_with(&self, obs: &Observation, body: &Body<'_>) -> ConditionResult {
        let left = resolve(&self.left, obs, body);
        let right = resolve(&self.right, obs, body);
        let passed = if self.op.is_ordering() {
            let (l, r) = (Number::read(&left.text()), Number::read(&right.text()));
            self.op.holds_ordering(l.partial_cmp(r))
        } else {
            let equal = is_equal(&left, &right);
            if self.op == super::Op::Eq { equal } else { !equal }
        };
        ConditionResult { condition: self.source.clone(), passed, actual: self.actual(&left, &right) }
    }

    /// The resolved placeholder side(s), for "why".
    fn actual(&self, left: &Resolved, right: &Resolved) -> String {
        let dynamic = |o: &Operand| matches!(o, Operand::Placeholder { .. } | Operand::FuncOfLiteral { .. });
        let text = match (dynamic(&self.left), dynamic(&self.right)) {
            (true, true) => format!("{} vs {}", left.shown(), right.shown()),
            (false, true) => right.shown(),
            _ => left.shown(),
        };
        excerpt(&text, QUOTE_BYTES)
    }
}

/// Gatus's `isEqual`: a pattern against the other side's text, `any()` against the other side's
/// text, then integers by value (Go syntax), then text: decimals compare as text, so a version
/// `1.2` is not `1.20`.
fn is_equal(a: &Resolved, b: &Resolved) -> bool {
    match (a, b) {
        (Resolved::Pattern(p), other) | (other, Resolved::Pattern(p))
            if !matches!(other, Resolved::Pattern(_)) =>
        {
            pattern::matches(p, &other.text())
        }
        (Resolved::Any(items, _), other) | (other, Resolved::Any(items, _))
            if !matches!(other, Resolved::Any(..)) =>
        {
            let t = other.text();
            items.contains(&t)
        }
        _ => {
            let (x, y) = (a.text(), b.text());
            if let (Some(i), Some(j)) = (parse_int(&x), parse_int(&y)) {
                return i == j;
            }
            x == y
        }
    }
}
