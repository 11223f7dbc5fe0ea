//! Notification rules and the delivery queue (as `sqlite/notify_rules.rs` and
//! `sqlite/notify_queue.rs`; types and policy in `notify::queue`).
//!
//! Across replicas the database does the guarding: a rule's update names the version it replaces
//! (a racing pair gets one success and one conflict even outside a transaction), enqueueing leans on
//! the queue's unique key, and a sender claims due deliveries with `FOR UPDATE SKIP LOCKED`, so two
//! replicas never lease the same one.
use super::conn::{count, get, PgDb};
use super::from_ms;
use crate::error::{Error, Result};
use crate::notify::queue::{
    backoff, delta, Attempt, Delivery, DeliveryState, NewDelivery, Outcome, Policy,
};
use crate::notify::NotificationRule;
use crate::store::NotifyRows;
use chrono::{DateTime, Utc};
use postgres::Row;

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A row count or size as SQLite's `LIMIT ?` reads it: what does not fit an i64 means no limit.
fn sql_limit(n: usize) -> Option<i64> {
    i64::try_from(n).ok()
}

/// An HTTP status column.
fn status(r: &Row, idx: usize, what: &str) -> Result<Option<u16>> {
    get::<Option<i64>>(r, idx)?
        .map(|s| {
            u16::try_from(s).map_err(|_| {
                Error::Store(format!("{what}: stored status {s} is not an HTTP status"))
            })
        })
        .transpose()
}

// ---- rules ----

fn read_rule(r: &Row) -> Result<NotificationRule> {
    let id: String = get(r, 0)?;
    let raw: String = get(r, 1)?;
    let attrs: serde_json::Value = serde_json::from_str(&raw).map_err(|e| {
        Error::Store(format!(
            "notification rule {id}: stored JSON unreadable: {e}"
        ))
    })?;
    NotificationRule::from_attributes(&id, &attrs)
}

fn no_rule(id_or_name: &str) -> Error {
    Error::NotFound(format!(
        "no notification rule {:?}",
        crate::sanitize::clean(id_or_name)
    ))
}

// ---- deliveries ----

const COLUMNS: &str =
    "id, rule_id, rule_name, signal_id, change_key, target, payload, state, attempts, \
     next_attempt_at, created_at, sent_at, last_status, last_error";

fn delivery(r: &Row) -> Result<Delivery> {
    let id: i64 = get(r, 0)?;
    let state: String = get(r, 7)?;
    let state = DeliveryState::parse(&state)
        .ok_or_else(|| Error::Store(format!("delivery {id}: unknown state {state:?}")))?;
    let attempts: i64 = get(r, 8)?;
    Ok(Delivery {
        id,
        rule_id: get(r, 1)?,
        rule_name: get(r, 2)?,
        signal_id: get(r, 3)?,
        change_key: get(r, 4)?,
        target: get(r, 5)?,
        payload: get(r, 6)?,
        state,
        attempts: u32::try_from(attempts).map_err(|_| {
            Error::Store(format!(
                "delivery {id}: stored attempts {attempts} out of range"
            ))
        })?,
        next_attempt_at: from_ms(get(r, 9)?)?,
        created_at: from_ms(get(r, 10)?)?,
        sent_at: get::<Option<i64>>(r, 11)?.map(from_ms).transpose()?,
        last_status: status(r, 12, &format!("delivery {id}"))?,
        last_error: get(r, 13)?,
    })
}

impl NotifyRows for PgDb {
    /// By name as SQLite's `COLLATE NOCASE` orders (ASCII letters folded, then bytes), then id.
    fn notify_rules(&self) -> Result<Vec<NotificationRule>> {
        self.rows(
            "SELECT id, raw FROM notification_rules
             ORDER BY lower(name COLLATE \"C\"), id COLLATE \"C\"",
            &[],
        )?
        .iter()
        .map(read_rule)
        .collect()
    }

    /// A rule by id, or by name when exactly one rule has it.
    fn find_notify_rule(&self, id_or_name: &str) -> Result<Option<NotificationRule>> {
        if let Some(r) = self.opt(
            "SELECT id, raw FROM notification_rules WHERE id = $1",
            &[&id_or_name],
        )? {
            return read_rule(&r).map(Some);
        }
        let mut named: Vec<NotificationRule> = self
            .notify_rules()?
            .into_iter()
            .filter(|r| r.name == id_or_name)
            .collect();
        match named.len() {
            0 => Ok(None),
            1 => Ok(named.pop()),
            n => Err(Error::Usage(format!(
                "{n} notification rules are named {:?}; use the id",
                crate::sanitize::clean(id_or_name)
            ))),
        }
    }

    fn insert_notify_rule(&self, r: &NotificationRule) -> Result<()> {
        r.validate()?;
        let raw = serde_json::to_string(&r.attributes_json())?;
        let n = self.exec(
            "INSERT INTO notification_rules (id, name, enabled, version, created_at, modified_at, raw)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            &[
                &r.id,
                &r.name,
                &i64::from(r.enabled),
                &r.version,
                &ms(r.created_at),
                &ms(r.modified_at),
                &raw,
            ],
        )?;
        if n == 0 {
            return Err(Error::Conflict(format!(
                "notification rule {} already exists",
                r.id
            )));
        }
        Ok(())
    }

