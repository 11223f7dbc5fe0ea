//! Signals coming in: detections from producers (`POST /api/v2/sigscope/signals`, detection rules)
//! and records imported from a file. Producers own the detection, analysts own the triage: an
//! existing signal keeps its triage unless an imported record carries a strictly higher version,
//! and a version never moves backwards. Upsert, notifications, one audit event for the change feed
//! (naming every signal, so each one's timeline shows it) and automated blocking are one change.
use super::Engine;
use crate::engine::autoblock::AutoblockResult;
use crate::error::Result;
use crate::import::Prepared;
use crate::model::audit::actions;
use crate::model::{AuditEvent, Permission, Signal, User};
use crate::notify::NotifyConfig;
use crate::store::Db;
use serde_json::{json, Value};

// `sigscope import`: a file read and written as a stream, in chunks, in one transaction.
mod stream;

#[derive(Debug, Default)]
pub struct Ingested {
    pub inserted: usize,
    pub updated: usize,
    /// The last audit event written (the batch's, or an automated block's after it).
    pub seq: Option<i64>,
    pub autoblocks: Vec<AutoblockResult>,
    /// Imported records older than the stored signal, left as they were.
    pub skipped_older: usize,
}

/// Whose word a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngestMode {
    /// A producer's detection: the stored triage and version stand, the rest is replaced.
    Detection,
    /// A record from an export (`sigscope import`): a strictly higher version replaces the stored
    /// signal whole, triage included; an equal one replaces the detection and keeps the triage; an
    /// older one is left out.
    Import,
}

impl Engine {
    /// Upsert `signals` as `actor` (a producer's key): all of it, with its notifications, its audit
    /// event and the blocks rules make of it, or none of it.
    pub fn ingest(
        &mut self,
        actor: &User,
        signals: Vec<Signal>,
        notify: &NotifyConfig,
    ) -> Result<Ingested> {
        let prepared = prepare(signals)?;
        self.ingest_as(actor, prepared, notify, IngestMode::Detection)
    }

    /// `ingest` for records read from a file (see `IngestMode::Import`).
    pub fn import(
        &mut self,
        actor: &User,
        signals: Vec<Signal>,
        notify: &NotifyConfig,
    ) -> Result<Ingested> {
        let prepared = prepare(signals)?;
        self.ingest_as(actor, prepared, notify, IngestMode::Import)
    }

    /// Upsert signals that come with their JSON text (the detector's, or `Prepared::new`'s). A
    /// signal read without its samples (`Prepared::columns`) is stored as its text and made whole
    /// only when it must be: to keep an analyst's triage on an update, or when a notification or
    /// automated-blocking rule will read it.
    pub fn ingest_as(
        &mut self,
        actor: &User,
        signals: Vec<Prepared>,
        notify: &NotifyConfig,
        mode: IngestMode,
    ) -> Result<Ingested> {
        super::rbac::require(actor, Permission::SecurityMonitoringSignalsWrite)?;
        let now = self.now();
        self.all_or_nothing(|engine| {
            let (mut out, stored) = engine.write_rows(|db| {
                let mut out = Ingested::default();
                let whole = reacts(db)?;
                let mut before = Vec::with_capacity(signals.len());
                let mut after = Vec::with_capacity(signals.len());
                for mut p in signals {
                    crate::model::signal::check_id(&p.signal.id)?;
                    let old = db.get_signal(&p.signal.id)?;
                    if let Some(old) = &old {
                        match mode {
                            IngestMode::Import if p.signal.version > old.version => {}
                            IngestMode::Import if p.signal.version < old.version => {
                                out.skipped_older += 1;
                                continue;
                            }
                            _ => {
                                p.make_whole()?;
                                let version = old.version.max(p.signal.version);
                                p.signal.set_triage(old.triage.clone(), version);
                                p.json = serde_json::to_string(p.signal.to_json())?;
                            }
                        }
                    }
                    if whole {
                        p.make_whole()?;
                    }
                    if db.put_signal_text(&p.signal, &p.json)? {
                        out.inserted += 1;
                    } else {
                        out.updated += 1;
                    }
                    before.push(old);
                    after.push(p.signal);
                }
                crate::notify::queue_changes(db, notify, &before, &after, now)?;
                if let Some(first) = after.first() {
                    out.seq = Some(db.append_audit(&AuditEvent {
                        seq: 0,
                        time: now,
                        actor: actor.handle.clone(),
                        action: actions::SIGNAL_INGEST.into(),
                        target_type: "signal".into(),
                        target_id: first.id.clone(),
                        signal_ids: after.iter().map(|s| s.id.clone()).collect(),
                        before: Value::Null,
                        after: json!({ "inserted": out.inserted, "updated": out.updated }),
                    })?);
                }
                Ok((out, after))
            })?;
            out.autoblocks = engine.run_autoblock(&stored)?;
            if !out.autoblocks.is_empty() {
                out.seq = Some(engine.db().latest_seq()?);
            }
            Ok(out)
        })
    }
}

fn prepare(signals: Vec<Signal>) -> Result<Vec<Prepared>> {
    signals.into_iter().map(Prepared::new).collect()
}

/// Whether anything reacts to signals written: an enabled notification or automated-blocking
/// rule, each of which reads the whole signal (its attackers come from its samples).
fn reacts(db: &dyn Db) -> Result<bool> {
    Ok(db.notify_rules()?.iter().any(|r| r.enabled)
        || db.autoblock_rules()?.iter().any(|r| r.enabled))
}
