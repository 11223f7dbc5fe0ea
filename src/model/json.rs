//! Defensive readers for vendor JSON: real bodies omit keys and change types, so every read is optional.
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

/// The value at a dotted path, walking objects only.
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for part in path.split('.') {
        cur = cur.as_object()?.get(part)?;
    }
    Some(cur)
}

pub fn str_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    at(v, path).and_then(Value::as_str)
}

pub fn i64_at(v: &Value, path: &str) -> Option<i64> {
    at(v, path).and_then(|x| x.as_i64().or_else(|| x.as_f64().map(|f| f as i64)))
}

/// Strings at a path that may hold a string or an array of strings.
pub fn strings_at(v: &Value, path: &str) -> Vec<String> {
    match at(v, path) {
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().filter(|s| !s.is_empty()).map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// An RFC 3339 string or epoch milliseconds.
pub fn time_of(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => n
            .as_i64()
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
        _ => None,
    }
}

pub fn time_at(v: &Value, path: &str) -> Option<DateTime<Utc>> {
    at(v, path).and_then(time_of)
}

/// RFC 3339 with milliseconds and `Z`, the vendor's time format.
pub fn fmt_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Push unless already present, keeping first-seen order.
pub fn push_unique(list: &mut Vec<String>, s: &str) {
    if !s.is_empty() && !list.iter().any(|x| x == s) {
        list.push(s.to_string());
    }
}

/// The object at `path` inside `root`, created (with intermediate objects) when missing.
pub fn ensure_object<'a>(
    root: &'a mut Value,
    path: &[&str],
) -> &'a mut serde_json::Map<String, Value> {
    let mut cur = root;
    for part in path {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let obj = match cur.as_object_mut() {
            Some(o) => o,
            None => unreachable!("made an object above"),
        };
        cur = obj
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    if !cur.is_object() {
        *cur = Value::Object(Default::default());
    }
    match cur.as_object_mut() {
        Some(o) => o,
        None => unreachable!("made an object above"),
    }
}
