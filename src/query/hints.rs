//! Advice on queries that parse but probably do not say what their author meant. The syntax makes
//! `*` and `?` literal inside quotes (`api.md`), so `@workflow.rule.name:"Credential stuffing*"`
//! looks for a rule named with a real asterisk and usually matches nothing; the hint shows the
//! escaped form that does what was meant.
use super::ast::{Expr, Field, Pattern, Piece, Query, TermKind, Value};
use super::fields::{resolve, Col};
use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    pub message: String,
    /// Byte range in the query text, for the UI to mark.
    pub span: Range<usize>,
}

/// Hints for `q`, parsed from `src`.
pub fn hints(src: &str, q: &Query) -> Vec<Hint> {
    let mut out = Vec::new();
    if let Some(root) = &q.root {
        walk(src, root, &mut out);
    }
    out
}

/// The plain `key:value` terms of a query (no wildcard), as the key is written (`status`,
/// `@workflow.triage.state`), for a face to compare with the values it knows (a value that differs
/// only in case matches nothing: values are case-sensitive).
pub fn field_literals(q: &Query) -> Vec<(String, String)> {
    fn go(e: &Expr, out: &mut Vec<(String, String)>) {
        match e {
            Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| go(x, out)),
            Expr::Not(x, _) => go(x, out),
            Expr::Term(t) => {
                if let TermKind::Field(f, Value::Pattern(p)) = &t.kind {
                    if let Some(v) = literal(p) {
                        out.push((key_text(f), v));
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Some(root) = &q.root {
        go(root, &mut out);
    }
    out
}

fn key_text(f: &Field) -> String {
    match f {
        Field::Key(k) => k.clone(),
        Field::Attr(p) => format!("@{p}"),
    }
}

fn literal(p: &Pattern) -> Option<String> {
    let mut s = String::new();
    for piece in &p.pieces {
        match piece {
            Piece::Lit(l) => s.push_str(l),
            _ => return None,
        }
    }
    Some(s)
}

fn walk(src: &str, e: &Expr, out: &mut Vec<Hint>) {
    match e {
        Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| walk(src, x, out)),
        Expr::Not(x, _) => walk(src, x, out),
        Expr::Term(t) => {
            if let TermKind::Cidr(f, nets) = &t.kind {
                // A range only means something on the attackers' IPs; under any other name it
                // quietly matches nothing.
                if resolve(f) != Col::AttackerIp {
                    let nets: Vec<String> = nets.iter().map(|n| n.to_string()).collect();
                    out.push(Hint {
                        message: format!(
                            "attacker IPs are searched as CIDR(@http.client_ip,{}) ({} holds no IPs)",
                            nets.join(","),
                            key_text(f)
                        ),
                        span: t.span.0.clone(),
                    });
                }
                return;
            }
            let pattern = match &t.kind {
                TermKind::Text(p) | TermKind::Field(_, Value::Pattern(p)) => p,
                _ => return,
            };
            if let (TermKind::Field(f, _), Some(v)) = (&t.kind, literal(pattern)) {
                // `key:10.0.0.0/24` compares text; a range is written `CIDR(key,net)`.
                if v.contains('/') && v.parse::<ipnet::IpNet>().is_ok() {
                    let key = match resolve(f) {
                        Col::AttackerIp => key_text(f),
                        _ => "@http.client_ip".to_string(),
                    };
                    out.push(Hint {
                        message: format!("for an address range write CIDR({key},{v})"),
                        span: t.span.0.clone(),
                    });
                    return;
                }
            }
            if let Some(word @ ("or" | "and")) = literal(pattern).as_deref() {
                // Only capitals are operators: `status:(high or critical)` asks for the word.
                out.push(Hint {
                    message: format!(
                        "write {} in capitals for the operator (`{word}` is searched as a word)",
                        word.to_uppercase()
                    ),
                    span: t.span.0.clone(),
                });
                return;
            }
            let Some(text) = src.get(t.span.0.clone()) else {
                return;
            };
            if text.contains('"') && has_literal_wildcard(pattern) {
                out.push(Hint {
                    message: format!(
                        "for a wildcard write {} (`*` and `?` inside quotes match themselves)",
                        unquoted(text)
                    ),
                    span: t.span.0.clone(),
                });
            }
        }
    }
}

fn has_literal_wildcard(p: &Pattern) -> bool {
    p.pieces
        .iter()
        .any(|piece| matches!(piece, Piece::Lit(l) if l.contains(['*', '?'])))
}

/// `key:"a b*"` as `key:a\ b*`: the quoted part with its specials escaped and its wildcards bare.
fn unquoted(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 4);
    let mut quoted = false;
    let mut chars = term.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => {
                // An escape inside quotes stays an escape outside them.
                out.push('\\');
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '*' | '?' => out.push(c),
            c if quoted && (c.is_whitespace() || "+-=&|><!(){}[]^~:#".contains(c)) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    fn hints_of(src: &str) -> Vec<Hint> {
        hints(src, &parse(src).unwrap())
    }

    #[test]
    fn a_wildcard_inside_quotes_gets_the_escaped_form_and_it_means_a_wildcard() {
        let src = r#"@workflow.rule.name:"Credential stuffing*" status:high"#;
        let h = hints_of(src);
        assert_eq!(h.len(), 1);
        assert_eq!(
            &src[h[0].span.clone()],
            r#"@workflow.rule.name:"Credential stuffing*""#
        );
        let suggested = r"@workflow.rule.name:Credential\ stuffing*";
        assert!(h[0].message.contains(suggested), "{}", h[0].message);
        // The suggestion parses to a real wildcard: no hint for it.
        assert!(hints_of(suggested).is_empty());
        let q = parse(suggested).unwrap();
        let Some(Expr::Term(t)) = q.root else {
            panic!("one term")
        };
        let TermKind::Field(_, Value::Pattern(p)) = t.kind else {
            panic!("a pattern")
        };
        assert_eq!(p.pieces.last(), Some(&Piece::Star));
    }

    #[test]
    fn lowercase_operators_and_ranges_on_other_fields_get_a_note() {
        let h = hints_of("status:(high or critical)");
        assert!(h[0].message.contains("write OR in capitals"), "{h:?}");
        assert!(hints_of("status:(high OR critical)").is_empty());
        let h = hints_of("@network.client.ip:198.51.100.0/24");
        assert!(
            h[0].message
                .contains("CIDR(@network.client.ip,198.51.100.0/24)"),
            "{h:?}"
        );
        let h = hints_of("CIDR(@client.ip,198.51.100.0/24)");
        assert!(
            h[0].message
                .contains("CIDR(@http.client_ip,198.51.100.0/24)"),
            "{h:?}"
        );
        assert!(hints_of("CIDR(@network.client.ip,198.51.100.0/24)").is_empty());
        let q = parse("status:HIGH -@workflow.triage.state:Open web*").unwrap();
        assert_eq!(
            field_literals(&q),
            vec![
                ("status".into(), "HIGH".into()),
                ("@workflow.triage.state".into(), "Open".into())
            ]
        );
    }

    #[test]
    fn no_hint_for_quotes_without_wildcards_or_wildcards_without_quotes() {
        assert!(hints_of(r#"@workflow.rule.name:"Credential stuffing""#).is_empty());
        assert!(hints_of(r"service:web* -env:prod").is_empty());
        assert!(hints_of(r#""sql injection" OR (NOT "a?b")"#).len() == 1);
    }
}
