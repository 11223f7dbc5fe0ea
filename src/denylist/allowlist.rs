//! Values that are never blocked: the office, the scanners you hired, the health checks.
use super::entry::BlockValue;
use crate::error::Error;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AllowEntry {
    pub id: i64,
    pub value: BlockValue,
    /// Why it is allowed ("office", "pentest vendor"); shown when a block is refused.
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default)]
pub struct Allowlist {
    entries: Vec<AllowEntry>,
}

impl Allowlist {
    pub fn new(entries: Vec<AllowEntry>) -> Allowlist {
        Allowlist { entries }
    }

    pub fn entries(&self) -> &[AllowEntry] {
        &self.entries
    }

    /// The allowlist entry a block of `value` would hit. A range overlapping an allowed address
    /// counts: blocking `10.0.0.0/8` would block the office at `10.1.2.3`.
    pub fn find(&self, value: &BlockValue) -> Option<&AllowEntry> {
        self.entries.iter().find(|a| a.value.overlaps(value))
    }

    /// `Ok` when `value` may be blocked; otherwise the refusal, naming the allowlist entry.
    pub fn check(&self, value: &BlockValue) -> Result<(), Error> {
        match self.find(value) {
            None => Ok(()),
            Some(a) => Err(Error::Conflict(refusal(value, a))),
        }
    }
}

pub fn refusal(value: &BlockValue, a: &AllowEntry) -> String {
    let note = if a.note.is_empty() {
        String::new()
    } else {
        format!(" ({})", a.note)
    };
    format!(
        "{value} is allowlisted: allowlist entry #{} {}{note}; remove it first with `sigscope allowlist remove {}`",
        a.id, a.value, a.id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, v: BlockValue, note: &str) -> AllowEntry {
        AllowEntry {
            id,
            value: v,
            note: note.into(),
            created_by: "ana@example.com".into(),
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    fn net(s: &str) -> BlockValue {
        BlockValue::parse_net(s).unwrap()
    }

    #[test]
    fn refuses_addresses_inside_allowed_ranges_and_names_the_entry() {
        let list = Allowlist::new(vec![
            entry(1, net("203.0.113.0/24"), "office"),
            entry(2, BlockValue::User("healthcheck".into()), ""),
        ]);
        let err = list.check(&net("203.0.113.9")).unwrap_err().to_string();
        assert!(err.contains("#1") && err.contains("203.0.113.0/24") && err.contains("office"));
        assert!(list.check(&BlockValue::User("healthcheck".into())).is_err());
        assert!(list.check(&BlockValue::User("mallory".into())).is_ok());
        assert!(list.check(&net("198.51.100.1")).is_ok());
    }

    #[test]
    fn refuses_ranges_that_cover_an_allowed_address() {
        let list = Allowlist::new(vec![entry(7, net("10.1.2.3"), "scanner")]);
        assert_eq!(list.find(&net("10.0.0.0/8")).map(|a| a.id), Some(7));
        assert!(list.find(&net("10.1.2.4")).is_none());
        let v6 = Allowlist::new(vec![entry(8, net("2001:db8::/48"), "")]);
        assert!(v6.find(&net("2001:db8::1")).is_some());
        assert!(v6.find(&net("2001:db9::1")).is_none());
    }
}
