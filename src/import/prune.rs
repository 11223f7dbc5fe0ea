//! A record parsed for its columns only: the whole JSON tree but the event's `samples`, which are
//! about two thirds of a vendor signal's bytes and a larger share of its allocations. An import
//! that nothing reacts to (no notification or automated-blocking rule) stores each record's own
//! text and needs only the columns `Signal::from_json` reads, and none of them comes from the
//! samples; whoever needs the signal whole parses the text again (`Prepared::make_whole`).
//!
//! The samples are still read through, so JSON that does not parse fails here as it would whole.
//! Everything else is what `serde_json::Value` builds: the same maps in the same order, the last of
//! a repeated key winning.
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Parse `text` as `serde_json::from_str` would, leaving out `attributes.attributes.samples` and
/// `attributes.custom.samples` (the two places `Signal::from_json` finds the event).
pub fn without_samples(text: &str) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = Level::Record.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Where in the record a value sits: only the event's own keys are pruned.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    Record,
    Attributes,
    Event,
}

impl Level {
    /// The level of the value under `key` in an object at this level; `None`: a plain value.
    fn below(self, key: &str) -> Option<Level> {
        match (self, key) {
            (Level::Record, "attributes") => Some(Level::Attributes),
            (Level::Attributes, "attributes" | "custom") => Some(Level::Event),
            _ => None,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Level {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Level {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so this is never `Null` for parsed text.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if self == Level::Event && key == "samples" {
                map.next_value::<IgnoredAny>()?;
                // A repeated key: the last one wins, and here the last is left out.
                out.shift_remove(&key);
                continue;
            }
            let v = match self.below(&key) {
                Some(level) => map.next_value_seed(level)?,
                None => map.next_value::<Value>()?,
            };
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` parsed whole, with the event's samples taken out afterwards.
    fn whole_minus_samples(text: &str) -> Value {
        let mut v: Value = serde_json::from_str(text).unwrap();
        if let Some(a) = v.get_mut("attributes").and_then(Value::as_object_mut) {
            for k in ["attributes", "custom"] {
                if let Some(e) = a.get_mut(k).and_then(Value::as_object_mut) {
                    e.shift_remove("samples");
                }
            }
        }
        v
    }

    #[test]
    fn the_tree_is_serde_jsons_but_the_events_samples() {
        let cases = [
            r#"{"id":"a","type":"signal","attributes":{"timestamp":1,"attributes":{"title":"t","samples":[{"x":{"y":[1,2.5,-3,true,null,"s\n"]}}],"workflow":{"rule":{"id":"r"}}},"tags":["a:b"]}}"#,
            r#"{"attributes":{"custom":{"samples":[],"k":{"samples":[1]}},"samples":[2]},"samples":[3],"id":"b"}"#,
            // Repeated keys: the last wins, for samples too.
            r#"{"id":"c","attributes":{"attributes":{"samples":[1],"t":1,"samples":[2],"t":2}},"attributes":{"custom":{"a":1,"samples":{}}}}"#,
            // Not objects where objects are expected: kept as they are.
            r#"{"id":"d","attributes":{"attributes":[{"samples":1}],"custom":"x"}}"#,
            r#"{"id":"e","attributes":"none"}"#,
            r#"[{"attributes":{"attributes":{"samples":1}}}]"#,
            r#"18446744073709551615"#,
            r#" {"id" : "f" , "attributes" : { "attributes" : { "samples" : [ { } ] , "u" : "\u00e9" } } } "#,
        ];
        for text in cases {
            let pruned = without_samples(text).unwrap();
            assert_eq!(pruned, whole_minus_samples(text), "{text}");
            // Key order as serde_json's, not just the same maps.
            assert_eq!(
                serde_json::to_string(&pruned).unwrap(),
                serde_json::to_string(&whole_minus_samples(text)).unwrap()
            );
        }
    }

    #[test]
    fn json_that_does_not_parse_fails_inside_the_samples_too() {
        for text in [
            r#"{"id":"a","attributes":{"attributes":{"samples":[1,}}}"#,
            r#"{"id":"a","attributes":{"attributes":{"samples":[tru]}}}"#,
            r#"{"id":"a","attributes":{}} x"#,
            r#"{"id":"a""#,
        ] {
            assert!(serde_json::from_str::<Value>(text).is_err());
            assert!(without_samples(text).is_err(), "{text}");
        }
    }
}
