//! A rule case's condition over its queries' aggregates, as the vendor writes it:
//! `a > 5`, `a > 0 && b > 10`, `(a >= 3 || b > 1) && c == 0`. Operands are query names or numbers.
use crate::error::{Error, Result};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    True,
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Cmp(Operand, Op, Operand),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Name(String),
    Num(f64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Num(f64),
    Op(Op),
    And,
    Or,
    Open,
    Close,
}

fn lex(src: &str) -> Result<Vec<Tok>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let bad = |i: usize, what: &str| {
        Error::Invalid(format!("condition {src:?}: {what} at column {}", i + 1))
    };
    while i < b.len() {
        let c = b[i];
        let two = b.get(i + 1).copied();
        match c {
            b' ' | b'\t' => i += 1,
            b'(' => {
                out.push(Tok::Open);
                i += 1
            }
            b')' => {
                out.push(Tok::Close);
                i += 1
            }
            b'&' if two == Some(b'&') => {
                out.push(Tok::And);
                i += 2
            }
            b'|' if two == Some(b'|') => {
                out.push(Tok::Or);
                i += 2
            }
            b'>' | b'<' | b'=' | b'!' => {
                let (op, n) = match (c, two) {
                    (b'>', Some(b'=')) => (Op::Ge, 2),
                    (b'<', Some(b'=')) => (Op::Le, 2),
                    (b'=', Some(b'=')) => (Op::Eq, 2),
                    (b'!', Some(b'=')) => (Op::Ne, 2),
                    (b'>', _) => (Op::Gt, 1),
                    (b'<', _) => (Op::Lt, 1),
                    _ => return Err(bad(i, "unknown operator")),
                };
                out.push(Tok::Op(op));
                i += n
            }
            b'0'..=b'9' | b'.' => {
                let s = i;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                let n: f64 = src[s..i].parse().map_err(|_| bad(s, "bad number"))?;
                out.push(Tok::Num(n));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let w = &src[s..i];
                out.push(match w {
                    "AND" | "and" => Tok::And,
                    "OR" | "or" => Tok::Or,
                    _ => Tok::Ident(w.to_string()),
                });
            }
            _ => return Err(bad(i, "unexpected character")),
        }
    }
    Ok(out)
}

struct P<'a> {
    toks: Vec<Tok>,
    i: usize,
    src: &'a str,
}

impl P<'_> {
    fn err(&self, what: &str) -> Error {
        Error::Invalid(format!("condition {:?}: {what}", self.src))
    }
    fn or(&mut self) -> Result<Cond> {
        let mut l = self.and()?;
        while self.toks.get(self.i) == Some(&Tok::Or) {
            self.i += 1;
            l = Cond::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Cond> {
        let mut l = self.atom()?;
        while self.toks.get(self.i) == Some(&Tok::And) {
            self.i += 1;
            l = Cond::And(Box::new(l), Box::new(self.atom()?));
        }
        Ok(l)
    }
    fn operand(&mut self) -> Result<Operand> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        match t {
            Some(Tok::Ident(s)) => Ok(Operand::Name(s)),
            Some(Tok::Num(n)) => Ok(Operand::Num(n)),
            _ => Err(self.err("expected a query name or a number")),
        }
    }
    fn atom(&mut self) -> Result<Cond> {
        if self.toks.get(self.i) == Some(&Tok::Open) {
            self.i += 1;
            let c = self.or()?;
            if self.toks.get(self.i) != Some(&Tok::Close) {
                return Err(self.err("missing `)`"));
            }
            self.i += 1;
            return Ok(c);
        }
        let l = self.operand()?;
        let op = match self.toks.get(self.i) {
            Some(Tok::Op(o)) => *o,
            _ => return Err(self.err("expected a comparison (>, >=, <, <=, ==, !=)")),
        };
        self.i += 1;
        let r = self.operand()?;
        Ok(Cond::Cmp(l, op, r))
    }
}

impl Cond {
    /// Parse a condition; an empty one is always true.
    pub fn parse(src: &str) -> Result<Cond> {
        if src.trim().is_empty() {
            return Ok(Cond::True);
        }
        let mut p = P {
            toks: lex(src)?,
            i: 0,
            src,
        };
        let c = p.or()?;
        if p.i != p.toks.len() {
            return Err(p.err("unexpected text after the condition"));
        }
        Ok(c)
    }

    /// The query names it uses.
    pub fn names(&self, out: &mut Vec<String>) {
        match self {
            Cond::True => {}
            Cond::And(a, b) | Cond::Or(a, b) => {
                a.names(out);
                b.names(out);
            }
            Cond::Cmp(l, _, r) => {
                for o in [l, r] {
                    if let Operand::Name(n) = o {
                        out.push(n.clone());
                    }
                }
            }
        }
    }

    pub fn eval(&self, vals: &HashMap<String, f64>) -> bool {
        self.eval_with(&|n| vals.get(n).copied().unwrap_or(0.0))
    }

    /// `eval` with each query's value looked up by name (0 for a name it does not know), so that
    /// the detector need not build a map per event.
    pub fn eval_with(&self, val: &dyn Fn(&str) -> f64) -> bool {
        let v = |o: &Operand| match o {
            Operand::Name(n) => val(n),
            Operand::Num(x) => *x,
        };
        match self {
            Cond::True => true,
            Cond::And(a, b) => a.eval_with(val) && b.eval_with(val),
            Cond::Or(a, b) => a.eval_with(val) || b.eval_with(val),
            Cond::Cmp(l, op, r) => {
                let (l, r) = (v(l), v(r));
                match op {
                    Op::Gt => l > r,
                    Op::Ge => l >= r,
                    Op::Lt => l < r,
                    Op::Le => l <= r,
                    Op::Eq => l == r,
                    Op::Ne => l != r,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(a: f64, b: f64) -> HashMap<String, f64> {
        HashMap::from([("a".to_string(), a), ("b".to_string(), b)])
    }

    #[test]
    fn parses_and_evaluates() {
        let c = Cond::parse("a > 0 && b > 10").unwrap();
        assert!(!c.eval(&vals(1.0, 10.0)));
        assert!(c.eval(&vals(1.0, 11.0)));
        let c = Cond::parse("(a >= 3 || b > 1) && a != 7").unwrap();
        assert!(c.eval(&vals(3.0, 0.0)));
        assert!(!c.eval(&vals(7.0, 5.0)));
        assert!(Cond::parse("").unwrap().eval(&vals(0.0, 0.0)));
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Cond::parse("a >").unwrap_err().to_string();
        assert!(e.contains("expected a query name"), "{e}");
        assert!(Cond::parse("a > 1 b").is_err());
        assert!(Cond::parse("a ~ 1")
            .unwrap_err()
            .to_string()
            .contains("column 3"));
    }
}
