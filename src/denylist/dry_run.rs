//! `autoblock dry-run`: a rule run over stored signals in order without changing anything, each
//! plan seeing the blocks the earlier ones would have made.
use super::allowlist::Allowlist;
use super::autoblock::{plan_with, AutoblockRule, Decision, Matcher, PlanCtx, PlannedBlock, Run};
use super::entry::{HistoryAction, HistoryEvent};
use crate::model::Signal;
use chrono::{DateTime, Utc};

/// A rule run over many signals in order, each plan seeing the blocks the earlier ones would have
/// made: what `autoblock dry-run` shows.
pub fn dry_run<'s>(
    rule: &AutoblockRule,
    matcher: &dyn Matcher,
    signals: impl IntoIterator<Item = &'s Signal>,
    history: &[HistoryEvent],
    runs: &[Run],
    allow: &Allowlist,
    now: DateTime<Utc>,
) -> Vec<PlannedBlock> {
    dry_run_with(
        rule,
        matcher,
        signals,
        &PlanCtx {
            history,
            runs,
            allow,
            now,
            v6_prefix: super::address::DEFAULT_SIGNAL_V6_PREFIX,
        },
    )
}

/// `dry_run` with the configured IPv6 prefix.
pub fn dry_run_with<'s>(
    rule: &AutoblockRule,
    matcher: &dyn Matcher,
    signals: impl IntoIterator<Item = &'s Signal>,
    c: &PlanCtx,
) -> Vec<PlannedBlock> {
    let PlanCtx {
        history,
        runs,
        allow,
        now,
        v6_prefix,
    } = *c;
    let mut hist = history.to_vec();
    let mut next_seq = hist.iter().map(|e| e.seq).max().unwrap_or(0) + 1;
    // Imagined blocks get negative ids so no message confuses them with real ones.
    let mut next_id = -1;
    // Simulated outcomes must look real to later signals, so plan as if the rule blocked.
    let real = AutoblockRule {
        simulate: false,
        ..rule.clone()
    };
    let mut out = Vec::new();
    for s in signals {
        let ctx = PlanCtx {
            history: &hist,
            runs,
            allow,
            now,
            v6_prefix,
        };
        for mut p in plan_with(&real, matcher, s, &ctx) {
            let (entry_id, action, expires_at) = match &p.decision {
                Decision::Block { expires_at, .. } => {
                    next_id -= 1;
                    (next_id + 1, HistoryAction::Made, *expires_at)
                }
                Decision::Extend {
                    entry_id,
                    expires_at,
                    ..
                } => (*entry_id, HistoryAction::Extended, *expires_at),
                Decision::Skip { .. } => {
                    p.simulate = rule.simulate;
                    out.push(p);
                    continue;
                }
            };
            hist.push(HistoryEvent {
                seq: next_seq,
                entry_id,
                value: p.value.clone(),
                action,
                at: now,
                expires_at,
                by: rule.actor(),
                signal_id: Some(p.signal_id.clone()),
                reason: p.reason.clone(),
            });
            next_seq += 1;
            p.simulate = rule.simulate;
            out.push(p);
        }
    }
    out
}
