//! Notification rules: when a signal is created or its severity rises, every enabled rule whose
//! selectors match queues one delivery per target, durably, in the same transaction as the change;
//! deliveries are then sent with retries and backoff (`sender`).
pub mod config;
pub mod mask;
pub mod matcher;
pub mod pagerduty;
pub mod queue;
pub mod rule;
pub mod sender;
pub mod sign;
pub mod targets;
pub mod teams;
pub mod throttle;

pub use config::NotifyConfig;
pub use rule::{Author, NotificationRule, Target};
pub use sender::{flush_for, flush_once, spawn_background, Background, FlushReport, Sender};
pub use targets::Change;

use crate::error::Result;
use crate::model::Signal;
use crate::store::Db;
use chrono::{DateTime, Utc};

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
    db: &dyn Db,
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
    for t in r.targets.iter().filter(|t| c.goes_to(t)) {
        // Slack, PagerDuty and webhooks show these texts to people: C1, bidi and U+2028/9 escaped.
        let payload = crate::sanitize::to_json(&targets::build(t, s, &ctx))?;
        let target = t.to_string();
        let d = queue::NewDelivery {
            rule_id: &r.id,
            rule_name: &r.name,
            signal_id: &s.id,
            change_key: &key,
            target: &target,
            payload: &payload,
        };
        if db.enqueue_delivery(&d, now)? {
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
    db: &dyn Db,
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
    queue_changed(db, cfg, &changed, now)
}

/// `queue_changes` for a caller that worked out each signal's change itself (an import knows the
/// stored severity without reading the stored signal whole).
pub fn queue_changed(
    db: &dyn Db,
    cfg: &NotifyConfig,
    changed: &[(&Signal, Change)],
    now: DateTime<Utc>,
) -> Result<usize> {
    if changed.is_empty() {
        return Ok(0);
    }
    let rules: Vec<NotificationRule> = db
        .notify_rules()?
        .into_iter()
        .filter(|r| r.enabled)
        .collect();
    let mut queued = 0;
    for r in &rules {
        for (s, c) in changed {
            match r.selects(s) {
                Ok(true) => queued += queue_for_rule(db, cfg, r, s, *c, now)?,
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

/// Queue what a triage move owes PagerDuty (acknowledge, resolve, or a new trigger on reopening,
/// as `[notify]` says), inside the caller's transaction. A rule hears of the move when it selects the
/// signal as it was when it appeared (Open): a rule on `@workflow.triage.state:open` still
/// acknowledges and resolves the page it opened.
pub fn queue_triage(
    db: &dyn Db,
    cfg: &NotifyConfig,
    before: &crate::model::Triage,
    before_version: i64,
    after: &Signal,
    now: DateTime<Utc>,
) -> Result<usize> {
    if before.state == after.triage.state {
        return Ok(0);
    }
    let action = cfg.pagerduty_actions().for_state(after.triage.state);
    if action == pagerduty::Action::None {
        return Ok(0);
    }
    let c = Change::Triaged {
        to: after.triage.state,
        version: after.version,
        action,
    };
    let rules: Vec<NotificationRule> = db
        .notify_rules()?
        .into_iter()
        .filter(|r| r.enabled && r.targets.iter().any(|t| c.goes_to(t)))
        .collect();
    // Most moves concern no rule: the signal is copied only for one that does.
    if rules.is_empty() {
        return Ok(0);
    }
    // The signal as it was paged: before the move (only its triage and version differ from
    // `after`), reset to Open.
    let mut as_paged = after.clone();
    as_paged.set_triage(
        crate::model::Triage {
            state: crate::model::TriageState::Open,
            archive_reason: None,
            archive_comment: None,
            ..before.clone()
        },
        before_version,
    );
    let mut queued = 0;
    for r in &rules {
        match r.selects(&as_paged) {
            Ok(true) => queued += queue_for_rule(db, cfg, r, after, c, now)?,
            Ok(false) => {}
            Err(e) => tracing::warn!("notification rule {}: {e}", r.id),
        }
    }
    Ok(queued)
}
