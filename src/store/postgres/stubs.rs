//! Stubs for row traits not yet written for PostgreSQL: each answers an error naming itself. A
//! trait moves out of here into its own module when implemented.
#![allow(unused_variables, unused_imports)]
use super::PgDb;
use crate::denylist::{
    AllowEntry, AutoblockRule, Bouncer, Cursor, DenyEntry, HistoryEvent, RunRow,
};
use crate::error::{Error, Result};
use crate::model::{
    AuditEvent, AuditFilter, Block, BlockEvent, Case, CaseComment, Incident, KeyInfo, Signal, User,
};
use crate::notify::queue::{Attempt, Delivery, NewDelivery, Outcome as SendOutcome, Policy};
use crate::notify::NotificationRule;
use crate::store::*;
use crate::workflow::runs::RunRecord;
use chrono::{DateTime, Utc};

fn missing(what: &str) -> Error {
    Error::Store(format!("{what} is not implemented for PostgreSQL yet"))
}

// BEGIN BlockRows
impl BlockRows for PgDb {
    fn insert_block(&self, b: &mut Block) -> Result<()> {
        Err(missing("BlockRows::insert_block"))
    }
    fn set_block_expiry(
        &self,
        id: i64,
        expires_at: Option<DateTime<Utc>>,
        actor: &str,
        now: &DateTime<Utc>,
    ) -> Result<()> {
        Err(missing("BlockRows::set_block_expiry"))
    }
    fn lift_block(&self, id: i64, actor: &str, now: &DateTime<Utc>) -> Result<()> {
        Err(missing("BlockRows::lift_block"))
    }
    fn record_expired_blocks(&self, now: &DateTime<Utc>) -> Result<Vec<i64>> {
        Err(missing("BlockRows::record_expired_blocks"))
    }
    fn get_block(&self, id: i64) -> Result<Option<Block>> {
        Err(missing("BlockRows::get_block"))
    }
    fn active_block_for(&self, value: &str, now: &DateTime<Utc>) -> Result<Option<Block>> {
        Err(missing("BlockRows::active_block_for"))
    }
    fn list_blocks(&self, include_inactive: bool, now: &DateTime<Utc>) -> Result<Vec<Block>> {
        Err(missing("BlockRows::list_blocks"))
    }
    fn block_history(&self, block_id: i64) -> Result<Vec<BlockEvent>> {
        Err(missing("BlockRows::block_history"))
    }
}
// END BlockRows

// BEGIN DenylistRows
impl DenylistRows for PgDb {
    fn deny_history_since(&self, seq: i64) -> Result<Vec<HistoryEvent>> {
        Err(missing("DenylistRows::deny_history_since"))
    }
    fn deny_entries(&self) -> Result<Vec<DenyEntry>> {
        Err(missing("DenylistRows::deny_entries"))
    }
    fn allow_insert(
        &self,
        kind: &str,
        value: &str,
        note: &str,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<i64> {
        Err(missing("DenylistRows::allow_insert"))
    }
    fn allow_list(&self) -> Result<Vec<AllowEntry>> {
        Err(missing("DenylistRows::allow_list"))
    }
    fn allow_delete(&self, id: i64) -> Result<()> {
        Err(missing("DenylistRows::allow_delete"))
    }
    fn autoblock_rule_insert(
        &self,
        r: &AutoblockRule,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<()> {
        Err(missing("DenylistRows::autoblock_rule_insert"))
    }
    fn autoblock_rules(&self) -> Result<Vec<AutoblockRule>> {
        Err(missing("DenylistRows::autoblock_rules"))
    }
    fn autoblock_rule_set(
        &self,
        name: &str,
        simulate: Option<bool>,
        enabled: Option<bool>,
    ) -> Result<()> {
        Err(missing("DenylistRows::autoblock_rule_set"))
    }
    fn autoblock_rule_delete(&self, name: &str) -> Result<()> {
        Err(missing("DenylistRows::autoblock_rule_delete"))
    }
    fn autoblock_run_insert(&self, r: &RunRow) -> Result<()> {
        Err(missing("DenylistRows::autoblock_run_insert"))
    }
    fn autoblock_runs(&self, rule: Option<&str>) -> Result<Vec<RunRow>> {
        Err(missing("DenylistRows::autoblock_runs"))
    }
    fn bouncer_insert(
        &self,
        name: &str,
        key_hash: &str,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<()> {
        Err(missing("DenylistRows::bouncer_insert"))
    }
    fn bouncer_by_key_hash(&self, key_hash: &str) -> Result<Option<Bouncer>> {
        Err(missing("DenylistRows::bouncer_by_key_hash"))
    }
    fn bouncer_list(&self) -> Result<Vec<Bouncer>> {
        Err(missing("DenylistRows::bouncer_list"))
    }
    fn bouncer_delete(&self, name: &str) -> Result<()> {
        Err(missing("DenylistRows::bouncer_delete"))
    }
    fn bouncer_set_cursor(&self, name: &str, c: &Cursor, now: &DateTime<Utc>) -> Result<()> {
        Err(missing("DenylistRows::bouncer_set_cursor"))
    }
}
// END DenylistRows

// BEGIN NotifyRows
impl NotifyRows for PgDb {
    fn notify_rules(&self) -> Result<Vec<NotificationRule>> {
        Err(missing("NotifyRows::notify_rules"))
    }
    fn find_notify_rule(&self, id_or_name: &str) -> Result<Option<NotificationRule>> {
        Err(missing("NotifyRows::find_notify_rule"))
    }
    fn insert_notify_rule(&self, r: &NotificationRule) -> Result<()> {
        Err(missing("NotifyRows::insert_notify_rule"))
    }
    fn update_notify_rule(
        &self,
        r: &NotificationRule,
        expected_version: i64,
    ) -> Result<NotificationRule> {
        Err(missing("NotifyRows::update_notify_rule"))
    }
    fn delete_notify_rule(&self, id: &str) -> Result<()> {
        Err(missing("NotifyRows::delete_notify_rule"))
    }
    fn enqueue_delivery(&self, d: &NewDelivery, now: DateTime<Utc>) -> Result<bool> {
        Err(missing("NotifyRows::enqueue_delivery"))
    }
    fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        p: &Policy,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        Err(missing("NotifyRows::claim_due_deliveries"))
    }
    fn record_delivery(
        &self,
        id: i64,
        o: &SendOutcome,
        now: DateTime<Utc>,
        p: &Policy,
    ) -> Result<crate::notify::queue::DeliveryState> {
        Err(missing("NotifyRows::record_delivery"))
    }
    fn list_deliveries(&self, failed_only: bool, limit: usize) -> Result<Vec<Delivery>> {
        Err(missing("NotifyRows::list_deliveries"))
    }
    fn get_delivery(&self, id: i64) -> Result<Option<Delivery>> {
        Err(missing("NotifyRows::get_delivery"))
    }
    fn delivery_attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>> {
        Err(missing("NotifyRows::delivery_attempts"))
    }
    fn retry_deliveries_now(&self, dead: bool, now: DateTime<Utc>) -> Result<usize> {
        Err(missing("NotifyRows::retry_deliveries_now"))
    }
    fn pending_deliveries(&self) -> Result<u64> {
        Err(missing("NotifyRows::pending_deliveries"))
    }
    fn next_delivery_due(&self) -> Result<Option<DateTime<Utc>>> {
        Err(missing("NotifyRows::next_delivery_due"))
    }
}
// END NotifyRows
