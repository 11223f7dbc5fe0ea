//! Denylist entries: an IP, a CIDR range or a user id, blocked until a time or for good.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    Ip,
    Range,
    User,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Range => "range",
            Self::User => "user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Ip, Self::Range, Self::User]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for BlockKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to a block, in its history (`block_history`): later issues add automatic rules and
/// exports that read this rather than the current row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockEventKind {
    Made,
    Extended,
    Lifted,
    Expired,
}

impl BlockEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Made => "made",
            Self::Extended => "extended",
            Self::Lifted => "lifted",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Made, Self::Extended, Self::Lifted, Self::Expired]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub id: i64,
    /// Canonical form: an IP address, a CIDR network (host bits cleared) or a user id.
    pub value: String,
    pub kind: BlockKind,
    /// `None` blocks for good.
    pub expires_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// `manual` for a person's block; automatic rules (a later issue) name themselves here.
    pub origin: String,
    pub created_by: String,
    pub signal_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<String>,
}

impl Block {
    /// In force at `now`: neither lifted nor expired.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.lifted_at.is_none() && self.expires_at.is_none_or(|t| t > now)
    }

    /// `active`, `lifted` or `expired` at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> &'static str {
        if self.lifted_at.is_some() {
            "lifted"
        } else if self.is_active(now) {
            "active"
        } else {
            "expired"
        }
    }

    /// The entry as sigscope's denylist API lists it (JSON:API style).
    /// Read back what `to_json` wrote (a team server's `denylist` answer); a missing or malformed
    /// field is named in the error.
    pub fn from_json(v: &serde_json::Value) -> crate::Result<Block> {
        use super::json::time_of;
        use crate::Error;
        let bad =
            |field: &str| Error::Invalid(format!("denylist entry: `{field}` missing or malformed"));
        let attr = |name: &str| v.pointer(&format!("/attributes/{name}"));
        let text = |name: &str| attr(name).and_then(|x| x.as_str()).map(str::to_string);
        let time = |name: &str| -> crate::Result<Option<DateTime<Utc>>> {
            match attr(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(x) => time_of(x).map(Some).ok_or_else(|| bad(name)),
            }
        };
        Ok(Block {
            id: v
                .get("id")
                .and_then(|x| x.as_str().and_then(|s| s.parse().ok()).or(x.as_i64()))
                .ok_or_else(|| bad("id"))?,
            value: text("value").ok_or_else(|| bad("value"))?,
            kind: text("kind")
                .as_deref()
                .and_then(BlockKind::parse)
                .ok_or_else(|| bad("kind"))?,
            expires_at: time("expires_at")?,
            reason: text("reason"),
            origin: text("origin").unwrap_or_else(|| "manual".into()),
            created_by: text("created_by").unwrap_or_default(),
            signal_id: text("signal_id"),
            created_at: time("created_at")?.ok_or_else(|| bad("created_at"))?,
            lifted_at: time("lifted_at")?,
            lifted_by: text("lifted_by"),
        })
    }

    pub fn to_json(&self, now: DateTime<Utc>) -> serde_json::Value {
        use super::json::fmt_time;
        serde_json::json!({
            "id": self.id.to_string(),
            "type": "denylist_entry",
            "attributes": {
                "value": self.value,
                "kind": self.kind.as_str(),
                "status": self.status(now),
                "expires_at": self.expires_at.as_ref().map(fmt_time),
                "expiration": self.expires_at.map(|t| t.timestamp()).unwrap_or(0),
                "reason": self.reason,
                "origin": self.origin,
                "signal_id": self.signal_id,
                "created_by": self.created_by,
                "created_at": fmt_time(&self.created_at),
                "lifted_at": self.lifted_at.as_ref().map(fmt_time),
                "lifted_by": self.lifted_by,
            }
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockEvent {
    pub block_id: i64,
    pub time: DateTime<Utc>,
    pub kind: BlockEventKind,
    pub actor: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_block_reads_back_what_to_json_wrote_and_names_a_bad_field() {
        let t = |s: i64| Utc.timestamp_millis_opt(1_790_000_000_000 + s).unwrap();
        let b = Block {
            id: 42,
            value: "203.0.113.0/24".into(),
            kind: BlockKind::Range,
            expires_at: Some(t(3_600_000)),
            reason: Some("scanner".into()),
            origin: "autoblock:cs".into(),
            created_by: "ana@example.com".into(),
            signal_id: Some("sig-1".into()),
            created_at: t(0),
            lifted_at: Some(t(60_000)),
            lifted_by: Some("bob@example.com".into()),
        };
        assert_eq!(Block::from_json(&b.to_json(t(120_000))).unwrap(), b);
        let forever = Block {
            expires_at: None,
            lifted_at: None,
            lifted_by: None,
            reason: None,
            signal_id: None,
            ..b.clone()
        };
        assert_eq!(Block::from_json(&forever.to_json(t(0))).unwrap(), forever);

        let mut v = b.to_json(t(0));
        v["attributes"]["kind"] = serde_json::json!("planet");
        let e = Block::from_json(&v).unwrap_err().to_string();
        assert!(e.contains("`kind`"), "{e}");
    }
}
