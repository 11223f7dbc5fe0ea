//! Editing a query from the facet panel: pick a value to filter on it, pick again to drop it.
//!
//! Edits are made on the text (the user's own spelling stays), at the top level of the query.
use super::ast::{Expr, Field, Pattern, TermKind, Value};
use super::parser::parse;

/// Add `key:value` (quoted as needed) to the query, or remove it when it is already there.
/// A `-key:value` already there is turned into `key:value`.
pub fn toggle_facet(query: &str, key: &str, value: &str) -> String {
    edit(query, key, value, false)
}

/// Add `-key:value` to the query, or remove it when it is already there.
/// A `key:value` already there is turned into `-key:value`.
pub fn exclude_facet(query: &str, key: &str, value: &str) -> String {
    edit(query, key, value, true)
}

fn term_text(key: &str, value: &str) -> String {
    format!("{}:{}", Field::parse_key(key), Pattern::literal(value))
}

/// Where the top-level `key:value` and `-key:value` are in the text.
struct Found {
    pos: Option<std::ops::Range<usize>>,
    neg: Option<std::ops::Range<usize>>,
}

fn find(root: &Expr, field: &Field, value: &str) -> Found {
    let is_it = |e: &Expr| match e {
        Expr::Term(t) => match &t.kind {
            TermKind::Field(f, Value::Pattern(p))
                if f == field && p.as_literal() == Some(value) =>
            {
                Some(t.span.0.clone())
            }
            _ => None,
        },
        _ => None,
    };
    let items: Vec<&Expr> = match root {
        Expr::And(xs) => xs.iter().collect(),
        other => vec![other],
    };
    let mut found = Found {
        pos: None,
        neg: None,
    };
    for e in items {
        if let Some(s) = is_it(e) {
            found.pos.get_or_insert(s);
        } else if let Expr::Not(inner, span) = e {
            if is_it(inner).is_some() {
                found.neg.get_or_insert(span.0.clone());
            }
        }
    }
    found
}

fn splice(query: &str, span: std::ops::Range<usize>, with: &str) -> String {
    let (before, after) = (&query[..span.start], &query[span.end..]);
    if !with.is_empty() {
        return format!("{before}{with}{after}");
    }
    let before = before.trim_end();
    let after = after.trim_start();
    match (before.is_empty(), after.is_empty()) {
        (true, _) => after.to_string(),
        (_, true) => before.to_string(),
        _ => format!("{before} {after}"),
    }
}

fn append(query: &str, root_is_or: bool, term: &str) -> String {
    let q = query.trim();
    if q.is_empty() {
        term.to_string()
    } else if root_is_or {
        // `a OR b key:v` would read as `a OR (b key:v)`.
        format!("({q}) {term}")
    } else {
        format!("{q} {term}")
    }
}

fn edit(query: &str, key: &str, value: &str, negate: bool) -> String {
    let field = Field::parse_key(key);
    let term = term_text(key, value);
    let neg_term = format!("-{term}");
    let Ok(q) = parse(query) else {
        // The user is mid-edit; adding is still right, removing can wait.
        return append(query, false, if negate { &neg_term } else { &term });
    };
    let Some(root) = &q.root else {
        return if negate { neg_term } else { term };
    };
    let found = find(root, &field, value);
    let (mine, other, text) = if negate {
        (found.neg, found.pos, &neg_term)
    } else {
        (found.pos, found.neg, &term)
    };
    let out = match (mine, other) {
        (Some(span), _) => splice(query, span, ""),
        (None, Some(span)) => splice(query, span, text),
        (None, None) => append(query, matches!(root, Expr::Or(_)), text),
    };
    // Removing a term next to an explicit `AND` can leave `a AND`; fall back to the AST.
    if parse(&out).is_ok() {
        out
    } else {
        let kept: Vec<Expr> = match root {
            Expr::And(xs) => xs
                .iter()
                .filter(|e| {
                    let f = find(e, &field, value);
                    f.pos.is_none() && f.neg.is_none()
                })
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        let q = super::ast::Query {
            root: match kept.len() {
                0 => None,
                1 => kept.into_iter().next(),
                _ => Some(Expr::And(kept)),
            },
        };
        q.to_string()
    }
}
