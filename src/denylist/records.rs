//! What the denylist keeps besides blocks: autoblock runs and bouncers, as the store returns them.
use super::{BlockValue, Cursor, Run};
use chrono::{DateTime, Utc};

/// What a rule did; `outcome` is `made`, `extended` or `simulated`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RunRow {
    pub rule: String,
    pub signal_id: String,
    pub value: BlockValue,
    pub outcome: String,
    pub block_id: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub time: DateTime<Utc>,
}

impl RunRow {
    /// The run as the autoblock planner sees it.
    pub fn as_run(&self) -> Run {
        Run {
            simulated: self.outcome == "simulated",
            rule: self.rule.clone(),
            signal_id: self.signal_id.clone(),
            value: self.value.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Bouncer {
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub cursor: Option<Cursor>,
    pub last_pull: Option<DateTime<Utc>>,
}

/// A bouncer key as the store keeps it: only its SHA-256, so a leaked store leaks no key.
pub fn key_hash(key: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(key.as_bytes()))
}
