//! The durable delivery queue: rows in the store, claimed with a lease so that several sigscope
//! processes on one file never send the same delivery at once, and a process killed mid-send leaves
//! the delivery to be retried when the lease runs out.
use crate::error::{Error, Result};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rusqlite::{params, Connection, Row};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    Queued,
    Sent,
    /// The last attempt failed; another is scheduled.
    Failed,
    /// Given up: too many attempts, or an answer that retrying cannot change.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        match s {
            "queued" => Some(DeliveryState::Queued),
            "sent" => Some(DeliveryState::Sent),
            "failed" => Some(DeliveryState::Failed),
            "dead" => Some(DeliveryState::Dead),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub rule_id: String,
    pub rule_name: String,
    pub signal_id: String,
    pub change_key: String,
    /// The full target (`kind:value`): a secret; show `Target::masked()`.
    pub target: String,
    pub payload: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What one send came to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub status: Option<u16>,
    /// Set when the attempt failed (transport error or a non-2xx answer), already masked.
    pub error: Option<String>,
    /// A failure that retrying cannot fix (a 4xx other than 408/429).
    pub permanent: bool,
    pub duration_ms: i64,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// How hard to try.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a claimed delivery is reserved for its sender.
    pub lease: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            max_attempts: 8,
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(3600),
            lease: Duration::from_secs(60),
        }
    }
}

/// The wait after the `attempts`-th failure: base × 2^(attempts-1), capped.
pub fn backoff(attempts: u32, p: &Policy) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.saturating_sub(1).min(30))
        .unwrap_or(u32::MAX);
    p.backoff_base
        .checked_mul(factor)
        .unwrap_or(p.backoff_max)
        .min(p.backoff_max)
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
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

/// A delivery to queue.
#[derive(Clone, Copy, Debug)]
pub struct NewDelivery<'a> {
    pub rule_id: &'a str,
    pub rule_name: &'a str,
    pub signal_id: &'a str,
    pub change_key: &'a str,
    pub target: &'a str,
    pub payload: &'a str,
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
pub fn claim_due(
    conn: &Connection,
    now: DateTime<Utc>,
    p: &Policy,
    limit: usize,
) -> Result<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notification_deliveries
         WHERE state IN ('queued', 'failed') AND next_attempt_at <= ?1
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
    let attempts: u32 = conn.query_row(
        "SELECT attempts FROM notification_deliveries WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
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
        (DeliveryState::Failed, now + delta(backoff(attempts, p)))
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

#[cfg(test)]
mod tests {
    use super::*;

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
