//! The condition language monitors are judged by, in the syntax Gatus users know:
//! `[STATUS] == 200`, `[RESPONSE_TIME] < 300`, `[BODY].status == UP`, `[BODY].items[0].id == 7`,
//! `len([BODY].items) > 0`, `has([BODY].version) == true`, `[CERTIFICATE_EXPIRATION] > 72h`,
//! `[CONNECTED] == true`, `[BODY] == pat(*UP*)`, `[STATUS] == any(200, 204)`.
//!
//! Conditions are parsed once, when the config is loaded ([`Condition::parse`]), and evaluated as a
//! pure function of one probe's [`Observation`] ([`Condition::eval`]). Written here rather than taken
//! from a crate: no maintained crate implements this syntax outside Gatus itself (Go).

mod eval;
mod parse;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use eval::{Observation, eval_all};

/// What a condition reads from a probe result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placeholder {
    /// `[STATUS]`: the HTTP status code.
    Status,
    /// `[RESPONSE_TIME]`: milliseconds until the response (or the connection) was complete.
    ResponseTime,
    /// `[BODY]` with an optional JSON path (`.items[0].id`).
    Body(Vec<PathSeg>),
    /// `[CONNECTED]`: whether a connection was made.
    Connected,
    /// `[CERTIFICATE_EXPIRATION]`: milliseconds until the leaf certificate expires.
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

/// A function wrapped around the placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    /// The placeholder's value itself.
    Value,
    /// `len(...)`: length of an array, object or string.
    Len,
    /// `has(...)`: whether the path exists (`true`/`false`).
    Has,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// The right-hand side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rhs {
    /// A literal: number, duration (`72h`), boolean or text.
    Literal(String),
    /// `pat(*UP*)`: a glob where `*` matches any text.
    Pattern(String),
    /// `any(200, 204)`: equal to one of these.
    Any(Vec<String>),
}

/// A parsed condition, keeping its source text for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// The text as written.
    pub source: String,
    /// Wrapping function.
    pub func: Func,
    /// What it reads.
    pub placeholder: Placeholder,
    /// How it compares.
    pub op: Op,
    /// What it compares with.
    pub rhs: Rhs,
}

/// The outcome of one condition on one probe result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionResult {
    /// The condition as written.
    pub condition: String,
    /// Whether it held.
    pub passed: bool,
    /// The value the left side had (`500`, `"DOWN"`, `(missing)`), for "why".
    pub actual: String,
}

impl Condition {
    /// True if the condition reads the HTTP status (a failure classifies as `status`).
    pub fn reads_status(&self) -> bool {
        self.placeholder == Placeholder::Status
    }

    /// True if the condition reads the body (a failure classifies as `body`).
    pub fn reads_body(&self) -> bool {
        matches!(self.placeholder, Placeholder::Body(_))
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}
