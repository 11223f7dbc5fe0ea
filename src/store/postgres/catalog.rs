//! The rule and service catalogues.
use super::conn::PgDb;
use crate::error::Result;

impl crate::store::CatalogRows for PgDb {
    fn rule_json(&self, rule_id: &str) -> Result<Option<String>> {
        self.opt("SELECT raw FROM rule_catalog WHERE id = $1", &[&rule_id])?
            .map(|r| super::conn::get(&r, 0))
            .transpose()
    }

    fn put_rule_json(&self, rule_id: &str, json: &str) -> Result<()> {
        self.exec(
            "INSERT INTO rule_catalog (id, raw) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET raw = excluded.raw",
            &[&rule_id, &json],
        )?;
        Ok(())
    }

    fn service_owner(&self, service: &str) -> Result<Option<String>> {
        self.opt(
            "SELECT owner FROM service_catalog WHERE service = $1",
            &[&service],
        )?
        .map(|r| super::conn::get(&r, 0))
        .transpose()
    }

    fn put_service_owner(&self, service: &str, owner: &str) -> Result<()> {
        self.exec(
            "INSERT INTO service_catalog (service, owner) VALUES ($1, $2)
             ON CONFLICT (service) DO UPDATE SET owner = excluded.owner",
            &[&service, &owner],
        )?;
        Ok(())
    }
}
