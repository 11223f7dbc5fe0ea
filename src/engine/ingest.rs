//! Detections from producers (`POST /api/v2/sigscope/signals`): producers own the detection, analysts
//! own the triage, so an existing signal keeps its triage and version while the rest is replaced.
//! Upsert, notifications, one audit event for the change feed and automated blocking are one change.
use super::Engine;
use crate::engine::autoblock::AutoblockResult;
use crate::error::Result;
use crate::model::audit::actions;
use crate::model::{AuditEvent, Permission, Signal, User};
use crate::notify::NotifyConfig;
use crate::store::sqlite;
use serde_json::{json, Value};

#[derive(Debug, Default)]
pub struct Ingested {
    pub inserted: usize,
    pub updated: usize,
    /// The last audit event written (the batch's, or an automated block's after it).
    pub seq: Option<i64>,
    pub autoblocks: Vec<AutoblockResult>,
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
        super::rbac::require(actor, Permission::SecurityMonitoringSignalsWrite)?;
        let now = self.now();
        self.all_or_nothing(|engine| {
            let (mut out, stored) = engine.store.write(|tx| {
                let mut out = Ingested::default();
                let mut before = Vec::with_capacity(signals.len());
                let mut after = Vec::with_capacity(signals.len());
                for mut s in signals {
                    let old = sqlite::signals::get_signal(tx, &s.id)?;
                    if let Some(old) = &old {
                        s.set_triage(old.triage.clone(), old.version.max(s.version));
                    }
                    if sqlite::signals::put_signal(tx, &s)? {
                        out.inserted += 1;
                    } else {
                        out.updated += 1;
                    }
                    before.push(old);
                    after.push(s);
                }
                crate::notify::queue_changes(tx, notify, &before, &after, now)?;
                if let Some(first) = after.first() {
                    out.seq = Some(sqlite::audit::append(
                        tx,
                        &AuditEvent {
                            seq: 0,
                            time: now,
                            actor: actor.handle.clone(),
                            action: actions::SIGNAL_INGEST.into(),
                            target_type: "signal".into(),
                            target_id: first.id.clone(),
                            signal_ids: after.iter().map(|s| s.id.clone()).collect(),
                            before: Value::Null,
                            after: json!({ "inserted": out.inserted, "updated": out.updated }),
                        },
                    )?);
                }
                Ok((out, after))
            })?;
            out.autoblocks = engine.run_autoblock(&stored)?;
            if !out.autoblocks.is_empty() {
                out.seq = Some(engine.latest_seq()?);
            }
            Ok(out)
        })
    }
}
