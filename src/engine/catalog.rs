//! The rule and service catalogues (what Rule Details and the service owner show) and users with
//! known ids (the demo's), as audited engine commands.
use super::autoblock::audit;
use super::Engine;
use crate::error::Result;
use crate::model::{Permission, User};
use serde_json::{json, Value};

/// One detection rule's entry: its id and what Rule Details shows.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleEntry {
    pub id: String,
    pub name: String,
    pub condition: String,
    pub description: String,
    pub runbook: String,
}

impl Engine {
    /// Add or replace catalogue entries: detection rules, and (service, owner) pairs. Entries
    /// already stored as given are left alone, and a call that changes nothing writes nothing (so
    /// each `ingest` can state its rules without filling the audit trail).
    pub fn update_catalog(
        &mut self,
        actor: &User,
        rules: &[RuleEntry],
        owners: &[(String, String)],
    ) -> Result<usize> {
        super::rbac::require(actor, Permission::SecurityMonitoringSignalsWrite)?;
        let now = self.now();
        self.write_rows(|db| {
            let mut changed = 0;
            for r in rules {
                let raw = json!({
                    "id": r.id,
                    "name": r.name,
                    "condition": r.condition,
                    "description": r.description,
                    "runbook": r.runbook,
                })
                .to_string();
                if db.rule_json(&r.id)?.as_deref() != Some(raw.as_str()) {
                    db.put_rule_json(&r.id, &raw)?;
                    changed += 1;
                }
            }
            for (service, owner) in owners {
                if db.service_owner(service)?.as_deref() != Some(owner.as_str()) {
                    db.put_service_owner(service, owner)?;
                    changed += 1;
                }
            }
            if changed > 0 {
                audit(
                    db,
                    actor,
                    now,
                    "catalog.update",
                    "catalog",
                    Value::Null,
                    json!({ "changed": changed }),
                )?;
            }
            Ok(changed)
        })
    }

    /// Add users with the ids they already have elsewhere (the demo's, a copied store's); those a
    /// store already knows by handle or id are left as they are. How many were added.
    pub fn add_known_users(&mut self, actor: &User, users: &[User]) -> Result<usize> {
        super::rbac::require(actor, Permission::UserAccessManage)?;
        let now = self.now();
        self.write_rows(|db| {
            let mut n = 0;
            for u in users {
                if db.find_user(&u.handle)?.is_some() || db.find_user(&u.uuid)?.is_some() {
                    continue;
                }
                db.insert_user(u)?;
                audit(
                    db,
                    actor,
                    now,
                    crate::model::audit::actions::USER_ADD,
                    &u.handle,
                    Value::Null,
                    serde_json::to_value(u)?,
                )?;
                n += 1;
            }
            Ok(n)
        })
    }

    /// Give a store with no users its first ones (the demo's team), as `resolve_actor` gives a
    /// fresh store its first Admin: nobody holds a permission yet, so the empty store is the
    /// authority. Refused once the store has users.
    pub fn seed_users(&mut self, users: &[User]) -> Result<()> {
        let now = self.now();
        self.write_rows(|db| {
            if db.count_users()? > 0 {
                return Err(crate::error::Error::PermissionDenied(
                    "this store has users already; an admin adds more with `sigscope users add`"
                        .into(),
                ));
            }
            for u in users {
                db.insert_user(u)?;
                audit(
                    db,
                    u,
                    now,
                    crate::model::audit::actions::USER_BOOTSTRAP,
                    &u.handle,
                    Value::Null,
                    serde_json::to_value(u)?,
                )?;
            }
            Ok(())
        })
    }
}
