//! The store's answers to health probes and metrics.
use super::conn::{count, get, PgDb};
use super::MIGRATIONS;
use crate::error::Result;

impl crate::store::OpsRows for PgDb {
    fn schema_versions(&self) -> Result<(i64, i64)> {
        let current: i64 = self.one("SELECT MAX(version) FROM sigscope_schema", &[])?;
        Ok((current, MIGRATIONS.last().map(|m| m.0).unwrap_or(0)))
    }

    fn delivery_counts(&self) -> Result<Vec<(String, u64)>> {
        self.rows(
            "SELECT state, COUNT(*) FROM notification_deliveries GROUP BY state ORDER BY state",
            &[],
        )?
        .iter()
        .map(|r| Ok((get(r, 0)?, count(get(r, 1)?))))
        .collect()
    }
}
