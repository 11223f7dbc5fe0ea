//! Recursive-descent parser: `OR` of `AND` chains of unary terms.
//!
//! ```text
//! query   := or? EOF
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*
//! unary   := ("NOT" | "-") unary | primary
//! primary := "(" or ")" | CIDR "(" field ("," net)+ ")" | field ":" value | word | phrase
//! value   := "(" or-of-values ")" | ">"|">="|"<"|"<=" scalar | "[" b TO b "]" | "*" | word | phrase
//! ```
//! A value list `key:(a OR b)` is read with the same `or`/`and`/`unary` rules, each value becoming
//! a `key:value` term, so that `key:(a OR -b)` is `(key:a OR -key:b)`.
use super::ast::{CmpOp, Expr, Field, Pattern, Piece, Query, Span, Term, TermKind, Value};
use super::lexer::{stop_cidr, stop_path, stop_range, stop_term, Cursor};
use super::ParseError;
use ipnet::IpNet;
use std::net::IpAddr;

/// Nesting deeper than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 200;

pub fn parse(src: &str) -> Result<Query, ParseError> {
    super::guard::check_size(src)?;
    let mut p = Parser {
        c: Cursor::new(src),
        depth: 0,
    };
    p.c.skip_ws();
    if p.c.at_end() {
        return Ok(Query { root: None });
    }
    let e = p.or(None)?;
    p.c.skip_ws();
    if !p.c.at_end() {
        // `or` stops only at the end, at `)`, so this is an unbalanced one.
        return Err(p.c.error_here("unexpected ')' without a matching '('"));
    }
    let q = Query { root: Some(e) };
    super::guard::check_terms(&q)?;
    Ok(q)
}

struct Parser<'a> {
    c: Cursor<'a>,
    depth: usize,
}

fn pattern_text(p: &Pattern) -> String {
    p.pieces
        .iter()
        .map(|x| match x {
            Piece::Lit(s) => s.as_str(),
            Piece::Star => "*",
            Piece::One => "?",
        })
        .collect()
}

