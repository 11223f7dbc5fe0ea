//! The notification delivery queue's rows (types and policy in `notify::queue`).
use crate::error::{Error, Result};
use crate::notify::queue::{
    backoff, delta, Attempt, Delivery, DeliveryState, NewDelivery, Outcome, Policy,
};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, Row};

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

const COLUMNS: &str =
    "id, rule_id, rule_name, signal_id, change_key, target, payload, state, attempts, \
     next_attempt_at, created_at, sent_at, last_status, last_error";

fn row(r: &Row) -> rusqlite::Result<Result<Delivery>> {
    let state: String = r.get(7)?;
    let id: i64 = r.get(0)?;
    let Some(state) = DeliveryState::parse(&state) else {
        return Ok(Err(Error::Store(format!(
            "delivery {id}: unknown state {state:?}"
        ))));
    };
    Ok(Ok(Delivery {
        id,
        rule_id: r.get(1)?,
        rule_name: r.get(2)?,
        signal_id: r.get(3)?,
        change_key: r.get(4)?,
        target: r.get(5)?,
        payload: r.get(6)?,
        state,
        attempts: r.get(8)?,
        next_attempt_at: time(r.get(9)?),
        created_at: time(r.get(10)?),
        sent_at: r.get::<_, Option<i64>>(11)?.map(time),
        last_status: r.get(12)?,
        last_error: r.get(13)?,
    }))
}

fn collect(stmt: &mut rusqlite::Statement, p: impl rusqlite::Params) -> Result<Vec<Delivery>> {
    let rows = stmt.query_map(p, row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r??);
    }
    Ok(out)
}

/// Queue one delivery unless this (rule, signal, change, target) was queued before.
/// Returns true when it was queued now.
pub fn enqueue(conn: &Connection, d: &NewDelivery, now: DateTime<Utc>) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO notification_deliveries
               (rule_id, rule_name, signal_id, change_key, target, payload, state, attempts, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', 0, ?7, ?7)",
        )?
        .execute(params![
            d.rule_id,
            d.rule_name,
            d.signal_id,
            d.change_key,
            d.target,
            d.payload,
            ms(now)
        ])?;
    Ok(n == 1)
}

/// Take up to `limit` due deliveries for this process: each is leased until `now + lease`, so no
/// other process picks it up while it is being sent. Run inside a write transaction.
///
/// Messages about one signal to one target go in the order they were queued: a delivery waits while
/// an earlier one is pending (so PagerDuty never gets a `resolve` before its `trigger`).
pub fn claim_due(
    conn: &Connection,
    now: DateTime<Utc>,
    p: &Policy,
    limit: usize,
) -> Result<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notification_deliveries d
         WHERE state IN ('queued', 'failed') AND next_attempt_at <= ?1
           AND NOT EXISTS (
             SELECT 1 FROM notification_deliveries e
             WHERE e.state IN ('queued', 'failed') AND e.signal_id = d.signal_id
               AND e.target = d.target AND e.id < d.id)
         ORDER BY next_attempt_at, id LIMIT ?2"
    ))?;
    let due = collect(&mut stmt, params![ms(now), limit as i64])?;
    let lease_until = ms(now + delta(p.lease));
    for d in &due {
        conn.prepare_cached(
            "UPDATE notification_deliveries SET next_attempt_at = ?2 WHERE id = ?1",
        )?
        .execute(params![d.id, lease_until])?;
    }
    Ok(due)
}

/// Record an attempt and move the delivery on: sent, failed with the next try scheduled, or dead.
pub fn record(
    conn: &Connection,
    id: i64,
    o: &Outcome,
    now: DateTime<Utc>,
    p: &Policy,
) -> Result<DeliveryState> {
    let (attempts, state): (u32, String) = conn.query_row(
        "SELECT attempts, state FROM notification_deliveries WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if let Some(wait) = o.deferred {
        // Throttled before sending: only the time of the next try moves.
        conn.prepare_cached(
            "UPDATE notification_deliveries SET next_attempt_at = ?2 WHERE id = ?1",
        )?
        .execute(params![id, ms(now + delta(wait))])?;
        return DeliveryState::parse(&state)
            .ok_or_else(|| Error::Store(format!("delivery {id}: unknown state {state:?}")));
    }
    let attempts = attempts + 1;
    conn.prepare_cached(
        "INSERT INTO notification_attempts (delivery_id, at, status, error, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, ms(now), o.status, o.error, o.duration_ms])?;
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
    conn.prepare_cached(
        "UPDATE notification_deliveries SET state = ?2, attempts = ?3, next_attempt_at = ?4, last_status = ?5,
           last_error = ?6, sent_at = CASE WHEN ?2 = 'sent' THEN ?7 ELSE sent_at END
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        state.as_str(),
        attempts,
        ms(next),
        o.status,
        o.error,
        ms(now)
    ])?;
    Ok(state)
}

