//! Matching one field value against a query value: wildcards, comparisons, ranges, CIDR.
//!
//! Shared by the slow path (`Query::matches`) and the index (which runs it once per distinct
//! dictionary entry), so both answer alike by construction.
use super::ast::{CmpOp, Pattern, Piece, Value};
use crate::model::Severity;
use chrono::DateTime;
use ipnet::IpNet;
use std::cmp::Ordering;
use std::net::IpAddr;

/// A field value as the matcher sees it.
#[derive(Clone, Copy, Debug)]
pub enum Val<'a> {
    Str(&'a str),
    /// A JSON number.
    Num(f64),
    Bool(bool),
    /// A time, as epoch milliseconds; compared with RFC 3339 or epoch-ms operands.
    Time(i64),
    /// A severity: compared by rank (`status:>=high`), matched by name.
    Sev(Severity),
}

impl Val<'_> {
    /// The text a pattern is matched against.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Val::Str(s) => Cow::Borrowed(s),
            Val::Num(n) => Cow::Owned(num_text(*n)),
            Val::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Val::Time(ms) => Cow::Owned(
                DateTime::from_timestamp_millis(*ms)
                    .map(|t| crate::model::json::fmt_time(&t))
                    .unwrap_or_else(|| ms.to_string()),
            ),
            Val::Sev(s) => Cow::Borrowed(s.as_str()),
        }
    }
}

/// Glob match with `*` and `?` over characters, anchored at both ends.
pub fn glob(pieces: &[Piece], text: &str) -> bool {
    // Classic backtracking over the last `*`: linear for the patterns people type.
    let t: Vec<char> = text.chars().collect();
    let mut toks: Vec<Option<char>> = Vec::new(); // None = `?`
    let mut stars: Vec<bool> = Vec::new();
    for p in pieces {
        match p {
            Piece::Lit(s) => {
                for c in s.chars() {
                    toks.push(Some(c));
                    stars.push(false);
                }
            }
            Piece::One => {
                toks.push(None);
                stars.push(false);
            }
            Piece::Star => {
                toks.push(None);
                stars.push(true);
            }
        }
    }
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut back: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < toks.len() && stars[pi] {
            back = Some((pi, ti));
            pi += 1;
        } else if pi < toks.len() && toks[pi].is_none_or(|c| c == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((bp, bt)) = back {
            pi = bp + 1;
            ti = bt + 1;
            back = Some((bp, bt + 1));
        } else {
            return false;
        }
    }
    while pi < toks.len() && stars[pi] {
        pi += 1;
    }
    pi == toks.len()
}

/// Integral numbers print without a fraction, as JSON wrote them.
pub fn num_text(n: f64) -> String {
    let mut s = String::new();
    push_num_text(n, &mut s);
    s
}

/// `num_text` appended to `out`, for callers that reuse one buffer (the index, for every
/// number of every event: integers are written by hand, without the formatting machinery).
pub fn push_num_text(n: f64, out: &mut String) {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        let i = n as i64;
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut u = i.unsigned_abs();
        loop {
            at -= 1;
            digits[at] = b'0' + (u % 10) as u8;
            u /= 10;
            if u == 0 {
                break;
            }
        }
        if i < 0 {
            out.push('-');
        }
        out.extend(digits[at..].iter().map(|&d| d as char));
    } else {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(out, "{n}");
    }
}

fn num(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn time_ms(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
        .or_else(|| s.parse::<i64>().ok())
}

/// Order a field value against an operand: numerically when both are numbers (or times, or
/// severities), else by text. `None` when they cannot be compared (e.g. a boolean).
pub fn compare(v: &Val, operand: &str) -> Option<Ordering> {
    match v {
        Val::Num(n) => num(operand).and_then(|o| n.partial_cmp(&o)),
        Val::Time(ms) => time_ms(operand).map(|o| ms.cmp(&o)),
        Val::Sev(s) => Severity::parse(operand).map(|o| s.rank().cmp(&o.rank())),
        Val::Str(s) => match (num(s), num(operand)) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => Some((*s).cmp(operand)),
        },
        Val::Bool(_) => None,
    }
}

/// Does a pattern without wildcards equal this value (numbers numerically: `@x:100` matches `100.0`)?
fn literal_eq(v: &Val, lit: &str) -> bool {
    match v {
        Val::Str(s) => *s == lit,
        Val::Num(n) => num(lit).is_some_and(|o| o == *n),
        Val::Bool(b) => lit == if *b { "true" } else { "false" },
        Val::Time(ms) => time_ms(lit) == Some(*ms),
        Val::Sev(s) => s.as_str() == lit,
    }
}

pub fn match_pattern(p: &Pattern, v: &Val) -> bool {
    match p.as_literal() {
        Some(lit) => literal_eq(v, lit),
        None => glob(&p.pieces, &v.text()),
    }
}

