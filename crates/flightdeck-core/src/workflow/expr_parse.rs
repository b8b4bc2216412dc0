//! Parser for `when` expressions: a tokenizer and a recursive-descent parser following the grammar
//! documented in [`crate::workflow::expr`]. Every error names the byte offset where it was found and
//! what was expected there.

use serde_json::Value;

use crate::workflow::expr::{CmpOp, Expr, ExprError};
use crate::workflow::template::parse_path;

/// One token with its byte offset.
#[derive(Debug, Clone, PartialEq)]
struct Tok {
    kind: TokKind,
    offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum TokKind {
    Str(String),
    Num(serde_json::Number),
    /// A bare word: a keyword (`and`, `true`, ...) or a dotted path.
    Word(String),
    /// An operator or punctuation: `==`, `!=`, `<`, `<=`, `>`, `>=`, `(`, `)`, `[`, `]`, `,`.
    Sym(&'static str),
}

impl TokKind {
    fn text(&self) -> String {
        match self {
            TokKind::Str(s) => format!("{s:?}"),
            TokKind::Num(n) => n.to_string(),
            TokKind::Word(w) => w.clone(),
            TokKind::Sym(s) => (*s).to_string(),
        }
    }
}

fn err(offset: usize, message: impl Into<String>) -> ExprError {
    ExprError { message: message.into(), offset }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// Splits `src` into tokens.
fn tokenize(src: &str) -> Result<Vec<Tok>, ExprError> {
    let mut toks = Vec::new();
    let mut i = 0;
    while let Some(c) = src[i..].chars().next() {
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let rest = &src[i..];
        let (kind, len) = if c == '\'' || c == '"' {
            lex_string(rest, i)?
        } else if c.is_ascii_digit() || (c == '-' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            lex_number(rest, i)?
        } else if c.is_ascii_alphabetic() || c == '_' {
            let len = rest.find(|ch: char| !is_word_char(ch)).unwrap_or(rest.len());
            (TokKind::Word(rest[..len].to_string()), len)
        } else {
            lex_symbol(rest, i)?
        };
        toks.push(Tok { kind, offset: i });
        i += len;
    }
    Ok(toks)
}

fn lex_string(rest: &str, at: usize) -> Result<(TokKind, usize), ExprError> {
    let quote = rest.chars().next().unwrap_or('\'');
    let mut out = String::new();
    let mut chars = rest.char_indices().skip(1);
    while let Some((j, c)) = chars.next() {
        if c == quote {
            return Ok((TokKind::Str(out), j + 1));
        }
        if c == '\\' {
            match chars.next() {
                Some((_, e)) if e == quote || e == '\\' => out.push(e),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => break,
            }
        } else {
            out.push(c);
        }
    }
    Err(err(at, format!("unterminated string starting at byte {at}: close it with {quote}")))
}

fn lex_number(rest: &str, at: usize) -> Result<(TokKind, usize), ExprError> {
    let start = usize::from(rest.starts_with('-'));
    let len = rest[start..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .map_or(rest.len(), |n| n + start);
    let text = &rest[..len];
    if rest[len..].starts_with(|c: char| c.is_ascii_alphabetic()) {
        let word_end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        return Err(err(
            at,
            format!("`{}` at byte {at} is not a number: quote it if it is text", &rest[..word_end]),
        ));
    }
    let clean = text.replace('_', "");
    let number = if let Ok(i) = clean.parse::<i64>() {
        Some(serde_json::Number::from(i))
    } else {
        clean.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
    };
    number
        .map(|n| (TokKind::Num(n), len))
        .ok_or_else(|| err(at, format!("`{text}` at byte {at} is not a number")))
}

fn lex_symbol(rest: &str, at: usize) -> Result<(TokKind, usize), ExprError> {
    const SYMS: [&str; 11] = ["==", "!=", "<=", ">=", "<", ">", "(", ")", "[", "]", ","];
    if let Some(s) = SYMS.iter().find(|s| rest.starts_with(**s)) {
        return Ok((TokKind::Sym(s), s.len()));
    }
    let hint = if rest.starts_with("&&") {
        "unknown operator `&&`: did you mean `and`?".to_string()
    } else if rest.starts_with("||") {
        "unknown operator `||`: did you mean `or`?".to_string()
    } else if rest.starts_with('=') {
        "unknown operator `=`: did you mean `==`?".to_string()
    } else if rest.starts_with('!') {
        "unknown operator `!`: did you mean `!=` or `not`?".to_string()
    } else {
        let c = rest.chars().next().unwrap_or(' ');
        format!("unexpected character `{c}`: expected a value, an operator or a parenthesis")
    };
    Err(err(at, format!("{hint} (at byte {at})")))
}

/// Parses a whole expression.
pub(crate) fn parse(source: &str) -> Result<Expr, ExprError> {
    let toks = tokenize(source)?;
    let mut p = Parser { toks, pos: 0, end: source.len() };
    if p.toks.is_empty() {
        return Err(err(0, "the expression is empty: write e.g. `environment.production`"));
    }
    let expr = p.or_expr()?;
    if let Some(t) = p.peek() {
        return Err(err(
            t.offset,
            format!(
                "unexpected `{}` at byte {}: expected `and`, `or` or the end of the expression",
                t.kind.text(),
                t.offset
            ),
        ));
    }
    Ok(expr)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok { kind: TokKind::Word(w), .. }) if w == word)
    }

    fn peek_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Some(Tok { kind: TokKind::Sym(s), .. }) if *s == sym)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Offset just after the previous token, for "expected ... after X" errors at the end.
    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.offset)
    }

    fn or_expr(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and_expr()?;
        while self.peek_word("or") {
            self.pos += 1;
            let right = self.operand("or", Self::and_expr)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.not_expr()?;
        while self.peek_word("and") {
            self.pos += 1;
            let right = self.operand("and", Self::not_expr)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, ExprError> {
        if self.peek_word("not") {
            self.pos += 1;
            let inner = self.operand("not", Self::not_expr)?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.comparison()
    }

    /// Parses the operand after `op`, or says one was expected.
    fn operand(&mut self, op: &str, f: fn(&mut Self) -> Result<Expr, ExprError>) -> Result<Expr, ExprError> {
        if self.peek().is_none() {
            let at = self.here();
            return Err(err(at, format!("expected a value after `{op}` at byte {at}")));
        }
        f(self)
    }

    fn cmp_op(&mut self) -> Option<(CmpOp, &'static str)> {
        let op = match self.peek().map(|t| &t.kind) {
            Some(TokKind::Sym(s)) if crate::compare::CmpOp::from_symbol(s).is_some() => {
                let op = crate::compare::CmpOp::from_symbol(s)?;
                (CmpOp::Ord(op), op.symbol())
            }
            Some(TokKind::Word(w)) if w == "in" => (CmpOp::In, "in"),
            Some(TokKind::Word(w)) if w == "not" => {
                let next_is_in = matches!(self.toks.get(self.pos + 1), Some(Tok { kind: TokKind::Word(w), .. }) if w == "in");
                if !next_is_in {
                    return None;
                }
                self.pos += 1;
                (CmpOp::NotIn, "not in")
            }
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let left = self.primary()?;
        let Some((op, text)) = self.cmp_op() else {
            return Ok(left);
        };
        let right = self.operand(text, Self::primary)?;
        if let Some(t) = self.peek()
            && cmp_op_at(t)
        {
            return Err(err(
                t.offset,
                format!("comparisons do not chain (at byte {}): join them with `and`", t.offset),
            ));
        }
        Ok(Expr::Cmp(Box::new(left), op, Box::new(right)))
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let at = self.here();
        let Some(tok) = self.next() else {
            return Err(err(at, format!("expected a value at byte {at}, found the end of the expression")));
        };
        match tok.kind {
            TokKind::Str(s) => Ok(Expr::Lit(Value::String(s))),
            TokKind::Num(n) => Ok(Expr::Lit(Value::Number(n))),
            TokKind::Sym("(") => {
                let inner = self.operand("(", Self::or_expr)?;
                self.expect_sym(")", "to close the parenthesis")?;
                Ok(inner)
            }
            TokKind::Sym("[") => self.list(),
            TokKind::Word(w) => word(&w, tok.offset),
            TokKind::Sym(s) => {
                Err(err(tok.offset, format!("expected a value at byte {}, found `{s}`", tok.offset)))
            }
        }
    }

    fn list(&mut self) -> Result<Expr, ExprError> {
        let mut items = Vec::new();
        loop {
            if self.peek_sym("]") {
                self.pos += 1;
                return Ok(Expr::List(items));
            }
            items.push(self.operand("[", Self::primary)?);
            if self.peek_sym(",") {
                self.pos += 1;
            } else {
                self.expect_sym("]", "to close the list (items are separated by `,`)")?;
                return Ok(Expr::List(items));
            }
        }
    }

    fn expect_sym(&mut self, sym: &str, why: &str) -> Result<(), ExprError> {
        if self.peek_sym(sym) {
            self.pos += 1;
            return Ok(());
        }
        let at = self.here();
        let found =
            self.peek().map_or("the end of the expression".to_string(), |t| format!("`{}`", t.kind.text()));
        Err(err(at, format!("expected `{sym}` {why} at byte {at}, found {found}")))
    }
}

fn cmp_op_at(t: &Tok) -> bool {
    match &t.kind {
        TokKind::Sym(s) => ["==", "!=", "<", "<=", ">", ">="].contains(s),
        TokKind::Word(w) => w == "in",
        _ => false,
    }
}

/// A bare word in value position: a literal keyword or a dotted path.
fn word(w: &str, offset: usize) -> Result<Expr, ExprError> {
    match w {
        "true" => Ok(Expr::Lit(Value::Bool(true))),
        "false" => Ok(Expr::Lit(Value::Bool(false))),
        "and" | "or" | "in" | "not" => {
            Err(err(offset, format!("expected a value at byte {offset}, found the keyword `{w}`")))
        }
        _ if !w.contains('.') => Err(err(
            offset,
            format!(
                "`{w}` at byte {offset} is not a value: quote text ('{w}') or write a path such as params.{w}"
            ),
        )),
        _ => parse_path(w, offset).map(Expr::Path).map_err(|_| {
            err(offset, format!("`{w}` at byte {offset} is not a variable path: write e.g. params.service"))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(src: &str) -> ExprError {
        parse(src).unwrap_err()
    }

    #[test]
    fn precedence_and_shapes() {
        let e = parse("not a.b or c.d and 'x' in [1, \"y\"]").unwrap();
        let Expr::Or(left, right) = e else { panic!("expected or at the top: {e:?}") };
        assert!(matches!(*left, Expr::Not(_)));
        let Expr::And(_, cmp) = *right else { panic!("expected and on the right") };
        let Expr::Cmp(_, CmpOp::In, list) = *cmp else { panic!("expected in") };
        assert_eq!(*list, Expr::List(vec![Expr::Lit(Value::from(1)), Expr::Lit(Value::from("y"))]));
        assert!(matches!(parse("params.x not in ['a']").unwrap(), Expr::Cmp(_, CmpOp::NotIn, _)));
        assert!(matches!(
            parse("(params.n >= -2.5)").unwrap(),
            Expr::Cmp(_, CmpOp::Ord(crate::compare::CmpOp::Ge), _)
        ));
    }

    #[test]
    fn errors_say_what_was_expected_and_where() {
        let e = fails("params.x ==");
        assert_eq!(e.offset, 11);
        assert!(e.message.contains("expected a value after `==`"), "{}", e.message);
        let e = fails("params.x = 'a'");
        assert_eq!(e.offset, 9);
        assert!(e.message.contains("did you mean `==`?"), "{}", e.message);
        let e = fails("params.x == 'abc");
        assert_eq!(e.offset, 12);
        assert!(e.message.contains("unterminated string"), "{}", e.message);
        let e = fails("params.x params.y");
        assert_eq!(e.offset, 9);
        assert!(e.message.contains("unexpected `params.y`"), "{}", e.message);
        assert!(fails("a.b && c.d").message.contains("`and`"));
        assert!(fails("(a.b").message.contains("expected `)`"));
        assert!(fails("[1, 2").message.contains("expected `]`"));
        assert!(fails("staging == environment.name").message.contains("'staging'"));
        assert!(fails("a.b == 1 == 2").message.contains("do not chain"));
        assert!(fails("   ").message.contains("empty"));
        assert!(fails("a.b == 10x").message.contains("not a number"));
    }
}