    /// Replace a rule if `expected_version` is still the stored one (the vendor's PATCH rule); the
    /// stored version becomes `expected_version + 1`.
    fn update_notify_rule(
        &self,
        r: &NotificationRule,
        expected_version: i64,
    ) -> Result<NotificationRule> {
        let current = self
            .find_notify_rule(&r.id)?
            .ok_or_else(|| no_rule(&r.id))?;
        let stale = |at: i64| {
            Error::Conflict(format!(
                "notification rule {} is at version {at}, not {expected_version}; reload and retry",
                r.id
            ))
        };
        if current.version != expected_version {
            return Err(stale(current.version));
        }
        let mut next = r.clone();
        next.version = expected_version + 1;
        next.created_at = current.created_at;
        next.created_by = current.created_by;
        next.validate()?;
        let raw = serde_json::to_string(&next.attributes_json())?;
        // The version test is repeated in the UPDATE: a replica that read the same version outside a
        // transaction loses here instead of overwriting.
        let n = self.exec(
            "UPDATE notification_rules SET name = $2, enabled = $3, version = $4, modified_at = $5, raw = $6
             WHERE id = $1 AND version = $7",
            &[
                &next.id,
                &next.name,
                &i64::from(next.enabled),
                &next.version,
                &ms(next.modified_at),
                &raw,
                &expected_version,
            ],
        )?;
        if n == 0 && current.id == r.id {
            let at: Option<i64> = self
                .opt(
                    "SELECT version FROM notification_rules WHERE id = $1",
                    &[&r.id],
                )?
                .map(|row| get(&row, 0))
                .transpose()?;
            return Err(match at {
                Some(at) => stale(at),
                None => no_rule(&r.id),
            });
        }
        Ok(next)
    }

    /// Remove a rule; its past deliveries stay as the record of what was sent.
    fn delete_notify_rule(&self, id: &str) -> Result<()> {
        let n = self.exec("DELETE FROM notification_rules WHERE id = $1", &[&id])?;
        if n == 0 {
            return Err(no_rule(id));
        }
        Ok(())
    }

    /// Queue one delivery unless this (rule, signal, change, target) was queued before. Returns
    /// true when it was queued now.
    fn enqueue_delivery(&self, d: &NewDelivery, now: DateTime<Utc>) -> Result<bool> {
        // A refused insert uses up an id, as SQLite's AUTOINCREMENT does.
        let n = self.exec(
            "INSERT INTO notification_deliveries
               (rule_id, rule_name, signal_id, change_key, target, payload, state, attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $7)
             ON CONFLICT (rule_id, signal_id, change_key, target) DO NOTHING",
            &[
                &d.rule_id,
                &d.rule_name,
                &d.signal_id,
                &d.change_key,
                &d.target,
                &d.payload,
                &ms(now),
            ],
        )?;
        Ok(n == 1)
    }

    /// Take up to `limit` due deliveries for this sender: each is leased until `now + lease`, so no
    /// other sender picks it up while it is being sent. The rows are locked as they are picked and
    /// rows another replica holds are skipped, so two replicas never lease one delivery. Answers
    /// the deliveries as they were when claimed (`next_attempt_at` still the due time), in due order.
    ///
    /// Messages about one signal to one target go in the order they were queued: a delivery waits
    /// while an earlier one is pending (so PagerDuty never gets a `resolve` before its `trigger`).
    fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        p: &Policy,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        let lease_until = ms(now + delta(p.lease));
        let returning = COLUMNS
            .split(',')
            .map(|c| match c.trim() {
                "next_attempt_at" => "due.due_at AS next_attempt_at".to_string(),
                c => format!("n.{c}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        self.rows(
            &format!(
                "WITH claimed AS (
                   UPDATE notification_deliveries n SET next_attempt_at = $3
                   FROM (SELECT d.id, d.next_attempt_at AS due_at FROM notification_deliveries d
                         WHERE d.state IN ('queued', 'failed') AND d.next_attempt_at <= $1
                           AND NOT EXISTS (
                             SELECT 1 FROM notification_deliveries e
                             WHERE e.state IN ('queued', 'failed') AND e.signal_id = d.signal_id
                               AND e.target = d.target AND e.id < d.id)
                         ORDER BY d.next_attempt_at, d.id LIMIT $2
                         FOR UPDATE SKIP LOCKED) due
                   WHERE n.id = due.id
                   RETURNING {returning})
                 SELECT {COLUMNS} FROM claimed ORDER BY next_attempt_at, id"
            ),
            &[&ms(now), &sql_limit(limit), &lease_until],
        )?
        .iter()
        .map(delivery)
        .collect()
    }