/// Does a field value satisfy the query value?
pub fn match_value(q: &Value, v: &Val) -> bool {
    match q {
        Value::Exists => true,
        Value::Pattern(p) => match_pattern(p, v),
        Value::Cmp(op, operand) => match compare(v, operand) {
            None => false,
            Some(o) => match op {
                CmpOp::Gt => o == Ordering::Greater,
                CmpOp::Ge => o != Ordering::Less,
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
            },
        },
        Value::Range {
            lo,
            hi,
            lo_incl,
            hi_incl,
        } => {
            let lo_ok = match lo {
                None => true,
                Some(b) => match compare(v, b) {
                    Some(Ordering::Greater) => true,
                    Some(Ordering::Equal) => *lo_incl,
                    _ => false,
                },
            };
            let hi_ok = match hi {
                None => true,
                Some(b) => match compare(v, b) {
                    Some(Ordering::Less) => true,
                    Some(Ordering::Equal) => *hi_incl,
                    _ => false,
                },
            };
            lo_ok && hi_ok
        }
    }
}

pub fn match_cidr(nets: &[IpNet], v: &Val) -> bool {
    match v {
        Val::Str(s) => s
            .trim()
            .parse::<IpAddr>()
            .is_ok_and(|ip| nets.iter().any(|n| n.contains(&ip))),
        _ => false,
    }
}

/// A free-text pattern, lower-cased and unanchored (`sqlmap` finds "SQLMap scanner").
#[derive(Clone, Debug)]
pub struct TextMatcher {
    pieces: Vec<Piece>,
    needle: Option<String>,
}

impl TextMatcher {
    pub fn new(p: &Pattern) -> TextMatcher {
        let lower: Vec<Piece> = p
            .pieces
            .iter()
            .map(|x| match x {
                Piece::Lit(s) => Piece::Lit(s.to_lowercase()),
                other => other.clone(),
            })
            .collect();
        let needle = match lower.as_slice() {
            [] => Some(String::new()),
            [Piece::Lit(s)] => Some(s.clone()),
            _ => None,
        };
        let mut pieces = vec![Piece::Star];
        pieces.extend(lower);
        pieces.push(Piece::Star);
        TextMatcher { pieces, needle }
    }

    /// The lower-cased text looked for, when the pattern has no wildcard.
    pub fn literal(&self) -> Option<&str> {
        self.needle.as_deref()
    }

    pub fn matches(&self, text: &str) -> bool {
        // ASCII text needs no lower-cased copy (the needle is lower case already).
        if let (Some(n), true) = (&self.needle, text.is_ascii()) {
            let n = n.as_bytes();
            return n.is_empty()
                || text
                    .as_bytes()
                    .windows(n.len())
                    .any(|w| w.eq_ignore_ascii_case(n));
        }
        let lower = text.to_lowercase();
        match &self.needle {
            Some(n) => lower.contains(n.as_str()),
            None => glob(&self.pieces, &lower),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> Vec<Piece> {
        s.chars()
            .map(|c| match c {
                '*' => Piece::Star,
                '?' => Piece::One,
                c => Piece::Lit(c.to_string()),
            })
            .collect()
    }

    #[test]
    fn glob_matches_stars_and_single_chars() {
        assert!(glob(&pat("web*"), "web-store"));
        assert!(!glob(&pat("web*"), "api-web"));
        assert!(glob(&pat("*admin*"), "/wp-admin/x"));
        assert!(glob(&pat("a?c"), "abc"));
        assert!(!glob(&pat("a?c"), "abbc"));
        assert!(glob(&pat("*"), ""));
        assert!(glob(&pat("a*b*c"), "aXbYbZc"));
        assert!(!glob(&pat("a*b*c"), "aXbYbZ"));
    }

    #[test]
    fn number_text_is_what_json_wrote() {
        for (n, want) in [
            (0.0, "0"),
            (-0.0, "0"),
            (7.0, "7"),
            (-42.0, "-42"),
            (123456789012345.0, "123456789012345"),
            (1e15, "1000000000000000"),
            (2.5, "2.5"),
            (-0.125, "-0.125"),
        ] {
            assert_eq!(num_text(n), want, "{n}");
        }
    }

    #[test]
    fn numbers_compare_as_numbers_and_severity_by_rank() {
        assert_eq!(compare(&Val::Num(10.0), "9"), Some(Ordering::Greater));
        assert_eq!(compare(&Val::Str("10"), "9"), Some(Ordering::Greater));
        assert_eq!(compare(&Val::Str("b"), "a"), Some(Ordering::Greater));
        assert_eq!(
            compare(&Val::Sev(Severity::Critical), "high"),
            Some(Ordering::Greater)
        );
    }
}
