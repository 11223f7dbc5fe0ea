//! A denylist entry as the exporters and the decision stream see it, and its history events.
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// What is blocked: an address or a canonical range (`10.0.0.0/8`; `10.1.2.3/8` is refused with
/// the canonical form suggested), or a user id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockValue {
    Net(IpNet),
    User(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    Ip,
    Range,
    User,
}

impl ValueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Ip => "ip",
            ValueKind::Range => "range",
            ValueKind::User => "user",
        }
    }

    /// CrowdSec's scope name (`Ip`, `Range`); users have no CrowdSec scope that bouncers enforce.
    pub fn crowdsec_scope(self) -> Option<&'static str> {
        match self {
            ValueKind::Ip => Some("Ip"),
            ValueKind::Range => Some("Range"),
            ValueKind::User => None,
        }
    }
}

impl BlockValue {
    pub fn ip(addr: IpAddr) -> BlockValue {
        BlockValue::Net(IpNet::from(addr.to_canonical()))
    }

    /// An address (`1.2.3.4`, `2001:db8::1`) or a CIDR range in its canonical form (`10.0.0.0/8`),
    /// IPv4-mapped IPv6 as IPv4, so the allowlist and every check compare like with like. A range
    /// with host bits set (`10.1.2.3/8`) is refused, naming the range it would be and the address it
    /// might have meant, rather than silently widened.
    pub fn parse_net(s: &str) -> Result<BlockValue> {
        let s = s.trim();
        if let Ok(n) = s.parse::<IpNet>() {
            if n.trunc() != n {
                return Err(Error::Usage(format!(
                    "{n} is not a canonical CIDR range (host bits are set): the range is {}; to block the one address, give {}",
                    n.trunc(),
                    n.addr()
                )));
            }
        }
        super::address::parse_any(s)
            .map(BlockValue::Net)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{:?} is not an IP address or CIDR range",
                    crate::sanitize::clean(s)
                ))
            })
    }

    /// A value taken from signal data: one address only (see `address::from_signal`).
    pub fn from_signal_ip(s: &str, v6_prefix: u8) -> Result<BlockValue> {
        super::address::from_signal(s, v6_prefix)
            .map(BlockValue::Net)
            .map_err(Error::Usage)
    }

    /// A user id; empty ones and ones with control characters are refused, since they end up
    /// inside other tools' files.
    pub fn parse_user(s: &str) -> Result<BlockValue> {
        if s.trim().is_empty() {
            return Err(Error::Usage("a user id cannot be empty".into()));
        }
        if s.chars().any(char::is_control) {
            return Err(Error::Usage(format!(
                "user id {:?} contains control characters",
                crate::sanitize::clean(s)
            )));
        }
        Ok(BlockValue::User(s.to_string()))
    }

    pub fn kind(&self) -> ValueKind {
        match self {
            BlockValue::Net(n) if n.prefix_len() == n.max_prefix_len() => ValueKind::Ip,
            BlockValue::Net(_) => ValueKind::Range,
            BlockValue::User(_) => ValueKind::User,
        }
    }

    pub fn net(&self) -> Option<IpNet> {
        match self {
            BlockValue::Net(n) => Some(*n),
            BlockValue::User(_) => None,
        }
    }

    /// True when the two values block at least one address or user in common.
    pub fn overlaps(&self, other: &BlockValue) -> bool {
        match (self, other) {
            (BlockValue::Net(a), BlockValue::Net(b)) => a.contains(b) || b.contains(a),
            (BlockValue::User(a), BlockValue::User(b)) => a == b,
            _ => false,
        }
    }
}

/// Addresses print bare (`1.2.3.4`), ranges with their prefix (`10.0.0.0/8`).
impl fmt::Display for BlockValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockValue::Net(n) if n.prefix_len() == n.max_prefix_len() => write!(f, "{}", n.addr()),
            BlockValue::Net(n) => write!(f, "{n}"),
            BlockValue::User(u) => f.write_str(u),
        }
    }
}

impl Serialize for BlockValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An active or past denylist entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DenyEntry {
    /// Stable and numeric because CrowdSec decision ids are integers.
    pub id: i64,
    pub value: BlockValue,
    pub kind: ValueKind,
    /// `None` is permanent.
    pub expires_at: Option<DateTime<Utc>>,
    pub reason: String,
    /// A user handle, or `autoblock:<rule>`.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub signal_id: Option<String>,
}

impl DenyEntry {
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|t| t > now)
    }

    /// Whole seconds left, rounded up so an entry that is still active never reads as 0s.
    pub fn remaining_secs(&self, now: DateTime<Utc>) -> Option<i64> {
        self.expires_at.map(|t| {
            let ms = (t - now).num_milliseconds().max(0);
            (ms + 999) / 1000
        })
    }
}

/// The entries active at `now`, in a stable order (by value) so exports diff cleanly.
pub fn active(entries: &[DenyEntry], now: DateTime<Utc>) -> Vec<&DenyEntry> {
    let mut v: Vec<&DenyEntry> = entries.iter().filter(|e| e.is_active(now)).collect();
    v.sort_by(|a, b| a.value.cmp(&b.value).then(a.id.cmp(&b.id)));
    v
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HistoryAction {
    Made,
    Extended,
    Lifted,
    Expired,
}

impl HistoryAction {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryAction::Made => "made",
            HistoryAction::Extended => "extended",
            HistoryAction::Lifted => "lifted",
            HistoryAction::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<HistoryAction> {
        [
            HistoryAction::Made,
            HistoryAction::Extended,
            HistoryAction::Lifted,
            HistoryAction::Expired,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// One thing that happened to a denylist entry. `seq` orders events totally (timestamps can tie).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryEvent {
    pub seq: i64,
    pub entry_id: i64,
    pub value: BlockValue,
    pub action: HistoryAction,
    pub at: DateTime<Utc>,
    /// The entry's expiry after this event (`None` is permanent).
    pub expires_at: Option<DateTime<Utc>>,
    pub by: String,
    pub signal_id: Option<String>,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ranges_parse_to_their_kind() {
        assert_eq!(
            BlockValue::parse_net("1.2.3.4").unwrap().kind(),
            ValueKind::Ip
        );
        assert_eq!(
            BlockValue::parse_net("1.2.3.4/32").unwrap().kind(),
            ValueKind::Ip
        );
        assert_eq!(
            BlockValue::parse_net("2001:db8::1").unwrap().kind(),
            ValueKind::Ip
        );
        let r = BlockValue::parse_net("10.0.0.0/8").unwrap();
        assert_eq!(r.kind(), ValueKind::Range);
        assert_eq!(r.to_string(), "10.0.0.0/8");
        let e = BlockValue::parse_net("10.1.2.3/8").unwrap_err().to_string();
        assert!(e.contains("10.0.0.0/8") && e.contains("10.1.2.3"), "{e}");
        assert_eq!(
            BlockValue::parse_net("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert!(BlockValue::parse_net("nope").is_err());
        assert!(BlockValue::parse_user("").is_err());
        assert!(BlockValue::parse_user("a\nb").is_err());
    }

    #[test]
    fn overlap_is_containment_either_way() {
        let r = BlockValue::parse_net("10.0.0.0/8").unwrap();
        let a = BlockValue::parse_net("10.9.9.9").unwrap();
        let b = BlockValue::parse_net("11.0.0.1").unwrap();
        assert!(r.overlaps(&a) && a.overlaps(&r));
        assert!(!r.overlaps(&b));
        assert!(!BlockValue::User("10.9.9.9".into()).overlaps(&a));
    }
}
