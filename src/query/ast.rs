//! The query AST and its canonical printing (`Display`), which the parser reads back to the same AST.
use ipnet::IpNet;
use std::fmt;
use std::ops::Range;

/// Byte range of a node in the query text. Equality ignores it, so that an AST printed and parsed
/// again compares equal although its text (and so its positions) changed.
#[derive(Clone, Debug, Default, Eq)]
pub struct Span(pub Range<usize>);

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

/// A parsed query. `root` is `None` for the empty query, which matches every signal.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Query {
    pub root: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// Implicit or explicit `AND`; a chain `a b c` is one node.
    And(Vec<Expr>),
    /// `OR` binds looser than `AND`: `a OR b c` is `Or[a, And[b, c]]`.
    Or(Vec<Expr>),
    /// `NOT x` or `-x`.
    Not(Box<Expr>, Span),
    Term(Term),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub kind: TermKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TermKind {
    /// A free-text word or phrase, matched case-insensitively anywhere in the searchable text.
    Text(Pattern),
    /// `key:value` or `@path:value`.
    Field(Field, Value),
    /// `CIDR(@path, net, ...)`: the field holds an IP inside one of the networks.
    Cidr(Field, Vec<IpNet>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// A reserved key (`service`, `env`, `status`, `host`, `source`) or a tag key.
    Key(String),
    /// `@path.to.attr`, without the `@`.
    Attr(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Pattern(Pattern),
    /// `key:*`: the field has a value.
    Exists,
    Cmp(CmpOp, String),
    /// `[lo TO hi]` (inclusive) or `{lo TO hi}` (exclusive); `None` is an open end (`*`).
    Range {
        lo: Option<String>,
        hi: Option<String>,
        lo_incl: bool,
        hi_incl: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
        }
    }
}

/// A value with wildcards: literal text, `*` (any run) and `?` (one character).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Pattern {
    pub pieces: Vec<Piece>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Piece {
    Lit(String),
    Star,
    One,
}

impl Pattern {
    pub fn literal(s: &str) -> Pattern {
        let mut p = Pattern::default();
        p.push_char_str(s);
        p
    }

    pub(crate) fn push_char_str(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        match self.pieces.last_mut() {
            Some(Piece::Lit(l)) => l.push_str(s),
            _ => self.pieces.push(Piece::Lit(s.to_string())),
        }
    }

    pub(crate) fn push_char(&mut self, c: char) {
        match self.pieces.last_mut() {
            Some(Piece::Lit(l)) => l.push(c),
            _ => self.pieces.push(Piece::Lit(c.to_string())),
        }
    }

    /// The text when the pattern has no wildcard.
    pub fn as_literal(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Lit(s)] => Some(s),
            _ => None,
        }
    }

    pub fn has_wildcard(&self) -> bool {
        self.pieces.iter().any(|p| !matches!(p, Piece::Lit(_)))
    }
}

/// Characters the syntax gives a meaning to; a literal holding one is escaped or quoted on printing.
pub(crate) fn is_special(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '+' | '-'
                | '='
                | '&'
                | '|'
                | '>'
                | '<'
                | '!'
                | '('
                | ')'
                | '{'
                | '}'
                | '['
                | ']'
                | '^'
                | '"'
                | '~'
                | '*'
                | '?'
                | ':'
                | '\\'
                | '#'
                | ','
                | '@'
        )
}

/// `-` and `@` mean something only where a term starts (`checkout-api`, `jane@x.com` are plain).
fn needs_escape(c: char, first: bool) -> bool {
    match c {
        '-' | '@' => first,
        c => is_special(c),
    }
}

pub(crate) const KEYWORDS: [&str; 4] = ["AND", "OR", "NOT", "TO"];

/// A literal as the parser reads it back: bare when plain, else in quotes.
pub(crate) fn write_literal(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    let plain = !s.is_empty()
        && !s.chars().enumerate().any(|(i, c)| needs_escape(c, i == 0))
        && !KEYWORDS.contains(&s);
    if plain {
        return f.write_str(s);
    }
    f.write_char('"')?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.as_literal() {
            return write_literal(f, s);
        }
        // With wildcards the value cannot be quoted (quotes make `*` literal), so escape instead.
        let mut first = true;
        for p in &self.pieces {
            match p {
                Piece::Star => {
                    f.write_str("*")?;
                    first = false;
                }
                Piece::One => {
                    f.write_str("?")?;
                    first = false;
                }
                Piece::Lit(s) => {
                    for c in s.chars() {
                        if needs_escape(c, first) {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                        first = false;
                    }
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Key(k) => f.write_str(k),
            Field::Attr(p) => write!(f, "@{p}"),
        }
    }
}

impl Field {
    /// The key as a query writes it: `service` or `@workflow.triage.state`.
    pub fn parse_key(key: &str) -> Field {
        match key.strip_prefix('@') {
            Some(p) => Field::Attr(p.to_string()),
            None => Field::Key(key.to_string()),
        }
    }
}

fn write_bound(f: &mut fmt::Formatter<'_>, b: &Option<String>) -> fmt::Result {
    match b {
        None => f.write_str("*"),
        Some(s) if s == "*" => f.write_str("\"*\""),
        Some(s) => write_literal(f, s),
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Pattern(p) => write!(f, "{p}"),
            Value::Exists => f.write_str("*"),
            Value::Cmp(op, s) => {
                f.write_str(op.as_str())?;
                write_literal(f, s)
            }
            Value::Range {
                lo,
                hi,
                lo_incl,
                hi_incl,
            } => {
                f.write_str(if *lo_incl { "[" } else { "{" })?;
                write_bound(f, lo)?;
                f.write_str(" TO ")?;
                write_bound(f, hi)?;
                f.write_str(if *hi_incl { "]" } else { "}" })
            }
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TermKind::Text(p) => {
                // A bare `*` alone would read back as a wildcard word, which it is; `CIDR` is only
                // special when `(` follows, which never happens in printed output.
                write!(f, "{p}")
            }
            TermKind::Field(k, v) => write!(f, "{k}:{v}"),
            TermKind::Cidr(k, nets) => {
                write!(f, "CIDR({k}")?;
                for n in nets {
                    write!(f, ",{n}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Term(t) => write!(f, "{t}"),
            Expr::Not(e, _) => match **e {
                Expr::Term(_) | Expr::Not(..) => write!(f, "-{e}"),
                _ => write!(f, "-({e})"),
            },
            Expr::And(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    match e {
                        Expr::And(_) | Expr::Or(_) => write!(f, "({e})")?,
                        _ => write!(f, "{e}")?,
                    }
                }
                Ok(())
            }
            Expr::Or(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    match e {
                        Expr::Or(_) => write!(f, "({e})")?,
                        _ => write!(f, "{e}")?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.root {
            None => Ok(()),
            Some(e) => write!(f, "{e}"),
        }
    }
}
