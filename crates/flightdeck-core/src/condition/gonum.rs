//! Go's number and duration syntax, as Gatus reads condition values: `strconv.ParseInt(s, 0, 64)`
//! (`0x1F`, `0o17`, `0b101`, a leading `0` for octal, `1_000`), `time.ParseDuration` (`1h30m`,
//! `1.5s`, `300ms`, `2µs`) and `strconv.ParseFloat`. Written here because these are Go's rules, not
//! Rust's: `u64::from_str_radix` knows no prefixes or underscores and no crate parses Go durations.

/// `strconv.ParseInt(s, 0, 64)`: `None` wherever Go returns an error (syntax or range).
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let b = body.as_bytes();
    let (base, digits): (u32, &[u8]) = match b {
        [] => return None,
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, &b[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, &b[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, &b[2..]),
        [b'0', ..] => (8, &b[1..]),
        _ => (10, b),
    };
    let mut n: u128 = 0;
    let mut underscores = false;
    for &c in digits {
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u32::from(c - b'0'),
            _ if c.is_ascii_alphabetic() => u32::from(c.to_ascii_lowercase() - b'a') + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n * u128::from(base) + u128::from(d);
        if n > 1 << 64 {
            return None;
        }
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    let limit: u128 = if neg { 1 << 63 } else { (1 << 63) - 1 };
    if n > limit {
        return None;
    }
    let n = i128::try_from(n).ok()?;
    i64::try_from(if neg { -n } else { n }).ok()
}

/// Go's `underscoreOK`: underscores only between digits, or between a base prefix and a digit.
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let [b'-' | b'+', rest @ ..] = b {
        b = rest;
    }
    let (mut saw, mut i, mut hex) = (b'^', 0, false);
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &b[i..] {
        if c.is_ascii_digit() || hex && c.is_ascii_hexdigit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
    }
    saw != b'_'
}

/// `strconv.ParseFloat(s, 64)` for the forms that matter here: decimal, exponent, `inf`, `nan`.
pub fn parse_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains('_') {
        return None;
    }
    s.parse::<f64>().ok()
}

/// `time.ParseDuration`, in nanoseconds: `None` wherever Go returns an error.
pub fn parse_duration_ns(s: &str) -> Option<i64> {
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let (value, tail) = duration_term(rest)?;
        total += value;
        if total > 1 << 63 {
            return None;
        }
        rest = tail;
    }
    let total = i128::try_from(total).ok()?;
    i64::try_from(if neg { -total } else { total }).ok()
}

/// One `[0-9]*(\.[0-9]*)?unit` term of a duration: (nanoseconds, the rest).
fn duration_term(s: &str) -> Option<(u128, &str)> {
    let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
    let mut rest = &s[int_len..];
    let mut frac = "";
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        frac = &r[..n];
        rest = &r[n..];
        if int_len == 0 && n == 0 {
            return None;
        }
    } else if int_len == 0 {
        return None;
    }
    let unit_len = rest.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(rest.len());
    let unit: u128 = match &rest[..unit_len] {
        "ns" => 1,
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    };
    let whole: u128 = if int_len == 0 { 0 } else { s[..int_len].parse().ok()? };
    let mut ns = whole.checked_mul(unit)?;
    if !frac.is_empty() {
        let digits = &frac[..frac.len().min(18)];
        let f: f64 = format!("0.{digits}").parse().ok()?;
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let part = (f * unit as f64) as u128;
        ns += part;
    }
    Some((ns, &rest[unit_len..]))
}

/// A value as Gatus's ordering operators read it (`sanitizeAndResolveNumerical`): a non-zero
/// duration in milliseconds, else an integer, else a float, else 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer (durations included).
    Int(i64),
    /// A float (Gatus truncates it to an integer; flightdeck keeps it, see the README).
    Float(f64),
}

impl Number {
    /// Reads `s` the way Gatus's `<`, `<=`, `>`, `>=` do.
    pub fn read(s: &str) -> Number {
        if let Some(ns) = parse_duration_ns(s).filter(|ns| *ns != 0) {
            return Number::Int(ns / 1_000_000);
        }
        if let Some(i) = parse_int(s) {
            return Number::Int(i);
        }
        parse_float(s).map_or(Number::Int(0), Number::Float)
    }

    /// The order of two numbers: integers exactly, otherwise as floats.
    #[allow(clippy::cast_precision_loss)]
    pub fn partial_cmp(self, other: Number) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
            (Number::Int(a), Number::Float(b)) => (a as f64).partial_cmp(&b),
            (Number::Float(a), Number::Int(b)) => a.partial_cmp(&(b as f64)),
            (Number::Float(a), Number::Float(b)) => a.partial_cmp(&b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_parse_int_base_zero() {
        for (s, want) in [
            ("123", Some(123)),
            ("-42", Some(-42)),
            ("+7", Some(7)),
            ("0x1", Some(1)),
            ("0xC0ff33", Some(12_648_243)),
            ("0XF", Some(15)),
            ("0o2", Some(2)),
            ("0b0010", Some(2)),
            ("010", Some(8)),
            ("0", Some(0)),
            ("1_000", Some(1000)),
            ("0x_1f", Some(31)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("08", None),
            ("0x", None),
            ("1__0", None),
            ("_1", None),
            ("1_", None),
            ("1.5", None),
            ("", None),
            ("-", None),
            ("0b2", None),
            (" 1", None),
        ] {
            assert_eq!(parse_int(s), want, "{s:?}");
        }
    }

    #[test]
    fn go_parse_duration() {
        for (s, want) in [
            ("0", Some(0)),
            ("300ms", Some(300_000_000)),
            ("1s", Some(1_000_000_000)),
            ("1h30m", Some(5_400_000_000_000)),
            ("1.5h", Some(5_400_000_000_000)),
            ("-2m", Some(-120_000_000_000)),
            ("2µs", Some(2_000)),
            ("2μs", Some(2_000)),
            (".5s", Some(500_000_000)),
            ("72h", Some(259_200_000_000_000)),
            ("500", None),
            ("5 s", None),
            ("1d", None),
            (".s", None),
            ("", None),
            ("-", None),
            ("potato", None),
        ] {
            assert_eq!(parse_duration_ns(s), want, "{s:?}");
        }
    }

    /// Gatus `condition.go` `sanitizeAndResolveNumericalWithContext`: duration → ms, int, float, else 0.
    #[test]
    fn numbers_as_ordering_operators_read_them() {
        assert_eq!(Number::read("1s"), Number::Int(1000));
        assert_eq!(Number::read("0x10"), Number::Int(16));
        assert_eq!(Number::read("123.40000000000005"), Number::Float(123.400_000_000_000_05));
        assert_eq!(Number::read("potato"), Number::Int(0));
        assert_eq!(Number::read("[BODY].x (INVALID)"), Number::Int(0));
        assert_eq!(Number::read("500us"), Number::Int(0));
        assert_eq!(Number::Int(3).partial_cmp(Number::Float(2.5)), Some(std::cmp::Ordering::Greater));
    }
}
