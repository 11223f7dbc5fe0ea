//! A rule's query evaluated against a signal: the one place notification rules touch the search
//! syntax (`query::parse`, `Query::matches`), so parse errors read the same as in the explorer.
use crate::error::{Error, Result};
use crate::model::Signal;

fn parse(query: &str) -> Result<crate::query::Query> {
    crate::query::parse(query).map_err(|e| {
        Error::Invalid(format!(
            "query {:?}: {e}",
            crate::sanitize::truncate(query, 80)
        ))
    })
}

/// Check a query parses, for rule validation.
pub fn check(query: &str) -> Result<()> {
    parse(query).map(|_| ())
}

/// Whether the signal matches; an empty query matches everything.
pub fn matches(query: &str, s: &Signal) -> Result<bool> {
    Ok(parse(query)?.matches(s))
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
    fn rules_use_the_search_syntax() {
        let s = sig();
        assert!(matches("", &s).unwrap());
        assert!(matches("service:checkout*", &s).unwrap());
        assert!(!matches("service:web", &s).unwrap());
        assert!(!matches("env:prod -status:high", &s).unwrap());
        assert!(matches("(source:nope OR env:prod) status:>=medium", &s).unwrap());
        assert!(matches("@http.status_code:[500 TO 599]", &s).unwrap());
        let e = check("service:(a OR").unwrap_err().to_string();
        assert!(e.contains("column"), "{e}");
    }
}
