//! Triage metrics as a query: the signals a query matches in a range, read from the in-memory
//! index, with the triage times the audit trail gives (so the figures hold on every store, whatever
//! the signals' JSON says). The math is `query::stats`; this is where the audit trail is read.
//!
//! `sla:breached`/`sla:ok` are answered the same way: the engine derives an `SlaContext` (targets,
//! its clock's time, and each triaged signal's first-triage and archive times) and the query
//! evaluator is handed it; the signals themselves carry no SLA field.
use super::Reads;
use crate::error::Result;
use crate::model::audit::actions;
use crate::model::{json::str_at, AuditEvent};
use crate::query::sla::TimesById;
use crate::query::{Query, SignalIndex, SlaContext, SlaTargets, Stats, StatsParams, TimeRange};
use crate::store::Db;
use std::sync::Arc;

/// Audit events read per page while deriving triage times: bounded memory on a long trail.
const PAGE: usize = 10_000;

/// Triage times folded from the audit trail up to a seq: what the engine keeps between calls, so
/// that each call reads only the events appended since (the trail is append-only). A read made
/// inside a change that is then undone could fold events that never happened; stats are not read
/// inside changes.
pub(crate) type TriageCache = std::sync::Mutex<Option<(i64, Arc<TimesById>)>>;

/// Each triaged signal's first triage (first change of state or assignee) and last archiving, from
/// the audit trail, with the seq read up to: `cache` extended by the events after its seq.
pub(crate) fn triage_times(db: &dyn Db, cache: &TriageCache) -> Result<(i64, Arc<TimesById>)> {
    let mut guard = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (mut seq, mut times) = guard.clone().unwrap_or_default();
    loop {
        let page = db.audit_since(seq, PAGE)?;
        let Some(last) = page.last() else { break };
        seq = last.seq;
        // Copies the map only when someone still holds the previous one and there is news.
        let map = Arc::make_mut(&mut times);
        for e in &page {
            note(map, e);
        }
        if page.len() < PAGE {
            break;
        }
    }
    *guard = Some((seq, times.clone()));
    Ok((seq, times))
}

fn note(out: &mut TimesById, e: &AuditEvent) {
    let triage = matches!(
        e.action.as_str(),
        actions::SIGNAL_STATE | actions::SIGNAL_ASSIGN | actions::SIGNAL_UNASSIGN
    );
    if !triage || e.target_type != "signal" {
        return;
    }
    let ms = e.time.timestamp_millis();
    let t = out.entry(e.target_id.clone()).or_default();
    // Events come oldest first: the first one seen is the first triage.
    t.first_triage.get_or_insert(ms);
    if e.action == actions::SIGNAL_STATE && str_at(&e.after, "state") == Some("archived") {
        t.archived = Some(ms);
    }
}

impl Reads<'_> {
    /// What `sla:` terms and the SLA figures are answered from: `targets`, the engine's time and
    /// the audit trail's triage times.
    pub fn sla_context(&self, targets: SlaTargets) -> Result<SlaContext> {
        let (seq, times) = self.triage_times_at()?;
        Ok(SlaContext {
            now_ms: self.now().timestamp_millis(),
            targets,
            times,
            version: Some(seq),
        })
    }

    /// Triage metrics over the signals `q` matches in `range`, from an index of the whole store
    /// built for this call (what the CLI and the server do; the explorer has one: `stats_on`).
    pub fn stats(
        &self,
        q: &Query,
        range: &TimeRange,
        params: &StatsParams,
        targets: SlaTargets,
    ) -> Result<Stats> {
        let mut ix = SignalIndex::new();
        self.for_each_signal(&mut |s| {
            ix.insert_or_update(&s);
            Ok(())
        })?;
        self.stats_on(&ix, q, range, params, targets)
    }

    /// `stats` over an index the caller keeps up to date with this store.
    pub fn stats_on(
        &self,
        ix: &SignalIndex,
        q: &Query,
        range: &TimeRange,
        params: &StatsParams,
        targets: SlaTargets,
    ) -> Result<Stats> {
        let ctx = self.sla_context(targets)?;
        Ok(ix.stats_query(q, range, &ctx, params))
    }

    /// The SLA context when `q` has an `sla:` term (deriving it reads the audit trail), else
    /// `None`: what the CLI's and the server's lists evaluate a query with.
    pub fn sla_context_for(&self, q: &Query, targets: SlaTargets) -> Result<Option<SlaContext>> {
        if q.uses_sla() {
            self.sla_context(targets).map(Some)
        } else {
            Ok(None)
        }
    }
}
