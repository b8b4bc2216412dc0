//! Parsing one condition string into a [`Condition`], splitting it where Gatus does (`evaluate` in
//! `condition.go`: the first of ` == `, ` != `, ` <= `, ` >= `, ` > `, ` < ` found, in that order);
//! errors quote the bad part and say what to write.

use super::{Condition, Func, Op, Operand, PathSeg, Placeholder, pattern};
use crate::diag::nearest;

/// The placeholders by name, for parsing and "did you mean".
const PLACEHOLDERS: &[&str] =
    &["STATUS", "RESPONSE_TIME", "BODY", "CONNECTED", "CERTIFICATE_EXPIRATION", "IP", "DNS_RCODE"];

/// Gatus placeholders flightdeck does not offer, with what to do instead.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("DOMAIN_EXPIRATION", "flightdeck does not query WHOIS; use [CERTIFICATE_EXPIRATION] for TLS"),
    ("CONTEXT", "flightdeck has no Gatus suites; compare with a literal value"),
];

impl Condition {
    /// Parses `LEFT OP RIGHT`; the error says what is wrong and what to write.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let source = text.trim().to_string();
        let (at, op, op_len) = split_at_op(&source).ok_or_else(|| {
            format!(
                "condition {source:?} has no operator: write e.g. \"[STATUS] == 200\" (==, !=, <, <=, >, >=)"
            )
        })?;
        let left = source[..at].trim();
        let right = source[at + op_len..].trim();
        if left.is_empty() {
            return Err(format!("condition {source:?} has nothing left of the operator"));
        }
        if right.is_empty() {
            return Err(format!("condition {source:?} has nothing right of the operator"));
        }
        let left = parse_operand(left).map_err(|e| format!("condition {source:?}: {e}"))?;
        let right = parse_operand(right).map_err(|e| format!("condition {source:?}: {e}"))?;
        let is_fn = |o: &Operand| matches!(o, Operand::Pattern(_) | Operand::Any(_));
        if op.is_ordering() && (is_fn(&left) || is_fn(&right)) {
            return Err(format!("condition {source:?}: pat() and any() work only with == and !="));
        }
        Ok(Condition { source, left, op, right })
    }
}

/// Where to split: Gatus's spaced operators in Gatus's order; else (a flightdeck extension) the first
/// operator outside brackets and parentheses, spaces or not. (byte offset, op, its length).
fn split_at_op(s: &str) -> Option<(usize, Op, usize)> {
    for op in [Op::Eq, Op::Ne, Op::Le, Op::Ge, Op::Gt, Op::Lt] {
        let spaced = format!(" {} ", op.symbol());
        if let Some(at) = s.find(&spaced) {
            return Some((at, op, spaced.len()));
        }
    }
    let bytes = s.as_bytes();
    let mut depth = 0i32;
    for i in 0..bytes.len() {
        match bytes[i] {
            b'[' | b'(' => depth += 1,
            b']' | b')' => depth -= 1,
            _ if depth == 0 => {
                if let Some(op) = Op::ALL.into_iter().find(|op| s[i..].starts_with(op.symbol())) {
                    return Some((i, op, op.symbol().len()));
                }
            }
            _ => {}
        }
    }
    None
}

/// One side: `pat(..)`, `any(..)`, `len(..)`/`has(..)`, a placeholder, or a literal.
fn parse_operand(text: &str) -> Result<Operand, String> {
    if let Some(inner) = wrapped(text, "pat(") {
        pattern::check(inner).map_err(|e| format!("pat({inner}): {e}: check its [ ] and \\ escapes"))?;
        return Ok(Operand::Pattern(inner.to_string()));
    }
    if let Some(inner) = wrapped(text, "any(") {
        return Ok(Operand::Any(inner.split(',').map(|o| o.trim().to_string()).collect()));
    }
    let (func, inner) = if let Some(inner) = wrapped(text, "len(") {
        (Func::Len, inner.trim())
    } else if let Some(inner) = wrapped(text, "has(") {
        (Func::Has, inner.trim())
    } else {
        (Func::Value, text)
    };
    match parse_placeholder(inner)? {
        Some(placeholder) => Ok(Operand::Placeholder { func, placeholder, text: text.to_string() }),
        None if func == Func::Value => Ok(Operand::Literal(text.to_string())),
        None => Ok(Operand::FuncOfLiteral { func, text: text.to_string() }),
    }
}

/// `prefix...)` → the inside.
fn wrapped<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.strip_prefix(prefix)?.strip_suffix(')')
}

/// A placeholder (`[STATUS]`, `[body].items[0]`), `None` for a literal. Names are
/// case-insensitive; an unknown upper-case `[NAME]` is refused with the nearest known one.
fn parse_placeholder(text: &str) -> Result<Option<Placeholder>, String> {
    let Some(rest) = text.strip_prefix('[') else { return Ok(None) };
    let Some((name, path)) = rest.split_once(']') else { return Ok(None) };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Ok(None);
    }
    let upper = name.to_ascii_uppercase();
    let placeholder = match upper.as_str() {
        "STATUS" => Placeholder::Status,
        "RESPONSE_TIME" => Placeholder::ResponseTime,
        "BODY" => return parse_path(path).map(|p| Some(Placeholder::Body(p))),
        "CONNECTED" => Placeholder::Connected,
        "CERTIFICATE_EXPIRATION" => Placeholder::CertificateExpiration,
        "IP" => Placeholder::Ip,
        "DNS_RCODE" => Placeholder::DnsRcode,
        _ if name != upper => return Ok(None),
        other => return Err(unknown(other)),
    };
    if !path.trim().is_empty() {
        return Err(format!("only [BODY] takes a path; remove {:?} after [{name}]", path.trim()));
    }
    Ok(Some(placeholder))
}

fn unknown(name: &str) -> String {
    if let Some((_, why)) = UNSUPPORTED.iter().find(|(n, _)| *n == name) {
        return format!("[{name}] is not supported: {why}");
    }
    let hint = nearest(name, PLACEHOLDERS).map(|n| format!("did you mean [{n}]? ")).unwrap_or_default();
    format!("unknown placeholder [{name}]: {hint}known are [{}]", PLACEHOLDERS.join("], ["))
}

/// `.items[0].id` (or `[0].id` on an array body) into segments.
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
