//! The storage interface: what the engine asks of a store, in the model's types. A backend
//! implements these row traits on its transaction handle; the engine sees only `&dyn Db`, so a
//! second backend (PostgreSQL) is a new implementation of these traits, not a change to any rule.
//!
//! Nothing here decides anything: a method reads or writes rows. Policy (the allowlist, versions,
//! permissions, the 30-day rule) lives in the engine.
use crate::denylist::{
    AllowEntry, AutoblockRule, Bouncer, Cursor, DenyEntry, HistoryEvent, RunRow,
};
use crate::error::Result;
use crate::model::{
    AuditEvent, AuditFilter, Block, BlockEvent, Case, CaseComment, Incident, KeyInfo, Signal, User,
};
use crate::notify::queue::{Attempt, Delivery, NewDelivery, Outcome as SendOutcome, Policy};
use crate::notify::NotificationRule;
use crate::workflow::runs::RunRecord;
use chrono::{DateTime, Utc};

/// Which signals to list, by time alone; queries are evaluated by `query/` over the in-memory index.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Oldest first when true; newest first (the explorer's order) otherwise.
    pub ascending: bool,
    /// `None` means all.
    pub limit: Option<usize>,
}

/// Where a paged read of signals resumes: newest first, strictly after this (timestamp ms, id).
pub type SignalCursor = (i64, String);

/// One page of stored signals: their JSON text (parsed by the caller, on as many threads as it
/// likes), where the next page starts, and how many rows were read.
pub struct RawPage {
    pub rows: Vec<(String, String)>,
    pub next: Option<SignalCursor>,
}

/// How far a reader has followed the store's changes: the newest signal row, audit event and (in
/// a remote's cache) update-log entry it has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Watermark {
    pub row: i64,
    pub seq: i64,
    pub updates: i64,
}

/// What changed after a watermark: new signals' (id, JSON), the ids of changed ones, and the new
/// watermark.
pub struct ChangeSet {
    pub added: Vec<(String, String)>,
    pub changed: Vec<String>,
    pub mark: Watermark,
}

/// What an import needs of a stored signal to decide on a record with the same id: the version
/// (newer, equal or older), the severity (did it rise: a notification), and the JSON, read again
/// only when the stored triage must be kept.
#[derive(Clone, Debug)]
pub struct StoredHead {
    pub id: String,
    pub version: i64,
    /// `Severity::rank`.
    pub severity: i64,
    pub raw: String,
}

pub trait SignalRows {
    /// Where the store's change log stands now.
    fn watermark(&self) -> Result<Watermark>;
    /// Everything after `mark`, from the change log (new rows, audit events, the cache's log).
    fn changes_after(&self, mark: &Watermark) -> Result<ChangeSet>;
    fn get_signal(&self, id: &str) -> Result<Option<Signal>>;
    /// Insert or replace by id; true when the signal is new.
    fn put_signal(&self, s: &Signal) -> Result<bool> {
        self.put_signal_text(s, &serde_json::to_string(s.to_json())?)
    }
    /// `put_signal` with the signal's JSON text already made (`to_json()` serialised, or the
    /// detector's text of the same signal).
    fn put_signal_text(&self, s: &Signal, raw: &str) -> Result<bool>;
    /// Of `ids`, those stored: version, severity and JSON, in one statement (an import decides a
    /// chunk of records against them).
    fn stored_heads(&self, ids: &[&str]) -> Result<Vec<StoredHead>>;
    /// Insert or replace each signal by id with its JSON text (`to_json()` serialised, as
    /// `put_signal` stores it), in one prepared statement. The ids must be distinct.
    fn put_signals(&self, rows: &[(&Signal, &str)]) -> Result<()>;
    fn list_signals(&self, f: &ListFilter) -> Result<Vec<Signal>>;
    fn count_signals(&self) -> Result<u64>;
    /// Visit every signal, newest first, without holding them all in memory.
    fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> Result<()>) -> Result<()>;
    /// Visit the signals with `from <= ts <= to` (epoch ms) in (ts, id) order, strictly after
    /// `after`, until `f` answers false.
    fn scan_signals(
        &self,
        from: i64,
        to: i64,
        after: Option<&SignalCursor>,
        ascending: bool,
        f: &mut dyn FnMut(Signal) -> Result<bool>,
    ) -> Result<()>;
    /// Up to `limit` signals' (id, JSON) newest first, after `after`.
    fn signal_page(&self, after: Option<&SignalCursor>, limit: usize) -> Result<RawPage>;
}

