//! A sample's content as JSON text, written once, when the request wins its place. Every changed
//! signal carries its samples (up to 20) out at every flush, and its group state carries them
//! again; built as `serde_json::Value` trees each time, they were three quarters of a flush
//! (some 190 allocations a sample). Held as text, a flush copies bytes.
use super::sample::{content, Content, SampleHead};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// `Content` as `serde_json` writes it (compact, key order included). Stored detector state holds
/// the same text, so states written before read back unchanged.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentText(Box<RawValue>);

impl PartialEq for ContentText {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl ContentText {
    pub fn of(c: &Content) -> Result<ContentText> {
        Ok(ContentText(serde_json::value::to_raw_value(c)?))
    }

    pub fn get(&self) -> &str {
        self.0.get()
    }
}

/// A signal's `samples[]` entry, `{"eventId":…,"content":…}`, appended to `out`.
pub fn write_entry(out: &mut String, event_id: &str, content: &ContentText) -> Result<()> {
    out.push_str("{\"eventId\":");
    out.push_str(&serde_json::to_string(event_id)?);
    out.push_str(",\"content\":");
    out.push_str(content.get());
    out.push('}');
    Ok(())
}

/// The contents written for the event being processed, by family. A request's content depends on
/// the event and the family only, and an attack usually counts for two rules or more (its
/// family's, and one over all attacks), so each rule's sample of it is a copy of one text.
#[derive(Default)]
pub struct Built(Vec<(String, ContentText)>);

impl Built {
    /// Forget the last event's contents.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub(super) fn content(&mut self, head: &SampleHead) -> Result<ContentText> {
        if let Some((_, t)) = self.0.iter().find(|(f, _)| f == head.family) {
            return Ok(t.clone());
        }
        let t = ContentText::of(&content(head.event, head.family))?;
        self.0.push((head.family.to_string(), t.clone()));
        Ok(t)
    }
}