/// Deliveries, newest first; `failed_only` keeps the failed and dead ones.
pub fn list(conn: &Connection, failed_only: bool, limit: usize) -> Result<Vec<Delivery>> {
    let filter = if failed_only {
        "WHERE state IN ('failed', 'dead')"
    } else {
        ""
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM notification_deliveries {filter} ORDER BY id DESC LIMIT ?1"
    ))?;
    collect(&mut stmt, params![limit as i64])
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Delivery>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notification_deliveries WHERE id = ?1"
    ))?;
    Ok(collect(&mut stmt, params![id])?.pop())
}

pub fn attempts(conn: &Connection, delivery_id: i64) -> Result<Vec<Attempt>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, status, error, duration_ms FROM notification_attempts WHERE delivery_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([delivery_id], |r| {
        Ok(Attempt {
            at: time(r.get(0)?),
            status: r.get(1)?,
            error: r.get(2)?,
            duration_ms: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Make failed deliveries due now instead of at their backoff time; with `dead`, give the dead ones
/// a fresh set of attempts too (after a broken target was fixed). Returns how many were touched.
pub fn retry_now(conn: &Connection, dead: bool, now: DateTime<Utc>) -> Result<usize> {
    let mut n = conn.execute(
        "UPDATE notification_deliveries SET next_attempt_at = ?1 WHERE state = 'failed'",
        [ms(now)],
    )?;
    if dead {
        n += conn.execute(
            "UPDATE notification_deliveries SET state = 'failed', attempts = 0, next_attempt_at = ?1
             WHERE state = 'dead'",
            [ms(now)],
        )?;
    }
    Ok(n)
}

/// Deliveries still to be sent (queued or failed), leased ones included.
pub fn pending(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM notification_deliveries WHERE state IN ('queued', 'failed')",
        [],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// When the next pending delivery is due (possibly in the past).
pub fn next_due(conn: &Connection) -> Result<Option<DateTime<Utc>>> {
    let t: Option<i64> = conn.query_row(
        "SELECT MIN(next_attempt_at) FROM notification_deliveries WHERE state IN ('queued', 'failed')",
        [],
        |r| r.get(0),
    )?;
    Ok(t.map(time))
}

impl crate::store::NotifyRows for Connection {
    fn notify_rules(&self) -> Result<Vec<crate::notify::NotificationRule>> {
        super::notify_rules::list(self)
    }
    fn find_notify_rule(
        &self,
        id_or_name: &str,
    ) -> Result<Option<crate::notify::NotificationRule>> {
        super::notify_rules::find(self, id_or_name)
    }
    fn insert_notify_rule(&self, r: &crate::notify::NotificationRule) -> Result<()> {
        super::notify_rules::insert(self, r)
    }
    fn update_notify_rule(
        &self,
        r: &crate::notify::NotificationRule,
        expected_version: i64,
    ) -> Result<crate::notify::NotificationRule> {
        super::notify_rules::update(self, r, expected_version)
    }
    fn delete_notify_rule(&self, id: &str) -> Result<()> {
        super::notify_rules::delete(self, id)
    }
    fn enqueue_delivery(&self, d: &NewDelivery, now: DateTime<Utc>) -> Result<bool> {
        enqueue(self, d, now)
    }
    fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        p: &Policy,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        claim_due(self, now, p, limit)
    }
    fn record_delivery(
        &self,
        id: i64,
        o: &Outcome,
        now: DateTime<Utc>,
        p: &Policy,
    ) -> Result<DeliveryState> {
        record(self, id, o, now, p)
    }
    fn list_deliveries(&self, failed_only: bool, limit: usize) -> Result<Vec<Delivery>> {
        list(self, failed_only, limit)
    }
    fn get_delivery(&self, id: i64) -> Result<Option<Delivery>> {
        get(self, id)
    }
    fn delivery_attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>> {
        attempts(self, delivery_id)
    }
    fn retry_deliveries_now(&self, dead: bool, now: DateTime<Utc>) -> Result<usize> {
        retry_now(self, dead, now)
    }
    fn pending_deliveries(&self) -> Result<u64> {
        pending(self)
    }
    fn next_delivery_due(&self) -> Result<Option<DateTime<Utc>>> {
        next_due(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = Policy {
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(60),
            ..Policy::default()
        };
        assert_eq!(backoff(1, &p), Duration::from_secs(2));
        assert_eq!(backoff(2, &p), Duration::from_secs(4));
        assert_eq!(backoff(3, &p), Duration::from_secs(8));
        assert_eq!(backoff(10, &p), Duration::from_secs(60));
        assert_eq!(backoff(200, &p), Duration::from_secs(60));
    }
}
