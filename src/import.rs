//! Reading signals from files in any of the vendor's shapes: `{"data":[...]}`, `{"data":{...}}`, a bare
//! array, or NDJSON. A file is all or nothing unless the caller asks to skip invalid records.
use crate::error::{Error, Result};
use crate::model::Signal;
use serde_json::Value;

/// A record that could not be read, named so the user can find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRecord {
    /// 1-based position of the record in the file.
    pub index: usize,
    pub id: Option<String>,
    pub problem: String,
}

impl std::fmt::Display for BadRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record {}", self.index)?;
        if let Some(id) = &self.id {
            write!(f, " (id {})", crate::sanitize::clean(id))?;
        }
        write!(f, ": {}", crate::sanitize::clean(&self.problem))
    }
}

/// What a file held: the signals that read, and the records that did not.
#[derive(Debug, Default)]
pub struct Parsed {
    pub signals: Vec<Signal>,
    pub bad: Vec<BadRecord>,
}

/// Split the text into its records, whatever the shape.
pub fn records(text: &str) -> Result<Vec<Value>> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    // One JSON document first; if there is more than one value, it is NDJSON.
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(Value::Object(mut obj)) => match obj.remove("data") {
            Some(Value::Array(items)) => Ok(items),
            Some(one @ Value::Object(_)) => Ok(vec![one]),
            Some(other) => Err(Error::Invalid(format!(
                "`data` must be an array or an object, found {}",
                short(&other)
            ))),
            None => Ok(vec![Value::Object(obj)]),
        },
        Ok(other) => Err(Error::Invalid(format!(
            "expected a JSON object, array or NDJSON, found {}",
            short(&other)
        ))),
        Err(whole) => {
            let mut out = Vec::new();
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    if n == 0 {
                        Error::Invalid(format!("not JSON: {whole}"))
                    } else {
                        Error::Invalid(format!(
                            "line {}: record {}: not JSON: {e}",
                            n + 1,
                            out.len() + 1
                        ))
                    }
                })?;
                out.push(v);
            }
            Ok(out)
        }
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    crate::sanitize::truncate(&s, 60)
}

/// Read every record; keep going past bad ones so all of them can be reported.
pub fn parse(text: &str) -> Result<Parsed> {
    let mut parsed = Parsed::default();
    for (i, rec) in records(text)?.into_iter().enumerate() {
        let id = rec.get("id").and_then(Value::as_str).map(str::to_string);
        match Signal::from_json(rec) {
            Ok(s) => parsed.signals.push(s),
            Err(e) => parsed.bad.push(BadRecord {
                index: i + 1,
                id,
                problem: e.to_string(),
            }),
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(id: &str) -> String {
        format!(
            r#"{{"id":"{id}","type":"signal","attributes":{{"timestamp":"2026-01-01T00:00:00.000Z","status":"low","custom":{{"title":"t"}}}}}}"#
        )
    }

    #[test]
    fn all_four_shapes() {
        let a = sig("a");
        let b = sig("b");
        for text in [
            format!(r#"{{"data":[{a},{b}]}}"#),
            format!("[{a},{b}]"),
            format!("{a}\n{b}\n"),
        ] {
            let p = parse(&text).unwrap();
            assert_eq!(p.signals.len(), 2, "{text}");
            assert!(p.bad.is_empty());
        }
        let p = parse(&format!(r#"{{"data":{a}}}"#)).unwrap();
        assert_eq!(p.signals[0].id, "a");
    }

    #[test]
    fn bad_record_is_named_by_index_and_id() {
        let text = format!(
            "[{},{},{}]",
            sig("a"),
            sig("b"),
            r#"{"id":"c","type":"signal","attributes":{"timestamp":"yesterday"}}"#
        );
        let p = parse(&text).unwrap();
        assert_eq!(p.bad.len(), 1);
        assert_eq!(p.bad[0].index, 3);
        assert_eq!(p.bad[0].id.as_deref(), Some("c"));
        assert!(p.bad[0].to_string().contains("attributes.timestamp"));
    }

    #[test]
    fn ndjson_line_error_names_the_line() {
        let text = format!("{}\n{{nope\n", sig("a"));
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
