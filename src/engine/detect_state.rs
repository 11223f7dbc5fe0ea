//! Detection's persisted state, through the engine: `ingest --follow` offsets, the events already
//! counted, per-(rule, group) windows and open signals, and the one change that applies a batch —
//! its signals (through `ingest`, so triage, audit, notifications and autoblock apply), its state
//! and its read position — all or nothing.
use super::ingest::Ingested;
use super::Engine;
use crate::error::{Error, Result};
use crate::model::{Permission, Signal, User};
use crate::notify::NotifyConfig;
use crate::store::sqlite::detect;

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
    pub signals: Vec<Signal>,
    /// (rule id, group key, state JSON)
    pub save_groups: Vec<(String, String, String)>,
    pub drop_groups: Vec<(String, String)>,
    /// (event id, event epoch ms)
    pub seen: Vec<(String, i64)>,
    pub position: Option<FollowOffset>,
}

impl Engine {
    pub fn follow_offset(&self, path: &str) -> Result<Option<FollowOffset>> {
        Ok(
            detect::follow_offset(self.store.conn(), path)?.map(|(inode, offset)| FollowOffset {
                path: path.to_string(),
                inode,
                offset,
            }),
        )
    }

    pub fn detect_seen(&self, event_id: &str) -> Result<bool> {
        detect::is_seen(self.store.conn(), event_id)
    }

    pub fn detect_group(&self, rule_id: &str, key: &str) -> Result<Option<String>> {
        detect::group_state(self.store.conn(), rule_id, key)
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
                engine.ingest(actor, batch.signals, notify)?
            };
            engine.store.write(|tx| {
                for (r, k, s) in &batch.save_groups {
                    detect::save_group_state(tx, r, k, s, now)?;
                }
                for (r, k) in &batch.drop_groups {
                    detect::drop_group_state(tx, r, k)?;
                }
                for (id, ms) in &batch.seen {
                    detect::mark_seen(tx, id, *ms)?;
                }
                if let Some(p) = &batch.position {
                    detect::save_follow_offset(tx, &p.path, p.inode, p.offset, now)?;
                }
                Ok::<(), Error>(())
            })?;
            Ok(out)
        })
    }
}
