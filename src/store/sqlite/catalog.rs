//! The rule and service catalogues: what Rule Details and a signal's service owner show. Filled by
//! whoever knows them (the demo data, detection rules), read by the engine.
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

impl crate::store::CatalogRows for Connection {
    fn rule_json(&self, rule_id: &str) -> Result<Option<String>> {
        Ok(self
            .prepare_cached("SELECT raw FROM rule_catalog WHERE id = ?1")?
            .query_row([rule_id], |r| r.get(0))
            .optional()?)
    }

    fn put_rule_json(&self, rule_id: &str, json: &str) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO rule_catalog (id, raw) VALUES (?1, ?2)
             ON CONFLICT(id) DO UPDATE SET raw = excluded.raw",
        )?
        .execute(params![rule_id, json])?;
        Ok(())
    }

    fn service_owner(&self, service: &str) -> Result<Option<String>> {
        Ok(self
            .prepare_cached("SELECT owner FROM service_catalog WHERE service = ?1")?
            .query_row([service], |r| r.get(0))
            .optional()?)
    }

    fn put_service_owner(&self, service: &str, owner: &str) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO service_catalog (service, owner) VALUES (?1, ?2)
             ON CONFLICT(service) DO UPDATE SET owner = excluded.owner",
        )?
        .execute(params![service, owner])?;
        Ok(())
    }
}