pub trait AuditRows {
    /// Append one event; its seq.
    fn append_audit(&self, e: &AuditEvent) -> Result<i64>;
    /// Index event `seq` under more signals, in one statement: an import's event names every
    /// signal it wrote, added a chunk at a time rather than held in one `AuditEvent`.
    fn add_audit_signals(&self, seq: i64, ids: &[&str]) -> Result<()>;
    fn audit_for_signal(&self, signal_id: &str) -> Result<Vec<AuditEvent>>;
    fn latest_audit_for_signal(
        &self,
        signal_id: &str,
        actions: &[&str],
    ) -> Result<Option<AuditEvent>>;
    /// Events after `seq`, oldest first, at most `limit`.
    fn audit_since(&self, seq: i64, limit: usize) -> Result<Vec<AuditEvent>>;
    fn audit_for_target(&self, target_type: &str, target_id: &str) -> Result<Vec<AuditEvent>>;
    /// Events matching `f`, newest first.
    fn audit_list(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>>;
    /// The newest seq, 0 for none.
    fn latest_seq(&self) -> Result<i64>;
}

pub trait UserRows {
    fn list_users(&self) -> Result<Vec<User>>;
    /// A user by uuid or handle (email), case-insensitively for the handle.
    fn find_user(&self, who: &str) -> Result<Option<User>>;
    fn insert_user(&self, u: &User) -> Result<()>;
    fn count_users(&self) -> Result<i64>;
}

pub trait CaseRows {
    fn next_case_number(&self) -> Result<i64>;
    fn insert_case(&self, c: &Case) -> Result<()>;
    fn update_case(&self, c: &Case) -> Result<()>;
    fn link_case_signal(
        &self,
        case_id: &str,
        signal_id: &str,
        by: &str,
        at: &DateTime<Utc>,
    ) -> Result<()>;
    fn add_case_comment(&self, case_id: &str, c: &CaseComment) -> Result<()>;
    /// By key (`SEC-12`), number or uuid.
    fn get_case(&self, key_or_id: &str) -> Result<Option<Case>>;
    fn list_cases(&self) -> Result<Vec<Case>>;
    fn case_keys_for_signal(&self, signal_id: &str) -> Result<Vec<String>>;
}

pub trait IncidentRows {
    fn next_incident_id(&self) -> Result<i64>;
    fn insert_incident(&self, i: &Incident) -> Result<()>;
    fn update_incident(&self, i: &Incident) -> Result<()>;
    fn link_incident_signal(
        &self,
        incident_id: &str,
        signal_id: &str,
        by: &str,
        at: &DateTime<Utc>,
    ) -> Result<()>;
    fn unlink_incident_signal(&self, incident_id: &str, signal_id: &str) -> Result<()>;
    /// By public id (`IR-7`, `7`) or uuid.
    fn get_incident(&self, id: &str) -> Result<Option<Incident>>;
    fn list_incidents(&self) -> Result<Vec<Incident>>;
}

pub trait BlockRows {
    /// Insert, setting `b.id`.
    fn insert_block(&self, b: &mut Block) -> Result<()>;
    fn set_block_expiry(
        &self,
        id: i64,
        expires_at: Option<DateTime<Utc>>,
        actor: &str,
        now: &DateTime<Utc>,
    ) -> Result<()>;
    fn lift_block(&self, id: i64, actor: &str, now: &DateTime<Utc>) -> Result<()>;
    /// Write `expired` into the history of blocks that ran out; their ids.
    fn record_expired_blocks(&self, now: &DateTime<Utc>) -> Result<Vec<i64>>;
    fn get_block(&self, id: i64) -> Result<Option<Block>>;
    /// The block in force on exactly this stored value.
    fn active_block_for(&self, value: &str, now: &DateTime<Utc>) -> Result<Option<Block>>;
    fn list_blocks(&self, include_inactive: bool, now: &DateTime<Utc>) -> Result<Vec<Block>>;
    fn block_history(&self, block_id: i64) -> Result<Vec<BlockEvent>>;
}

pub trait DenylistRows {
    /// Block events after `seq`, oldest first.
    fn deny_history_since(&self, seq: i64) -> Result<Vec<HistoryEvent>>;
    fn deny_entries(&self) -> Result<Vec<DenyEntry>>;
    fn allow_insert(
        &self,
        kind: &str,
        value: &str,
        note: &str,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<i64>;
    fn allow_list(&self) -> Result<Vec<AllowEntry>>;
    fn allow_delete(&self, id: i64) -> Result<()>;
    fn autoblock_rule_insert(&self, r: &AutoblockRule, by: &str, now: &DateTime<Utc>)
        -> Result<()>;
    fn autoblock_rules(&self) -> Result<Vec<AutoblockRule>>;
    fn autoblock_rule_set(
        &self,
        name: &str,
        simulate: Option<bool>,
        enabled: Option<bool>,
    ) -> Result<()>;
    fn autoblock_rule_delete(&self, name: &str) -> Result<()>;
    fn autoblock_run_insert(&self, r: &RunRow) -> Result<()>;
    /// Runs, oldest first; of one rule when given.
    fn autoblock_runs(&self, rule: Option<&str>) -> Result<Vec<RunRow>>;
    /// Stores the key's hash only.
    fn bouncer_insert(
        &self,
        name: &str,
        key_hash: &str,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<()>;
    fn bouncer_by_key_hash(&self, key_hash: &str) -> Result<Option<Bouncer>>;
    fn bouncer_list(&self) -> Result<Vec<Bouncer>>;
    fn bouncer_delete(&self, name: &str) -> Result<()>;
    fn bouncer_set_cursor(&self, name: &str, c: &Cursor, now: &DateTime<Utc>) -> Result<()>;
}

pub trait NotifyRows {
    fn notify_rules(&self) -> Result<Vec<NotificationRule>>;
    /// By id, or by a unique name.
    fn find_notify_rule(&self, id_or_name: &str) -> Result<Option<NotificationRule>>;
    fn insert_notify_rule(&self, r: &NotificationRule) -> Result<()>;
    /// Replace a rule if `expected_version` is still the stored one.
    fn update_notify_rule(
        &self,
        r: &NotificationRule,
        expected_version: i64,
    ) -> Result<NotificationRule>;
    fn delete_notify_rule(&self, id: &str) -> Result<()>;
    /// Queue one delivery unless queued before; true when queued now.
    fn enqueue_delivery(&self, d: &NewDelivery, now: DateTime<Utc>) -> Result<bool>;
    /// Lease up to `limit` due deliveries to this sender.
    fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        p: &Policy,
        limit: usize,
    ) -> Result<Vec<Delivery>>;
    /// Record an attempt; the delivery's new state.
    fn record_delivery(
        &self,
        id: i64,
        o: &SendOutcome,
        now: DateTime<Utc>,
        p: &Policy,
    ) -> Result<crate::notify::queue::DeliveryState>;
    fn list_deliveries(&self, failed_only: bool, limit: usize) -> Result<Vec<Delivery>>;
    fn get_delivery(&self, id: i64) -> Result<Option<Delivery>>;
    fn delivery_attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>>;
    /// Make failed (and, with `dead`, dead) deliveries due now; how many.
    fn retry_deliveries_now(&self, dead: bool, now: DateTime<Utc>) -> Result<usize>;
    fn pending_deliveries(&self) -> Result<u64>;
    fn next_delivery_due(&self) -> Result<Option<DateTime<Utc>>>;
}

/// A write's answer kept under its idempotency key.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAnswer {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: String,
}

pub trait KeyRows {
    fn insert_key(
        &self,
        id: &str,
        api_hash: &str,
        app_hash: &str,
        user_uuid: &str,
        created: i64,
    ) -> Result<()>;
    fn list_keys(&self) -> Result<Vec<KeyInfo>>;
    /// False when there is no active key with this id.
    fn revoke_key(&self, id: &str, at: i64) -> Result<bool>;
    /// (user uuid, api-key hash) of the active key with this app-key hash.
    fn key_by_app_hash(&self, app_hash: &str) -> Result<Option<(String, String)>>;
    fn idempotent_answer(&self, user_uuid: &str, key: &str) -> Result<Option<StoredAnswer>>;
    fn save_idempotent_answer(
        &self,
        user_uuid: &str,
        key: &str,
        a: &StoredAnswer,
        created: i64,
    ) -> Result<()>;
    fn purge_idempotent_answers(&self, before: i64) -> Result<usize>;
}

pub trait WorkflowRows {
    fn save_workflow_run(&self, r: &RunRecord) -> Result<()>;
    fn get_workflow_run(&self, id: &str) -> Result<Option<RunRecord>>;
    fn workflow_runs_for_signal(&self, signal_id: &str) -> Result<Vec<RunRecord>>;
}

/// The rule catalogue and the service catalogue: what Rule Details and the service owner show.
pub trait CatalogRows {
    /// A detection rule's stored JSON (vendor rule shape, with sigscope's description and runbook).
    fn rule_json(&self, rule_id: &str) -> Result<Option<String>>;
    fn put_rule_json(&self, rule_id: &str, json: &str) -> Result<()>;
    fn service_owner(&self, service: &str) -> Result<Option<String>>;
    fn put_service_owner(&self, service: &str, owner: &str) -> Result<()>;
}

/// Detection's own state: `ingest --follow` offsets, the events already counted, and each
/// (rule, group)'s window as JSON.
pub trait DetectRows {
    /// (inode, offset) where following `path` stopped.
    fn follow_offset(&self, path: &str) -> Result<Option<(u64, u64)>>;
    fn save_follow_offset(&self, path: &str, inode: u64, offset: u64, now_ms: i64) -> Result<()>;
    fn is_seen(&self, event_id: &str) -> Result<bool>;
    fn mark_seen(&self, event_id: &str, event_ms: i64) -> Result<()>;
    fn group_state(&self, rule_id: &str, key: &str) -> Result<Option<String>>;
    fn save_group_state(&self, rule_id: &str, key: &str, state: &str, now_ms: i64) -> Result<()>;
    fn drop_group_state(&self, rule_id: &str, key: &str) -> Result<()>;
}

/// What an operator's probes ask of the store itself: is it there, is its schema current, how much
/// is queued.
pub trait OpsRows {
    /// (the schema version the store is at, the newest this build knows).
    fn schema_versions(&self) -> Result<(i64, i64)>;
    /// Notification deliveries per state (`queued`, `sent`, `failed`, `dead`).
    fn delivery_counts(&self) -> Result<Vec<(String, u64)>>;
}

/// Everything a store holds, as one transaction (or a reader) sees it.
pub trait Db:
    SignalRows
    + AuditRows
    + UserRows
    + CaseRows
    + IncidentRows
    + BlockRows
    + DenylistRows
    + NotifyRows
    + KeyRows
    + WorkflowRows
    + CatalogRows
    + DetectRows
    + OpsRows
    + crate::store::copy::RawTables
{
}

impl<T> Db for T where
    T: SignalRows
        + AuditRows
        + UserRows
        + CaseRows
        + IncidentRows
        + BlockRows
        + DenylistRows
        + NotifyRows
        + KeyRows
        + WorkflowRows
        + CatalogRows
        + DetectRows
        + OpsRows
        + crate::store::copy::RawTables
{
}
