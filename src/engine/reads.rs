//! The one query interface: every read a face makes, checked against the reader's role here, in
//! one place, so the CLI, the server and the explorer answer the same question the same way.
//!
//! Reads are consistent across kinds: a role that may list signals may list blocks and export the
//! denylist (every role holds `appsec_protect_read`); only the audit trail needs Admin.
use super::{rbac, timeline, Engine, CHANGES_PAGE};
use crate::denylist::{AllowEntry, AutoblockRule, Bouncer, DenyEntry, HistoryEvent, RunRow};
use crate::error::{Error, Result};
use crate::model::{
    AuditEvent, AuditFilter, Block, BlockEvent, Case, Incident, KeyInfo, Permission, Signal, User,
};
use crate::notify::queue::{Attempt, Delivery};
use crate::notify::NotificationRule;
use crate::store::{Db, ListFilter, RawPage, SignalCursor, Watermark};
use crate::workflow::runs::RunRecord;

/// What changed after a watermark: new signals' (id, JSON), changed signals, the new watermark.
pub type Changes = (Vec<(String, String)>, Vec<Signal>, Watermark);

/// The store as one user may read it. Made by `Engine::reads`.
pub struct Reads<'a> {
    pub(super) engine: &'a Engine,
    actor: &'a User,
}

/// What Rule Details shows for a rule, from the store's rule catalogue.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleInfo {
    pub condition: String,
    pub description: String,
    pub runbook: String,
}

impl Engine {
    /// Read as `actor`; each read checks the permission it needs.
    pub fn reads<'a>(&'a self, actor: &'a User) -> Reads<'a> {
        Reads {
            engine: self,
            actor,
        }
    }
}

