//! One command's view of the open transaction: the rows, who acts, when, and what changed so far.
use super::{find_user_loose, Outcome, SignalRef, VERSION_ACTIONS};
use crate::error::{Error, Result};
use crate::model::{AuditEvent, Signal, User};
use crate::store::Db;
use chrono::{DateTime, Utc};

/// One command's view of the open transaction.
pub(crate) struct Tx<'a> {
    pub db: &'a dyn Db,
    pub actor: &'a User,
    pub now: DateTime<Utc>,
    /// Set for commands that may move a signal's triage: what the move owes notification targets.
    pub notify: Option<&'a crate::notify::NotifyConfig>,
    pub out: Outcome,
}

impl Tx<'_> {
    /// Append one audit event for this command.
    pub fn audit(
        &mut self,
        action: &str,
        target_type: &str,
        target_id: &str,
        signal_ids: Vec<String>,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> Result<i64> {
        let mut event = AuditEvent {
            seq: 0,
            time: self.now,
            actor: self.actor.handle.clone(),
            action: action.to_string(),
            target_type: target_type.to_string(),
            target_id: target_id.to_string(),
            signal_ids,
            before,
            after,
        };
        let seq = self.db.append_audit(&event)?;
        event.seq = seq;
        self.out.events.push(seq);
        self.out.audited.push(event);
        Ok(seq)
    }

    /// Read a signal for change: it must exist, and must not have moved past the caller's version.
    pub fn load_signal(&self, r: &SignalRef) -> Result<Signal> {
        let s = self
            .db
            .get_signal(&r.id)?
            .ok_or_else(|| Error::NotFound(format!("signal {} not found", r.id)))?;
        if let Some(v) = r.version {
            if super::stale(v, s.version) {
                let by = self.db.latest_audit_for_signal(&s.id, VERSION_ACTIONS)?;
                let (who, when) = match by {
                    Some(e) => (e.actor, crate::model::json::fmt_time(&e.time)),
                    None => ("an import".to_string(), "an unknown time".to_string()),
                };
                return Err(Error::Conflict(format!(
                    "signal {} changed by {who} at {when} since you loaded it (version {v}, now {})",
                    s.id, s.version
                )));
            }
        }
        Ok(s)
    }

    /// The distinct signals named, each loaded and version-checked, in the order given.
    pub fn load_signals(&self, refs: &[SignalRef]) -> Result<Vec<Signal>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for r in refs {
            if seen.insert(r.id.clone()) {
                out.push(self.load_signal(r)?);
            }
        }
        Ok(out)
    }

    /// Write a new triage into a signal, bumping its version, and report it as changed.
    pub fn save_signal(&mut self, s: &mut Signal, triage: crate::model::Triage) -> Result<()> {
        self.write_signal(s, triage)?;
        self.changed(s.clone());
        Ok(())
    }

    /// `save_signal` without the report: for a caller that owns the signal and hands it to
    /// `changed` when done with it, sparing a copy of the whole signal per change.
    pub fn write_signal(&mut self, s: &mut Signal, triage: crate::model::Triage) -> Result<()> {
        s.set_triage(triage, s.version + 1);
        self.db.put_signal(s)?;
        Ok(())
    }

    /// Report a signal this command wrote, as it is now (a later write replaces an earlier one).
    pub fn changed(&mut self, s: Signal) {
        match self.out.signals.iter_mut().find(|x| x.id == s.id) {
            Some(slot) => *slot = s,
            None => self.out.signals.push(s),
        }
    }

    /// A known user by handle, email or uuid.
    pub fn user(&self, who: &str) -> Result<User> {
        find_user_loose(self.db, who.trim())?
            .ok_or_else(|| Error::NotFound(format!("unknown user {who:?}")))
    }
}