impl Parser<'_> {
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.c.error_here("query nested too deeply"));
        }
        Ok(())
    }

    /// After `OR`, `AND`, `NOT`: something that can start a term must follow.
    fn need_term_after(&mut self, what: &str) -> Result<(), ParseError> {
        self.c.skip_ws();
        let bad = match self.c.peek() {
            None | Some(')') => true,
            Some(_) => matches!(self.c.peek_keyword(), Some("AND") | Some("OR")),
        };
        if bad {
            return Err(self.c.error_here(format!("expected a term after '{what}'")));
        }
        Ok(())
    }

    fn or(&mut self, ctx: Option<&(Field, usize)>) -> Result<Expr, ParseError> {
        let mut items = vec![self.and(ctx)?];
        loop {
            self.c.skip_ws();
            if self.c.peek_keyword() != Some("OR") {
                break;
            }
            self.c.pos += 2;
            self.need_term_after("OR")?;
            items.push(self.and(ctx)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self, ctx: Option<&(Field, usize)>) -> Result<Expr, ParseError> {
        let mut items = vec![self.unary(ctx)?];
        loop {
            self.c.skip_ws();
            match self.c.peek() {
                None | Some(')') => break,
                _ => {}
            }
            match self.c.peek_keyword() {
                Some("OR") => break,
                Some("AND") => {
                    self.c.pos += 3;
                    self.need_term_after("AND")?;
                }
                _ => {}
            }
            items.push(self.unary(ctx)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self, ctx: Option<&(Field, usize)>) -> Result<Expr, ParseError> {
        self.enter()?;
        self.c.skip_ws();
        let start = self.c.pos;
        let out = if self.c.peek_keyword() == Some("NOT") {
            self.c.pos += 3;
            self.need_term_after("NOT")?;
            let e = self.unary(ctx)?;
            Expr::Not(Box::new(e), Span(start..self.c.pos))
        } else if self.c.peek() == Some('-') {
            self.c.bump();
            match self.c.peek() {
                None | Some(')') => {
                    return Err(self.c.error_here("expected a term after '-'"));
                }
                Some(c) if c.is_whitespace() => {
                    return Err(self.c.error_here("expected a term right after '-'"));
                }
                _ => {}
            }
            let e = self.unary(ctx)?;
            Expr::Not(Box::new(e), Span(start..self.c.pos))
        } else {
            self.primary(ctx)?
        };
        self.depth -= 1;
        Ok(out)
    }

    fn group(&mut self, ctx: Option<&(Field, usize)>) -> Result<Expr, ParseError> {
        self.c.bump();
        self.c.skip_ws();
        if self.c.peek() == Some(')') {
            return Err(self.c.error_here("expected a term inside '( )'"));
        }
        let e = self.or(ctx)?;
        self.c.skip_ws();
        if !self.c.eat(')') {
            return Err(self.c.error_here("expected ')'"));
        }
        Ok(e)
    }

    fn primary(&mut self, ctx: Option<&(Field, usize)>) -> Result<Expr, ParseError> {
        self.c.skip_ws();
        let start = self.c.pos;
        match self.c.peek() {
            None => return Err(self.c.error_here("expected a term")),
            Some(')') => return Err(self.c.error_here("expected a term before ')'")),
            Some('(') => return self.group(ctx),
            _ => {}
        }
        if let Some(kw @ ("AND" | "OR")) = self.c.peek_keyword() {
            return Err(self
                .c
                .error(format!("unexpected '{kw}'"), start..start + kw.len()));
        }
        if let Some((field, fstart)) = ctx {
            let value = self.simple_value()?;
            let _ = fstart;
            self.check_operand(field, &value, start)?;
            return Ok(Expr::Term(Term {
                kind: TermKind::Field(field.clone(), value),
                span: Span(start..self.c.pos),
            }));
        }
        if self.c.peek() == Some('"') {
            let (s, a, b) = self.c.phrase()?;
            return Ok(Expr::Term(Term {
                kind: TermKind::Text(Pattern::literal(&s)),
                span: Span(a..b),
            }));
        }
        if self.c.peek() == Some('@') {
            self.c.bump();
            let w = self.c.word(&stop_path, false)?;
            let path = pattern_text(&w.pattern);
            if path.is_empty() {
                return Err(self.c.error_here("expected an attribute path after '@'"));
            }
            if !self.c.eat(':') {
                return Err(self.c.error_here(format!("expected ':' after '@{path}'")));
            }
            return self.field_value(Field::Attr(path), start);
        }
        if self.c.rest().starts_with("CIDR(") {
            return self.cidr();
        }
        let w = self.c.word(&stop_term, true)?;
        if w.plain && self.c.peek() == Some(':') && w.end > w.start {
            let key = pattern_text(&w.pattern);
            self.c.bump();
            return self.field_value(Field::Key(key), start);
        }
        Ok(Expr::Term(Term {
            kind: TermKind::Text(w.pattern),
            span: Span(w.start..w.end),
        }))
    }

    /// The value after `key:` (the cursor is just past the colon).
    fn field_value(&mut self, field: Field, start: usize) -> Result<Expr, ParseError> {
        match self.c.peek() {
            None => {
                return Err(self
                    .c
                    .error_here(format!("expected a value after '{field}:'")))
            }
            Some(c) if c.is_whitespace() || c == ')' => {
                return Err(self
                    .c
                    .error_here(format!("expected a value after '{field}:'")))
            }
            Some('(') => {
                self.enter()?;
                let e = self.group(Some(&(field, start)))?;
                self.depth -= 1;
                return Ok(e);
            }
            _ => {}
        }
        let vstart = self.c.pos;
        let value = self.simple_value()?;
        self.check_operand(&field, &value, vstart)?;
        Ok(Expr::Term(Term {
            kind: TermKind::Field(field, value),
            span: Span(start..self.c.pos),
        }))
    }

    /// A comparison or range on `status` orders severities: an operand that is not one
    /// (`status:>=bogus`) would silently match nothing, so it is refused where it stands.
    fn check_operand(&self, field: &Field, value: &Value, at: usize) -> Result<(), ParseError> {
        if super::fields::resolve(field) != super::fields::Col::Severity {
            return Ok(());
        }
        let operands: Vec<&str> = match value {
            Value::Cmp(_, s) => vec![s.as_str()],
            Value::Range { lo, hi, .. } => lo.iter().chain(hi.iter()).map(String::as_str).collect(),
            _ => Vec::new(),
        };
        for o in operands {
            if crate::model::Severity::parse(o).is_none() {
                let names: Vec<&str> = crate::model::Severity::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect();
                return Err(self.c.error(
                    format!(
                        "{:?} is not a severity (one of {})",
                        crate::sanitize::clean(o),
                        names.join(", ")
                    ),
                    at..self.c.pos,
                ));
            }
        }
        Ok(())
    }

    fn simple_value(&mut self) -> Result<Value, ParseError> {
        match self.c.peek() {
            Some('"') => {
                let (s, _, _) = self.c.phrase()?;
                Ok(Value::Pattern(Pattern::literal(&s)))
            }
            Some(c @ ('>' | '<')) => {
                self.c.bump();
                let eq = self.c.eat('=');
                let op = match (c, eq) {
                    ('>', false) => CmpOp::Gt,
                    ('>', true) => CmpOp::Ge,
                    ('<', false) => CmpOp::Lt,
                    _ => CmpOp::Le,
                };
                let s = match self.c.peek() {
                    Some('"') => self.c.phrase()?.0,
                    _ => {
                        let w = self.c.word(&stop_term, false)?;
                        if w.end == w.start {
                            return Err(self
                                .c
                                .error_here(format!("expected a value after '{}'", op.as_str())));
                        }
                        pattern_text(&w.pattern)
                    }
                };
                Ok(Value::Cmp(op, s))
            }
            Some(c @ ('[' | '{')) => self.range(c == '['),
            _ => {
                let w = self.c.word(&stop_term, false)?;
                if w.end == w.start {
                    return Err(self.c.error_here("expected a value"));
                }
                if w.pattern.pieces == [Piece::Star] {
                    Ok(Value::Exists)
                } else {
                    Ok(Value::Pattern(w.pattern))
                }
            }
        }
    }

    fn bound(&mut self) -> Result<Option<String>, ParseError> {
        self.c.skip_ws();
        match self.c.peek() {
            None | Some(']') | Some('}') => Err(self.c.error_here("expected a range bound")),
            Some('"') => Ok(Some(self.c.phrase()?.0)),
            _ => {
                let w = self.c.word(&stop_range, false)?;
                if w.end == w.start {
                    return Err(self.c.error_here("expected a range bound"));
                }
                if w.pattern.pieces == [Piece::Star] {
                    Ok(None)
                } else {
                    Ok(Some(pattern_text(&w.pattern)))
                }
            }
        }
    }

    fn range(&mut self, lo_incl: bool) -> Result<Value, ParseError> {
        self.c.bump();
        let lo = self.bound()?;
        self.c.skip_ws();
        if self.c.peek_keyword() != Some("TO") {
            return Err(self.c.error_here("expected 'TO' in range"));
        }
        self.c.pos += 2;
        let hi = self.bound()?;
        self.c.skip_ws();
        let hi_incl = match self.c.peek() {
            Some(']') => true,
            Some('}') => false,
            _ => return Err(self.c.error_here("expected ']' or '}' to close the range")),
        };
        self.c.bump();
        Ok(Value::Range {
            lo,
            hi,
            lo_incl,
            hi_incl,
        })
    }

    fn cidr(&mut self) -> Result<Expr, ParseError> {
        let start = self.c.pos;
        self.c.pos += "CIDR(".len();
        self.c.skip_ws();
        let attr = self.c.eat('@');
        let w = self.c.word(&stop_path, false)?;
        let name = pattern_text(&w.pattern);
        if name.is_empty() {
            return Err(self.c.error_here("expected a field in CIDR(...)"));
        }
        let field = if attr {
            Field::Attr(name)
        } else {
            Field::Key(name)
        };
        let mut nets = Vec::new();
        loop {
            self.c.skip_ws();
            if self.c.peek() == Some(')') {
                if nets.is_empty() {
                    return Err(self.c.error_here("expected ',' and a network in CIDR(...)"));
                }
                self.c.bump();
                break;
            }
            if !self.c.eat(',') {
                return Err(self.c.error_here("expected ',' or ')' in CIDR(...)"));
            }
            self.c.skip_ws();
            let w = self.c.word(&stop_cidr, false)?;
            let text = pattern_text(&w.pattern);
            if text.is_empty() {
                return Err(self.c.error_here("expected a network in CIDR(...)"));
            }
            let net = text
                .parse::<IpNet>()
                .ok()
                .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from));
            match net {
                Some(n) => nets.push(n),
                None => {
                    return Err(self.c.error(
                        format!(
                            "invalid network '{text}': expected an IPv4 or IPv6 address or CIDR"
                        ),
                        w.start..w.end,
                    ))
                }
            }
        }
        Ok(Expr::Term(Term {
            kind: TermKind::Cidr(field, nets),
            span: Span(start..self.c.pos),
        }))
    }
}