impl<'a> Reads<'a> {
    fn need(&self, p: Permission) -> Result<&'a dyn Db> {
        rbac::require(self.actor, p)?;
        Ok(self.engine.db())
    }

    pub(super) fn signals_db(&self) -> Result<&'a dyn Db> {
        self.need(Permission::SecurityMonitoringSignalsRead)
    }

    pub fn actor(&self) -> &User {
        self.actor
    }

    /// The engine's time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.engine.now()
    }

    // ---- signals ----

    pub fn signal(&self, id: &str) -> Result<Option<Signal>> {
        self.signals_db()?.get_signal(id)
    }

    /// A signal that must exist.
    pub fn signal_required(&self, id: &str) -> Result<Signal> {
        self.signal(id)?.ok_or_else(|| {
            Error::NotFound(format!("signal {} not found", crate::sanitize::clean(id)))
        })
    }

    pub fn signals(&self, filter: &ListFilter) -> Result<Vec<Signal>> {
        self.signals_db()?.list_signals(filter)
    }

    pub fn count_signals(&self) -> Result<u64> {
        self.signals_db()?.count_signals()
    }

    /// Every signal, newest first, one at a time.
    pub fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> Result<()>) -> Result<()> {
        self.signals_db()?.for_each_signal(f)
    }

    /// Visit signals in a time range (epoch ms) in (time, id) order after a cursor, until `f`
    /// answers false: a listing's pages, without holding the rest.
    pub fn scan_signals(
        &self,
        from: i64,
        to: i64,
        after: Option<&SignalCursor>,
        ascending: bool,
        f: &mut dyn FnMut(Signal) -> Result<bool>,
    ) -> Result<()> {
        self.signals_db()?
            .scan_signals(from, to, after, ascending, f)
    }

    /// Where the store's change log stands.
    pub fn watermark(&self) -> Result<Watermark> {
        self.signals_db()?.watermark()
    }

    /// What changed after `mark`: new signals' JSON (for the caller to parse), the changed
    /// signals as they are now, and the new watermark.
    pub fn changes_after(&self, mark: &Watermark) -> Result<Changes> {
        let db = self.signals_db()?;
        let set = db.changes_after(mark)?;
        let mut changed = Vec::with_capacity(set.changed.len());
        for id in &set.changed {
            if let Some(s) = db.get_signal(id)? {
                changed.push(s);
            }
        }
        Ok((set.added, changed, set.mark))
    }

    /// Stored signals' JSON a page at a time, newest first (the explorer parses them in parallel).
    pub fn signal_page(&self, after: Option<&SignalCursor>, limit: usize) -> Result<RawPage> {
        self.signals_db()?.signal_page(after, limit)
    }

    /// Every audit event that touched a signal, oldest first.
    pub fn timeline(&self, signal_id: &str) -> Result<Vec<AuditEvent>> {
        self.signals_db()?.audit_for_signal(signal_id)
    }

    /// A signal's triage in the vendor's `signal_metadata` shape, with who changed it last and when,
    /// from the audit trail.
    pub fn signal_metadata(&self, signal: &Signal) -> Result<serde_json::Value> {
        let db = self.signals_db()?;
        // Only the last version-moving event counts: one indexed read, not the whole trail (a
        // triage answer is built under the writer, and a busy signal's trail grows long).
        let last = db.latest_audit_for_signal(&signal.id, super::VERSION_ACTIONS)?;
        let events: Vec<AuditEvent> = last.into_iter().collect();
        Ok(timeline::signal_metadata(signal, &events, &|h| {
            db.find_user(h).ok().flatten()
        }))
    }

    /// `signal_metadata` for a signal `actor`'s command has just changed, from the events that
    /// command appended (`Outcome::audited`): the newest of them naming the signal is its last
    /// change, so the audit log and the users table are not read again. Without such an event (the
    /// command left the signal as it was) it is read from the store as `signal_metadata` does.
    pub fn signal_metadata_after(
        &self,
        signal: &Signal,
        audited: &[AuditEvent],
        actor: &crate::model::User,
    ) -> Result<serde_json::Value> {
        let db = self.signals_db()?;
        let last = audited.iter().rev().find(|e| {
            super::VERSION_ACTIONS.contains(&e.action.as_str())
                && e.signal_ids.iter().any(|id| id == &signal.id)
        });
        let Some(last) = last else {
            return self.signal_metadata(signal);
        };
        Ok(timeline::signal_metadata(
            signal,
            std::slice::from_ref(last),
            &|h| {
                if h == actor.handle {
                    Some(actor.clone())
                } else {
                    db.find_user(h).ok().flatten()
                }
            },
        ))
    }

    /// Each triaged signal's first-triage and archive times, from the audit trail (the SLA and
    /// the triage metrics are computed from these; see `engine::stats`).
    pub fn triage_times(&self) -> Result<std::sync::Arc<crate::query::sla::TimesById>> {
        Ok(self.triage_times_at()?.1)
    }

    /// `triage_times` with the audit seq they were read up to.
    pub(crate) fn triage_times_at(
        &self,
    ) -> Result<(i64, std::sync::Arc<crate::query::sla::TimesById>)> {
        super::stats::triage_times(self.signals_db()?, &self.engine.triage)
    }

    /// The change feed: audit events after `seq`, oldest first, at most `limit` (and never more
    /// than `CHANGES_PAGE`, so a page stays bounded).
    pub fn changes_since(&self, seq: i64, limit: usize) -> Result<Vec<AuditEvent>> {
        self.signals_db()?.audit_since(seq, limit.min(CHANGES_PAGE))
    }

    /// The seq of the newest audit event (0 for none): where a change feed starts.
    pub fn latest_seq(&self) -> Result<i64> {
        self.signals_db()?.latest_seq()
    }

    /// The rule catalogue's entry for a rule, for Rule Details.
    pub fn rule_info(&self, rule_id: &str) -> Result<Option<RuleInfo>> {
        let Some(raw) = self.signals_db()?.rule_json(rule_id)? else {
            return Ok(None);
        };
        let v: serde_json::Value = serde_json::from_str(&raw)
            .map_err(|e| Error::Store(format!("rule {rule_id}: stored JSON unreadable: {e}")))?;
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        Ok(Some(RuleInfo {
            condition: text("condition"),
            description: text("description"),
            runbook: text("runbook"),
        }))
    }

    /// Who owns a service, from the service catalogue.
    pub fn service_owner(&self, service: &str) -> Result<Option<String>> {
        self.signals_db()?.service_owner(service)
    }

    // ---- cases and incidents ----

    pub fn cases(&self) -> Result<Vec<Case>> {
        self.need(Permission::CasesRead)?.list_cases()
    }

    /// A case by key (`SEC-12`), number or uuid.
    pub fn case(&self, key_or_id: &str) -> Result<Option<Case>> {
        self.need(Permission::CasesRead)?.get_case(key_or_id)
    }

    /// The keys of the cases a signal is in.
    pub fn cases_for_signal(&self, signal_id: &str) -> Result<Vec<String>> {
        self.need(Permission::CasesRead)?
            .case_keys_for_signal(signal_id)
    }

    /// Audit events about one case or incident, oldest first.
    pub fn history_of(&self, target_type: &str, target_id: &str) -> Result<Vec<AuditEvent>> {
        let p = match target_type {
            "incident" => Permission::IncidentRead,
            _ => Permission::CasesRead,
        };
        self.need(p)?.audit_for_target(target_type, target_id)
    }

    pub fn incidents(&self) -> Result<Vec<Incident>> {
        self.need(Permission::IncidentRead)?.list_incidents()
    }

    /// An incident by public id (`IR-7`, `7`) or uuid.
    pub fn incident(&self, id: &str) -> Result<Option<Incident>> {
        self.need(Permission::IncidentRead)?.get_incident(id)
    }

    // ---- the denylist ----

    fn protect_db(&self) -> Result<&'a dyn Db> {
        self.need(Permission::AppsecProtectRead)
    }

    /// Blocks in force now, or every block ever made when `include_inactive`; newest first.
    pub fn blocks(&self, include_inactive: bool) -> Result<Vec<Block>> {
        self.protect_db()?
            .list_blocks(include_inactive, &self.engine.now())
    }

    /// The block in force now for a value (an IP, also when a blocked range covers it, or a user id).
    pub fn active_block_for(&self, value: &str) -> Result<Option<Block>> {
        super::blocking::covering_block(self.protect_db()?, value, &self.engine.now())
    }

    pub fn block_history(&self, block_id: i64) -> Result<Vec<BlockEvent>> {
        self.protect_db()?.block_history(block_id)
    }

    /// Entries not lifted; exporters keep those active at their `now`.
    pub fn denylist_entries(&self) -> Result<Vec<DenyEntry>> {
        self.protect_db()?.deny_entries()
    }

    /// Every block event, oldest first, as the decision stream reads it.
    pub fn block_events(&self) -> Result<Vec<HistoryEvent>> {
        self.protect_db()?.deny_history_since(0)
    }

    /// The signal's attacker IPs that pass the denylist's checks, and the refused ones with why.
    pub fn blockable_attackers(&self, signal: &Signal) -> Result<(Vec<String>, Vec<String>)> {
        let db = self.need(Permission::AppsecProtectRead)?;
        super::blocking::blockable_ips(db, &signal.attacker_ips, self.engine.signal_v6_prefix())
    }

    pub fn allowlist(&self) -> Result<Vec<AllowEntry>> {
        self.protect_db()?.allow_list()
    }

    pub fn autoblock_rules(&self) -> Result<Vec<AutoblockRule>> {
        self.protect_db()?.autoblock_rules()
    }

    /// What each rule did so far (simulations included), oldest first.
    pub fn autoblock_runs(&self, rule: Option<&str>) -> Result<Vec<RunRow>> {
        self.protect_db()?.autoblock_runs(rule)
    }

    /// What `rule` would do to the stored signals now, without changing anything.
    pub fn dry_run_autoblock(
        &self,
        rule: &AutoblockRule,
        limit: Option<usize>,
    ) -> Result<Vec<crate::denylist::PlannedBlock>> {
        self.protect_db()?;
        self.signals_db()?;
        self.engine.dry_run_autoblock(rule, limit)
    }

    pub fn bouncers(&self) -> Result<Vec<Bouncer>> {
        self.protect_db()?.bouncer_list()
    }

    // ---- people, keys, the audit trail ----

    pub fn users(&self) -> Result<Vec<User>> {
        self.need(Permission::UserAccessRead)?.list_users()
    }

    pub fn user(&self, who: &str) -> Result<Option<User>> {
        super::find_user_loose(self.need(Permission::UserAccessRead)?, who.trim())
    }

    /// API keys: everyone's with `user_access_manage`, else the reader's own.
    pub fn keys(&self) -> Result<Vec<KeyInfo>> {
        let all = self.engine.db().list_keys()?;
        if self.actor.can(Permission::UserAccessManage) {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|k| k.user_uuid == self.actor.uuid)
            .collect())
    }

    /// The audit trail (`audit list`): Admin only.
    pub fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        self.need(Permission::AuditLogsRead)?.audit_list(filter)
    }

    // ---- notifications and workflows ----

    fn notify_db(&self) -> Result<&'a dyn Db> {
        self.need(Permission::NotificationProfilesRead)
    }

    pub fn notify_rules(&self) -> Result<Vec<NotificationRule>> {
        self.notify_db()?.notify_rules()
    }

    /// A rule by id or unique name.
    pub fn notify_rule(&self, id_or_name: &str) -> Result<NotificationRule> {
        self.notify_db()?
            .find_notify_rule(id_or_name)?
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no notification rule {:?}",
                    crate::sanitize::clean(id_or_name)
                ))
            })
    }

    pub fn deliveries(&self, failed_only: bool, limit: usize) -> Result<Vec<Delivery>> {
        self.notify_db()?.list_deliveries(failed_only, limit)
    }

    pub fn delivery(&self, id: i64) -> Result<Option<(Delivery, Vec<Attempt>)>> {
        let db = self.notify_db()?;
        let Some(d) = db.get_delivery(id)? else {
            return Ok(None);
        };
        Ok(Some((d, db.delivery_attempts(id)?)))
    }

    pub fn pending_deliveries(&self) -> Result<u64> {
        self.notify_db()?.pending_deliveries()
    }

    pub fn workflow_runs(&self, signal_id: &str) -> Result<Vec<RunRecord>> {
        self.need(Permission::WorkflowsRead)?
            .workflow_runs_for_signal(signal_id)
    }

    pub fn workflow_run(&self, id: &str) -> Result<Option<RunRecord>> {
        self.need(Permission::WorkflowsRead)?.get_workflow_run(id)
    }
}
