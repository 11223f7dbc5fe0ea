//! Detection's persisted state, through the engine: `ingest --follow` offsets, the events already
//! counted, per-(rule, group) windows and open signals, and the one change that applies a batch —
//! its signals (through `ingest`, so triage, audit, notifications and autoblock apply), its state
//! and its read position — all or nothing.
use super::ingest::{IngestMode, Ingested};
use super::Engine;
use crate::error::{Error, Result};
use crate::import::Prepared;
use crate::model::{Permission, User};
use crate::notify::NotifyConfig;

/// Where `ingest --follow` stopped in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowOffset {
    pub path: String,
    pub inode: u64,
    pub offset: u64,
}

/// One batch of detection output, applied as one change.
#[derive(Debug, Default)]
pub struct DetectBatch {
    /// The signals with their JSON text (`Prepared::columns`: read without their samples).
    pub signals: Vec<Prepared>,
    /// (rule id, group key, state JSON)
    pub save_groups: Vec<(String, String, String)>,
    pub drop_groups: Vec<(String, String)>,
    /// (event id, event epoch ms)
    pub seen: Vec<(String, i64)>,
    pub position: Option<FollowOffset>,
}

// The pipeline's own bookkeeping, read by the detection run that writes it (its batch is a
// permission-checked command below); nothing here is shown to a user.
impl Engine {
    pub fn follow_offset(&self, path: &str) -> Result<Option<FollowOffset>> {
        Ok(self
            .db()
            .follow_offset(path)?
            .map(|(inode, offset)| FollowOffset {
                path: path.to_string(),
                inode,
                offset,
            }))
    }

    pub fn detect_seen(&self, event_id: &str) -> Result<bool> {
        self.db().is_seen(event_id)
    }

    pub fn detect_group(&self, rule_id: &str, key: &str) -> Result<Option<String>> {
        self.db().group_state(rule_id, key)
    }

    /// Apply a batch as `actor` (who needs signal write permission): all of it or none.
    pub fn detect_commit(
        &mut self,
        actor: &User,
        batch: DetectBatch,
        notify: &NotifyConfig,
    ) -> Result<Ingested> {
        super::rbac::require(actor, Permission::SecurityMonitoringSignalsWrite)?;
        let now = self.now().timestamp_millis();
        self.all_or_nothing(|engine| {
            let out = if batch.signals.is_empty() {
                Ingested::default()
            } else {
                engine.ingest_as(actor, batch.signals, notify, IngestMode::Detection)?
            };
            engine.write_rows(|db| {
                for (r, k, s) in &batch.save_groups {
                    db.save_group_state(r, k, s, now)?;
                }
                for (r, k) in &batch.drop_groups {
                    db.drop_group_state(r, k)?;
                }
                for (id, ms) in &batch.seen {
                    db.mark_seen(id, *ms)?;
                }
                if let Some(p) = &batch.position {
                    db.save_follow_offset(&p.path, p.inode, p.offset, now)?;
                }
                Ok::<(), Error>(())
            })?;
            Ok(out)
        })
    }
}
