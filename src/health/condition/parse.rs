//! Parsing one condition string into a [`Condition`]; errors quote the bad part and say what to write.

use super::{Condition, Func, Op, PathSeg, Placeholder, Rhs};
use crate::workflow::diag::nearest;

/// The placeholders by name, for parsing and "did you mean".
const PLACEHOLDERS: &[&str] =
    &["STATUS", "RESPONSE_TIME", "BODY", "CONNECTED", "CERTIFICATE_EXPIRATION", "IP", "DNS_RCODE"];

/// Operators, two-character ones first so `<=` is not read as `<`.
const OPS: &[(&str, Op)] =
    &[("==", Op::Eq), ("!=", Op::Ne), ("<=", Op::Le), (">=", Op::Ge), ("<", Op::Lt), (">", Op::Gt)];

impl Condition {
    /// Parses `[PLACEHOLDER] OP VALUE`; the error says what is wrong and what to write.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let source = text.trim().to_string();
        let (at, op, op_len) = find_op(&source).ok_or_else(|| {
            format!(
                "condition {source:?} has no operator: write e.g. \"[STATUS] == 200\" (==, !=, <, <=, >, >=)"
            )
        })?;
        let left = source[..at].trim();
        let right = source[at + op_len..].trim();
        if right.is_empty() {
            return Err(format!("condition {source:?} has nothing right of the operator"));
        }
        let (func, placeholder) = parse_left(left).map_err(|e| format!("condition {source:?}: {e}"))?;
        let rhs = parse_rhs(right).map_err(|e| format!("condition {source:?}: {e}"))?;
        if matches!(rhs, Rhs::Pattern(_) | Rhs::Any(_)) && !matches!(op, Op::Eq | Op::Ne) {
            return Err(format!("condition {source:?}: pat() and any() work only with == and !="));
        }
        Ok(Condition { source, func, placeholder, op, rhs })
    }
}

/// The first operator outside brackets and parentheses: (byte offset, op, its length).
fn find_op(s: &str) -> Option<(usize, Op, usize)> {
    let bytes = s.as_bytes();
    let mut depth = 0i32;
    for i in 0..bytes.len() {
        match bytes[i] {
            b'[' | b'(' => depth += 1,
            b']' | b')' => depth -= 1,
            _ if depth == 0 => {
                if let Some((tok, op)) = OPS.iter().find(|(tok, _)| s[i..].starts_with(tok)) {
                    return Some((i, *op, tok.len()));
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_left(left: &str) -> Result<(Func, Placeholder), String> {
    let (func, inner) = if let Some(rest) = left.strip_prefix("len(") {
        (Func::Len, rest.strip_suffix(')').ok_or("len( has no closing parenthesis")?)
    } else if let Some(rest) = left.strip_prefix("has(") {
        (Func::Has, rest.strip_suffix(')').ok_or("has( has no closing parenthesis")?)
    } else {
        (Func::Value, left)
    };
    let inner = inner.trim();
    let rest = inner.strip_prefix('[').ok_or_else(|| {
        format!("the left side {inner:?} must be a placeholder such as [STATUS] or [BODY].status")
    })?;
    let (name, path) = rest.split_once(']').ok_or("a placeholder's [ has no closing ]")?;
    let placeholder = match name {
        "STATUS" => Placeholder::Status,
        "RESPONSE_TIME" => Placeholder::ResponseTime,
        "BODY" => Placeholder::Body(parse_path(path)?),
        "CONNECTED" => Placeholder::Connected,
        "CERTIFICATE_EXPIRATION" => Placeholder::CertificateExpiration,
        "IP" => Placeholder::Ip,
        "DNS_RCODE" => Placeholder::DnsRcode,
        other => {
            let hint = nearest(&other.to_ascii_uppercase(), PLACEHOLDERS)
                .map(|n| format!("did you mean [{n}]? "))
                .unwrap_or_default();
            return Err(format!(
                "unknown placeholder [{other}]: {hint}known are [{}]",
                PLACEHOLDERS.join("], [")
            ));
        }
    };
    if !matches!(placeholder, Placeholder::Body(_)) && !path.trim().is_empty() {
        return Err(format!("only [BODY] takes a path; remove {:?}", path.trim()));
    }
    if func != Func::Value && !matches!(placeholder, Placeholder::Body(_)) {
        return Err("len() and has() apply to [BODY] and its paths".into());
    }
    Ok((func, placeholder))
}

/// `.items[0].id` into segments.
fn parse_path(path: &str) -> Result<Vec<PathSeg>, String> {
    let mut segs = Vec::new();
    let mut rest = path.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return Err(format!("empty key in the body path {path:?}"));
            }
            segs.push(PathSeg::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let (n, r) = r.split_once(']').ok_or_else(|| format!("unclosed [ in the body path {path:?}"))?;
            let n = n.trim().parse().map_err(|_| format!("{n:?} in {path:?} is not an array index"))?;
            segs.push(PathSeg::Index(n));
            rest = r;
        } else {
            return Err(format!("the body path {path:?} must be made of .key and [index] parts"));
        }
    }
    Ok(segs)
}

fn parse_rhs(right: &str) -> Result<Rhs, String> {
    if let Some(r) = right.strip_prefix("pat(") {
        let inner = r.strip_suffix(')').ok_or("pat( has no closing parenthesis")?;
        return Ok(Rhs::Pattern(unquote(inner)));
    }
    if let Some(r) = right.strip_prefix("any(") {
        let inner = r.strip_suffix(')').ok_or("any( has no closing parenthesis")?;
        let items: Vec<String> = inner.split(',').map(unquote).collect();
        if items.iter().any(String::is_empty) {
            return Err("any() takes a comma-separated list of values, none empty".into());
        }
        return Ok(Rhs::Any(items));
    }
    Ok(Rhs::Literal(unquote(right)))
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    s.to_string()
}
