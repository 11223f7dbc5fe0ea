//! Query text helpers for completion and the facet panel's `+`/`-` marks: quoting a value and
//! splitting a query into its top-level terms. Adding and removing facet terms is the query
//! module's (`query::toggle_facet`).

/// A facet value as it must be written in a query, as the query module prints a literal: bare
/// when plain, else quoted.
pub fn quote_value(v: &str) -> String {
    crate::query::Pattern::literal(v).to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

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
