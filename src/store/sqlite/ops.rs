//! The store's answers to health probes and metrics.
use super::MIGRATIONS;
use crate::error::Result;
use rusqlite::Connection;

impl crate::store::OpsRows for Connection {
    fn schema_versions(&self) -> Result<(i64, i64)> {
        let current: i64 = self.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok((current, MIGRATIONS.last().map(|m| m.0).unwrap_or(0)))
    }

    fn delivery_counts(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.prepare_cached(
            "SELECT state, COUNT(*) FROM notification_deliveries GROUP BY state ORDER BY state",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for r in rows {
            let (state, n) = r?;
            out.push((state, n.max(0) as u64));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    /// CVE-2025-6965 is fixed in SQLite 3.50.2; the bundled library must be at least that.
    #[test]
    fn bundled_sqlite_has_the_cve_2025_6965_fix() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let v: String = conn
            .query_row("select sqlite_version()", [], |r| r.get(0))
            .unwrap();
        let parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
        assert!(parts >= vec![3, 50, 2], "bundled SQLite {v}");
    }
}
