//! Adding and removing `key:value` terms in a query string, for facet selection. This is text
//! editing only: the query's meaning is the query module's business.

/// A facet value as it must be written in a query: quoted when it holds a space or a special.
/// `-` and `@` only count at the start (as the query module's own printer does).
pub fn quote_value(v: &str) -> String {
    const SPECIAL: &str = "+=&|><!(){}[]^\"~*?:\\# ";
    let plain = !v.is_empty()
        && !v.chars().enumerate().any(|(i, c)| {
            SPECIAL.contains(c) || c.is_whitespace() || (i == 0 && (c == '-' || c == '@'))
        })
        && !["AND", "OR", "NOT", "TO"].contains(&v);
    if plain {
        return v.to_string();
    }
    let mut out = String::from("\"");
    for c in v.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Split on spaces outside quotes and parentheses.
pub fn terms(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut depth, mut escaped) = (false, 0i32, false);
    for c in q.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                cur.push(c);
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '(' if !quoted => {
                depth += 1;
                cur.push(c);
            }
            ')' if !quoted => {
                depth -= 1;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted && depth <= 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Enter on a facet value: add `term`, or remove it when present. With `exclude`, the same for
/// `-term`. Either replaces the opposite form of the same term.
pub fn toggle_term(q: &str, term: &str, exclude: bool) -> String {
    let neg = format!("-{term}");
    let (want, other) = if exclude {
        (neg.as_str(), term)
    } else {
        (term, neg.as_str())
    };
    let mut ts = terms(q);
    let had = ts.iter().any(|t| t == want);
    ts.retain(|t| t != want && t != other);
    if !had {
        ts.push(want.to_string());
    }
    ts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggling_adds_removes_and_flips() {
        let q = toggle_term("sqlmap", "service:web", false);
        assert_eq!(q, "sqlmap service:web");
        assert_eq!(toggle_term(&q, "service:web", false), "sqlmap");
        assert_eq!(toggle_term(&q, "service:web", true), "sqlmap -service:web");
        assert_eq!(toggle_term("-service:web", "service:web", true), "");
    }

    #[test]
    fn values_with_specials_are_quoted_and_kept_whole() {
        assert_eq!(quote_value("a b"), "\"a b\"");
        assert_eq!(quote_value("10.0.0.1"), "10.0.0.1");
        assert_eq!(quote_value("x:y"), "\"x:y\"");
        assert_eq!(quote_value("admin-portal"), "admin-portal");
        assert_eq!(quote_value("-x"), "\"-x\"");
        assert_eq!(quote_value("OR"), "\"OR\"");
        let q = format!("@usr.id:{} status:(high OR low)", quote_value("jane doe"));
        assert_eq!(
            terms(&q),
            vec!["@usr.id:\"jane doe\"", "status:(high OR low)"]
        );
    }
}
