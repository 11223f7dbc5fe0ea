//! Bounds on what one query may ask, so a hostile or mistaken query (a read-only key's 8,000 wildcard
//! stars, 50,000 terms) is refused at parse time with a clear message instead of costing seconds of
//! CPU per request. Matching stays linear in the text: consecutive `*` are one star (the same
//! language), and a pattern holds a bounded number of wildcards and characters.
use super::ast::{Expr, Query};
use super::ParseError;

/// The whole query text, in bytes.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// Terms (`field:value`, free-text words, CIDR terms) in one query.
pub const MAX_TERMS: usize = 1_000;
/// `*` and `?` in one value, once consecutive stars are merged.
pub const MAX_WILDCARDS: usize = 64;
/// Characters in one value's pattern.
pub const MAX_PATTERN_CHARS: usize = 1_024;

/// Refuse a query text too long to be worth parsing.
pub fn check_size(src: &str) -> Result<(), ParseError> {
    if src.len() > MAX_QUERY_BYTES {
        return Err(ParseError {
            message: format!(
                "query too long: {} bytes (at most {MAX_QUERY_BYTES}); narrow it, or split it into several searches",
                src.len()
            ),
            span: 0..0,
            column: 1,
        });
    }
    Ok(())
}

fn count(e: &Expr) -> usize {
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().map(count).fold(0, usize::saturating_add),
        Expr::Not(x, _) => count(x),
        Expr::Term(_) => 1,
    }
}

/// Refuse a parsed query with too many terms.
pub fn check_terms(q: &Query) -> Result<(), ParseError> {
    let n = q.root.as_ref().map_or(0, count);
    if n > MAX_TERMS {
        return Err(ParseError {
            message: format!("query has {n} terms (at most {MAX_TERMS}); narrow it"),
            span: 0..0,
            column: 1,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    #[test]
    fn a_query_of_50000_terms_is_refused_naming_the_limit() {
        let q = vec!["a"; 50_000].join(" ");
        let e = parse(&q).unwrap_err();
        assert!(e.message.contains("too long"), "{e}");
        let q = vec!["a"; MAX_TERMS + 1].join(" ");
        assert!(q.len() <= MAX_QUERY_BYTES);
        let e = parse(&q).unwrap_err();
        assert!(e.message.contains("terms (at most 1000)"), "{e}");
        assert!(parse(&vec!["a"; MAX_TERMS].join(" ")).is_ok());
    }

    #[test]
    fn eight_thousand_stars_are_one_star() {
        let q = format!("title:{}", "*".repeat(8_000));
        let parsed = parse(&q).unwrap();
        let one = parse("title:*").unwrap();
        assert_eq!(parsed, one);
    }

    #[test]
    fn too_many_wildcards_in_one_value_are_refused() {
        let q = format!("title:{}", "a*".repeat(MAX_WILDCARDS + 1));
        let e = parse(&q).unwrap_err();
        assert!(e.message.contains("wildcards"), "{e}");
        let q = format!("title:{}", "?".repeat(MAX_WILDCARDS + 1));
        assert!(parse(&q).is_err());
        assert!(parse(&format!("title:{}", "a*".repeat(MAX_WILDCARDS))).is_ok());
    }

    #[test]
    fn an_overlong_value_is_refused() {
        let q = format!("title:{}", "x".repeat(MAX_PATTERN_CHARS + 1));
        let e = parse(&q).unwrap_err();
        assert!(e.message.contains("characters"), "{e}");
    }
}
