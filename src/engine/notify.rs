//! Notification rules as engine commands (permission-checked, audited with before and after, with
//! targets masked), and the delivery queue as the sender works it.
use super::autoblock::audit;
use super::Engine;
use crate::error::{Error, Result};
use crate::model::{Permission, User};
use crate::notify::queue::{Delivery, DeliveryState, Outcome, Policy};
use crate::notify::NotificationRule;
use chrono::{DateTime, Utc};
use serde_json::Value;

fn need_write(actor: &User) -> Result<()> {
    super::rbac::require(actor, Permission::NotificationProfilesWrite)
}

fn not_found(id_or_name: &str) -> Error {
    Error::NotFound(format!(
        "no notification rule {:?}",
        crate::sanitize::clean(id_or_name)
    ))
}

impl Engine {
    /// Add a rule; the rule as stored.
    pub fn add_notify_rule(
        &mut self,
        actor: &User,
        rule: NotificationRule,
    ) -> Result<NotificationRule> {
        need_write(actor)?;
        rule.validate()?;
        let now = self.now();
        self.write_rows(|db| {
            db.insert_notify_rule(&rule)?;
            audit(
                db,
                actor,
                now,
                "notify.rule_add",
                &rule.id,
                Value::Null,
                rule.to_json_masked(),
            )?;
            Ok(rule)
        })
    }

    /// Change a rule: `edit` turns the stored rule into the new one, inside the transaction. The
    /// change is refused when the stored version is no longer `expected_version` (default: the
    /// version `edit` was given).
    pub fn update_notify_rule(
        &mut self,
        actor: &User,
        id_or_name: &str,
        expected_version: Option<i64>,
        edit: impl FnOnce(NotificationRule) -> Result<NotificationRule>,
    ) -> Result<NotificationRule> {
        need_write(actor)?;
        let now = self.now();
        self.write_rows(|db| {
            let current = db
                .find_notify_rule(id_or_name)?
                .ok_or_else(|| not_found(id_or_name))?;
            let expected = expected_version.unwrap_or(current.version);
            let before = current.to_json_masked();
            let mut next = edit(current)?;
            next.modified_at = now;
            let saved = db.update_notify_rule(&next, expected)?;
            audit(
                db,
                actor,
                now,
                "notify.rule_set",
                &saved.id,
                before,
                saved.to_json_masked(),
            )?;
            Ok(saved)
        })
    }

    /// Remove a rule by id or name; the removed rule. Its past deliveries stay as the record.
    pub fn remove_notify_rule(
        &mut self,
        actor: &User,
        id_or_name: &str,
    ) -> Result<NotificationRule> {
        need_write(actor)?;
        let now = self.now();
        self.write_rows(|db| {
            let r = db
                .find_notify_rule(id_or_name)?
                .ok_or_else(|| not_found(id_or_name))?;
            db.delete_notify_rule(&r.id)?;
            audit(
                db,
                actor,
                now,
                "notify.rule_remove",
                &r.id,
                r.to_json_masked(),
                Value::Null,
            )?;
            Ok(r)
        })
    }

    /// Make failed (with `dead`, also dead) deliveries due now; how many.
    pub fn retry_deliveries(&mut self, actor: &User, dead: bool) -> Result<usize> {
        need_write(actor)?;
        let now = self.now();
        self.write_rows(|db| {
            let n = db.retry_deliveries_now(dead, now)?;
            audit(
                db,
                actor,
                now,
                "notify.retry",
                if dead { "failed+dead" } else { "failed" },
                Value::Null,
                serde_json::json!({ "deliveries": n }),
            )?;
            Ok(n)
        })
    }

    // ---- the sender's side: the system working its own queue, not a person's change ----

    /// Lease up to `limit` due deliveries to this sender.
    pub fn claim_deliveries(&mut self, p: &Policy, limit: usize) -> Result<Vec<Delivery>> {
        let now = Utc::now();
        self.write_rows(|db| db.claim_due_deliveries(now, p, limit))
    }

    /// Record what each send came to; the deliveries' new states.
    pub fn record_deliveries(
        &mut self,
        outcomes: &[(i64, Outcome)],
        p: &Policy,
    ) -> Result<Vec<DeliveryState>> {
        self.write_rows(|db| {
            outcomes
                .iter()
                .map(|(id, o)| db.record_delivery(*id, o, Utc::now(), p))
                .collect()
        })
    }

    /// How many deliveries wait, and when the next is due.
    pub fn delivery_backlog(&self) -> Result<(u64, Option<DateTime<Utc>>)> {
        let db = self.db();
        Ok((db.pending_deliveries()?, db.next_delivery_due()?))
    }
}
