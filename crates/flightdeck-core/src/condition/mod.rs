//! The condition language monitors are judged by, with Gatus's rules (`config/endpoint/condition.go`,
//! `placeholder.go`, `pattern/pattern.go`): `[STATUS] == 200`, `[RESPONSE_TIME] < 300`,
//! `[BODY].status == UP`, `[BODY].items[0].id == 7`, `len([BODY].items) > 0`,
//! `has([BODY].version) == true`, `[CERTIFICATE_EXPIRATION] > 72h`, `[CONNECTED] == true`,
//! `[BODY] == pat(*UP*)`, `[STATUS] == any(200, 204)`, `any(200, 429) == [STATUS]`,
//! `[BODY].a != [BODY].b`, `1 == 2`.
//!
//! Either side may be a placeholder (case-insensitive, optionally inside `len()`/`has()`), `pat()`,
//! `any()` or a literal. Both sides are resolved to text as Gatus does; `==`/`!=` compare integers
//! (Go syntax: `0x1F`, `0o17`, `0b101`) as numbers and everything else as text; `<`, `<=`, `>`, `>=`
//! read each side as a duration in milliseconds, an integer or a float, anything else being 0.
//! Deliberate differences are listed in the README's health section.
//!
//! Conditions are parsed once, when the config is loaded ([`Condition::parse`]), and evaluated as a
//! pure function of one probe's [`Observation`] ([`eval_all`]). Written here rather than taken
//! from a crate: no maintained crate implements this syntax outside Gatus itself (Go).

mod eval;
mod excerpt;
mod gonum;
mod parse;
mod pattern;
mod resolve;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_gatus;
#[cfg(test)]
mod tests_gatus_functions;
#[cfg(test)]
mod tests_gatus_placeholders;

use serde::{Deserialize, Serialize};

pub use crate::compare::CmpOp as Op;
pub use eval::{Observation, eval_all};
pub use excerpt::excerpt;

/// What a placeholder reads from a probe result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placeholder {
    /// `[STATUS]`: the HTTP status code (0 without a response).
    Status,
    /// `[RESPONSE_TIME]`: milliseconds until the response headers (or the connection).
    ResponseTime,
    /// `[BODY]` with an optional JSON path (`.items[0].id`).
    Body(Vec<PathSeg>),
    /// `[CONNECTED]`: whether a connection was made.
    Connected,
    /// `[CERTIFICATE_EXPIRATION]`: milliseconds until the leaf certificate expires (0 without TLS).
    CertificateExpiration,
    /// `[IP]`: the address connected to, or the first DNS answer.
    Ip,
    /// `[DNS_RCODE]`: the DNS response code (`NOERROR`, `NXDOMAIN`, ...).
    DnsRcode,
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathSeg {
    /// `.key`
    Key(String),
    /// `[n]`
    Index(usize),
}

/// A function wrapped around a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    /// The placeholder's value itself.
    Value,
    /// `len(...)`: length of an array, string or text.
    Len,
    /// `has(...)`: whether the value exists (`true`/`false`).
    Has,
}

/// One side of a condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    /// A placeholder, possibly inside `len()` or `has()`; `text` is as written.
    Placeholder {
        /// Wrapping function.
        func: Func,
        /// What it reads.
        placeholder: Placeholder,
        /// As written (`len([BODY].items)`).
        text: String,
    },
    /// `len(x)`/`has(x)` around something that is not a placeholder (Gatus: `has` is false, `len`
    /// is invalid).
    FuncOfLiteral {
        /// Wrapping function.
        func: Func,
        /// As written.
        text: String,
    },
    /// `pat(...)`: a Go glob.
    Pattern(String),
    /// `any(a, b)`: equal to one of these.
    Any(Vec<String>),
    /// Literal text, compared as written.
    Literal(String),
}

impl Operand {
    /// The placeholder it reads, if any.
    pub fn placeholder(&self) -> Option<&Placeholder> {
        match self {
            Operand::Placeholder { placeholder, .. } => Some(placeholder),
            _ => None,
        }
    }
}

/// A parsed condition, keeping its source text for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// The text as written.
    pub source: String,
    /// The left side.
    pub left: Operand,
    /// How the sides compare.
    pub op: Op,
    /// The right side.
    pub right: Operand,
}

/// The outcome of one condition on one probe result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionResult {
    /// The condition as written.
    pub condition: String,
    /// Whether it held.
    pub passed: bool,
    /// The resolved value of the placeholder side(s) (`500`, `DOWN`, `(missing)`; both sides as
    /// `john vs doe`), escaped and cut to about 200 bytes.
    pub actual: String,
}

impl Condition {
    fn reads(&self, f: impl Fn(&Placeholder) -> bool) -> bool {
        [&self.left, &self.right].into_iter().filter_map(Operand::placeholder).any(f)
    }

    /// True if the condition reads the HTTP status (a failure classifies as `status`).
    pub fn reads_status(&self) -> bool {
        self.reads(|p| *p == Placeholder::Status)
    }

    /// True if the condition reads the body (a failure classifies as `body`; the body is read).
    pub fn reads_body(&self) -> bool {
        self.reads(|p| matches!(p, Placeholder::Body(_)))
    }

    /// True if the condition reads the DNS answer (`[IP]` or `[DNS_RCODE]`).
    pub fn reads_dns(&self) -> bool {
        self.reads(|p| matches!(p, Placeholder::Ip | Placeholder::DnsRcode))
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}