    /// Record an attempt and move the delivery on: sent, failed with the next try scheduled, or dead.
    fn record_delivery(
        &self,
        id: i64,
        o: &Outcome,
        now: DateTime<Utc>,
        p: &Policy,
    ) -> Result<DeliveryState> {
        let row = self
            .opt(
                "SELECT attempts, state FROM notification_deliveries WHERE id = $1",
                &[&id],
            )?
            .ok_or_else(|| Error::Store(format!("no delivery {id}")))?;
        let attempts: i64 = get(&row, 0)?;
        let attempts = u32::try_from(attempts).map_err(|_| {
            Error::Store(format!(
                "delivery {id}: stored attempts {attempts} out of range"
            ))
        })?;
        let state: String = get(&row, 1)?;
        if let Some(wait) = o.deferred {
            // Throttled before sending: only the time of the next try moves.
            self.exec(
                "UPDATE notification_deliveries SET next_attempt_at = $2 WHERE id = $1",
                &[&id, &ms(now + delta(wait))],
            )?;
            return DeliveryState::parse(&state)
                .ok_or_else(|| Error::Store(format!("delivery {id}: unknown state {state:?}")));
        }
        let attempts = attempts + 1;
        let status = o.status.map(i64::from);
        self.exec(
            "INSERT INTO notification_attempts (delivery_id, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &ms(now), &status, &o.error, &o.duration_ms],
        )?;
        let (state, next) = if o.ok() {
            (DeliveryState::Sent, now)
        } else if o.permanent || attempts >= p.max_attempts {
            (DeliveryState::Dead, now)
        } else {
            // A target's Retry-After wins over a shorter backoff (capped at a day).
            let wait = backoff(attempts, p).max(
                o.retry_after
                    .unwrap_or_default()
                    .min(std::time::Duration::from_secs(86_400)),
            );
            (DeliveryState::Failed, now + delta(wait))
        };
        self.exec(
            "UPDATE notification_deliveries SET state = $2, attempts = $3, next_attempt_at = $4,
               last_status = $5, last_error = $6,
               sent_at = CASE WHEN $2 = 'sent' THEN $7 ELSE sent_at END
             WHERE id = $1",
            &[
                &id,
                &state.as_str(),
                &i64::from(attempts),
                &ms(next),
                &status,
                &o.error,
                &ms(now),
            ],
        )?;
        Ok(state)
    }

    /// Deliveries, newest first; `failed_only` keeps the failed and dead ones.
    fn list_deliveries(&self, failed_only: bool, limit: usize) -> Result<Vec<Delivery>> {
        let filter = if failed_only {
            "WHERE state IN ('failed', 'dead')"
        } else {
            ""
        };
        self.rows(
            &format!(
                "SELECT {COLUMNS} FROM notification_deliveries {filter} ORDER BY id DESC LIMIT $1"
            ),
            &[&sql_limit(limit)],
        )?
        .iter()
        .map(delivery)
        .collect()
    }

    fn get_delivery(&self, id: i64) -> Result<Option<Delivery>> {
        self.opt(
            &format!("SELECT {COLUMNS} FROM notification_deliveries WHERE id = $1"),
            &[&id],
        )?
        .as_ref()
        .map(delivery)
        .transpose()
    }

    fn delivery_attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>> {
        let what = format!("delivery {delivery_id}");
        self.rows(
            "SELECT at, status, error, duration_ms FROM notification_attempts WHERE delivery_id = $1 ORDER BY id",
            &[&delivery_id],
        )?
        .iter()
        .map(|r| {
            Ok(Attempt {
                at: from_ms(get(r, 0)?)?,
                status: status(r, 1, &what)?,
                error: get(r, 2)?,
                duration_ms: get(r, 3)?,
            })
        })
        .collect()
    }

    /// Make failed deliveries due now instead of at their backoff time; with `dead`, give the dead
    /// ones a fresh set of attempts too (after a broken target was fixed). How many were touched.
    fn retry_deliveries_now(&self, dead: bool, now: DateTime<Utc>) -> Result<usize> {
        let mut n = self.exec(
            "UPDATE notification_deliveries SET next_attempt_at = $1 WHERE state = 'failed'",
            &[&ms(now)],
        )?;
        if dead {
            n += self.exec(
                "UPDATE notification_deliveries SET state = 'failed', attempts = 0, next_attempt_at = $1
                 WHERE state = 'dead'",
                &[&ms(now)],
            )?;
        }
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Deliveries still to be sent (queued or failed), leased ones included.
    fn pending_deliveries(&self) -> Result<u64> {
        let n: i64 = self.one(
            "SELECT COUNT(*) FROM notification_deliveries WHERE state IN ('queued', 'failed')",
            &[],
        )?;
        Ok(count(n))
    }

    /// When the next pending delivery is due (possibly in the past).
    fn next_delivery_due(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<i64> = self.one(
            "SELECT MIN(next_attempt_at) FROM notification_deliveries WHERE state IN ('queued', 'failed')",
            &[],
        )?;
        t.map(from_ms).transpose()
    }
}
