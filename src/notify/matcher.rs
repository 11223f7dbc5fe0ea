//! A rule's query evaluated against a signal: the one place notification rules touch the search
//! syntax, so it can move to `query::parse(..)?.matches(..)` in one edit.
//!
//! Until the query module lands this understands a subset: terms joined by implicit AND or by `OR`,
//! `-` for NOT, `key:value` (service, env, status, host, source, rule, tag keys) and `@path:value`
//! with `*` wildcards, and free words matched case-insensitively in the title and message.
use crate::error::{Error, Result};
use crate::model::json::at;
use crate::model::Signal;
use serde_json::Value;

/// Check a query parses, for rule validation.
pub fn check(query: &str) -> Result<()> {
    parse(query).map(|_| ())
}

/// Whether the signal matches; an empty query matches everything.
pub fn matches(query: &str, s: &Signal) -> Result<bool> {
    let groups = parse(query)?;
    if groups.is_empty() {
        return Ok(true);
    }
    Ok(groups
        .iter()
        .any(|terms| terms.iter().all(|t| t.matches(s))))
}

struct Term {
    negated: bool,
    key: Option<String>,
    value: String,
}

fn parse(query: &str) -> Result<Vec<Vec<Term>>> {
    let mut groups = vec![Vec::new()];
    for word in split(query)? {
        if word == "OR" {
            groups.push(Vec::new());
            continue;
        }
        if word == "AND" {
            continue;
        }
        let (negated, w) = match word.strip_prefix('-').or_else(|| word.strip_prefix("NOT ")) {
            Some(rest) => (true, rest.to_string()),
            None => (false, word.clone()),
        };
        let (key, value) = match w.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.starts_with('"') => (Some(k.to_string()), v),
            _ => (None, w.as_str()),
        };
        let value = value.trim_matches('"').to_string();
        if value.is_empty() {
            return Err(Error::Invalid(format!(
                "query {query:?}: empty value in {word:?}"
            )));
        }
        if let Some(g) = groups.last_mut() {
            g.push(Term {
                negated,
                key,
                value,
            });
        }
    }
    if groups.iter().any(Vec::is_empty) && groups.len() > 1 {
        return Err(Error::Invalid(format!(
            "query {query:?}: OR needs a term on each side"
        )));
    }
    Ok(groups.into_iter().filter(|g| !g.is_empty()).collect())
}

/// Words split on spaces, with quotes kept together and the parentheses of a single group dropped.
fn split(query: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut pending_not = false;
    for c in query.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '(' | ')' if !quoted => {}
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    let w = std::mem::take(&mut cur);
                    if w == "NOT" {
                        pending_not = true;
                    } else if pending_not {
                        out.push(format!("-{w}"));
                        pending_not = false;
                    } else {
                        out.push(w);
                    }
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err(Error::Invalid(format!("query {query:?}: unclosed quote")));
    }
    if !cur.is_empty() {
        out.push(if pending_not { format!("-{cur}") } else { cur });
    }
    Ok(out)
}

fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn value_texts(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(value_texts).collect(),
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

impl Term {
    fn matches(&self, s: &Signal) -> bool {
        self.negated != self.positive(s)
    }

    fn positive(&self, s: &Signal) -> bool {
        let Some(key) = &self.key else {
            let needle = self.value.to_lowercase();
            return s.title.to_lowercase().contains(&needle)
                || s.message.to_lowercase().contains(&needle);
        };
        let candidates: Vec<String> = match key.as_str() {
            "service" => s.services.clone(),
            "env" => s.env.iter().cloned().collect(),
            "status" | "severity" => vec![s.severity.as_str().to_string()],
            "host" => s.host.iter().cloned().collect(),
            "source" => s.source.iter().cloned().collect(),
            "rule" => vec![s.rule.name.clone()],
            k if k.starts_with('@') => at(s.event(), &k[1..]).map(value_texts).unwrap_or_default(),
            k => {
                let prefix = format!("{k}:");
                s.tags
                    .iter()
                    .filter_map(|t| t.strip_prefix(&prefix).map(str::to_string))
                    .collect()
            }
        };
        candidates.iter().any(|c| glob(&self.value, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sig() -> Signal {
        Signal::from_json(json!({"id":"s1","type":"signal","attributes":{
            "timestamp":"2026-01-01T00:00:00.000Z","status":"high","service":["checkout-api"],
            "tags":["env:prod","team:pay"],"message":"SQLi from sqlmap",
            "custom":{"title":"SQL injection","http":{"status_code":500}}}}))
        .unwrap()
    }

    #[test]
    fn subset_of_the_syntax() {
        let s = sig();
        assert!(matches("", &s).unwrap());
        assert!(matches("service:checkout-api", &s).unwrap());
        assert!(matches("service:checkout*", &s).unwrap());
        assert!(!matches("service:web", &s).unwrap());
        assert!(matches("env:prod status:high", &s).unwrap());
        assert!(!matches("env:prod -status:high", &s).unwrap());
        assert!(matches("(source:nope OR env:prod)", &s).unwrap());
        assert!(matches("sqlmap team:pay", &s).unwrap());
        assert!(matches("@http.status_code:500", &s).unwrap());
        assert!(matches("NOT env:staging", &s).unwrap());
        assert!(matches("\"unclosed", &s).is_err());
    }
}
