//! Reading signals from files in any of the vendor's shapes: `{"data":[...]}`, `{"data":{...}}`, a
//! bare array, NDJSON or a single record. Files are read as a stream, cut into records (`stream`)
//! and parsed on worker threads a chunk at a time (`chunks`), so memory stays bounded whatever the
//! file's size and parsing overlaps with writing. Whether a bad record rejects the file is the
//! caller's choice.
use crate::error::Result;
use crate::model::Signal;
use serde_json::Value;

mod bytes;
mod chunks;
mod plain;
mod prune;
mod stream;
#[cfg(test)]
mod tests;

pub use chunks::{read_chunks, Chunk, Detail, Home, Prepared, CHUNK};
pub use stream::for_each_record;

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

/// The record at 1-based `index` as a signal, or why it is not one. The id is checked here too
/// (the engine checks it again), so a bad id is a bad record, named and skippable like any other.
pub fn read_signal(index: usize, value: Value) -> std::result::Result<Signal, BadRecord> {
    let bad = |id: Option<String>, problem: String| BadRecord { index, id, problem };
    // Kept only for the message: `from_json` consumes the record.
    let id = value.get("id").and_then(Value::as_str).map(str::to_string);
    let s = Signal::from_json(value).map_err(|e| bad(id, e.to_string()))?;
    crate::model::signal::check_id(&s.id).map_err(|e| bad(Some(s.id.clone()), e.to_string()))?;
    Ok(s)
}

/// Every record of `text` as a signal or a bad record, in file order (tests, small inputs).
pub fn parse(text: &str) -> Result<Vec<std::result::Result<Signal, BadRecord>>> {
    let mut out = Vec::new();
    for_each_record(text.as_bytes(), &mut |index, value| {
        out.push(read_signal(index, value));
        Ok(())
    })?;
    Ok(out)
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    crate::sanitize::truncate(&s, 60)
}
