//! What a server's probes and metrics read: whether the store answers and its schema is current,
//! and a few counts. Operational data only (no signal, user or target), so it needs no actor.
use super::Engine;
use crate::error::Result;

/// The store as a readiness probe sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub schema_version: i64,
    pub schema_expected: i64,
}

impl Health {
    pub fn ready(&self) -> bool {
        self.schema_version == self.schema_expected
    }
}

/// The counts `/metrics` reports from the store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// The newest audit seq: every change the store has recorded.
    pub changes: i64,
    /// Notification deliveries per state.
    pub deliveries: Vec<(String, u64)>,
}

impl Engine {
    /// Query the store (a failure means it is unreachable) and compare its schema with this build's.
    pub fn health(&self) -> Result<Health> {
        let (schema_version, schema_expected) = self.db().schema_versions()?;
        Ok(Health {
            schema_version,
            schema_expected,
        })
    }

    pub fn store_counts(&self) -> Result<StoreCounts> {
        let db = self.db();
        Ok(StoreCounts {
            changes: db.latest_seq()?,
            deliveries: db.delivery_counts()?,
        })
    }
}
