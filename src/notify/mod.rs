//! Notification rules: when a signal is created or its severity rises, every enabled rule whose
//! selectors match queues one delivery per target, durably, in the same transaction as the change;
//! deliveries are then sent with retries and backoff (`sender`).
pub mod config;
pub mod mask;
pub mod matcher;
pub mod queue;
pub mod rule;
pub mod rules;
pub mod sender;
pub mod targets;

pub use config::NotifyConfig;
pub use rule::{Author, NotificationRule, Target};
pub use sender::{flush_for, flush_once, spawn_background, Background, FlushReport, Sender};
pub use targets::Change;

use crate::error::Result;
use crate::model::Signal;
use crate::store::sqlite::signals::{get_signal, put_signal};
use crate::store::{SqliteStore, UpsertReport};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// What changed between the stored signal and the new one that rules care about, if anything.
pub fn change(before: Option<&Signal>, after: &Signal) -> Option<Change> {
    match before {
        None => Some(Change::Created),
        Some(b) if after.severity > b.severity => Some(Change::SeverityRaised {
            from: b.severity,
            to: after.severity,
        }),
        Some(_) => None,
    }
}

/// Queue the deliveries a rule owes for one changed signal. Returns how many were new.
pub fn queue_for_rule(
    conn: &Connection,
    cfg: &NotifyConfig,
    r: &NotificationRule,
    s: &Signal,
    c: Change,
    now: DateTime<Utc>,
) -> Result<usize> {
    let ctx = targets::Context {
        rule_id: &r.id,
        rule_name: &r.name,
        change: c,
        link: targets::signal_link(&cfg.signal_link, &s.id),
    };
    let key = c.key();
    let mut n = 0;
    for t in &r.targets {
        let payload = serde_json::to_string(&targets::build(t, s, &ctx))?;
        let target = t.to_string();
        let d = queue::NewDelivery {
            rule_id: &r.id,
            rule_name: &r.name,
            signal_id: &s.id,
            change_key: &key,
            target: &target,
            payload: &payload,
        };
        if queue::enqueue(conn, &d, now)? {
            n += 1;
        }
    }
    Ok(n)
}

/// Evaluate every enabled rule against the signals that changed, inside the caller's transaction.
/// `before[i]` is the stored version of `after[i]` before the write (`None` for a new signal).
/// A rule that cannot be evaluated (a query that no longer parses) is skipped with a warning rather
/// than failing the write that triggered it.
pub fn queue_changes(
    conn: &Connection,
    cfg: &NotifyConfig,
    before: &[Option<Signal>],
    after: &[Signal],
    now: DateTime<Utc>,
) -> Result<usize> {
    let changed: Vec<(&Signal, Change)> = after
        .iter()
        .enumerate()
        .filter_map(|(i, s)| change(before.get(i).and_then(Option::as_ref), s).map(|c| (s, c)))
        .collect();
    if changed.is_empty() {
        return Ok(0);
    }
    let rules = rules::enabled(conn)?;
    let mut queued = 0;
    for r in &rules {
        for (s, c) in &changed {
            match r.selects(s) {
                Ok(true) => queued += queue_for_rule(conn, cfg, r, s, *c, now)?,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!("notification rule {}: {e}", r.id);
                    break;
                }
            }
        }
    }
    Ok(queued)
}

/// The hook for every path that writes signals (import, engine, server): queue what the change owes.
pub fn on_signals_upserted(
    store: &mut SqliteStore,
    cfg: &NotifyConfig,
    before: &[Option<Signal>],
    after: &[Signal],
) -> Result<usize> {
    store.write(|tx| queue_changes(tx, cfg, before, after, Utc::now()))
}

/// Upsert signals and queue their notifications in one transaction: either both happen or neither,
/// so a crash between the two cannot lose a notification.
pub fn upsert_and_queue(
    store: &mut SqliteStore,
    cfg: &NotifyConfig,
    signals: &[Signal],
) -> Result<(UpsertReport, usize)> {
    store.write(|tx| {
        let mut report = UpsertReport::default();
        let mut before = Vec::with_capacity(signals.len());
        for s in signals {
            let old = get_signal(tx, &s.id)?;
            if put_signal(tx, s)? {
                report.inserted += 1;
            } else {
                report.updated += 1;
            }
            before.push(old);
        }
        let queued = queue_changes(tx, cfg, &before, signals, Utc::now())?;
        Ok((report, queued))
    })
}
