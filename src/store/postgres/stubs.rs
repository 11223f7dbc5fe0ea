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

// BEGIN CaseRows
impl CaseRows for PgDb {
    fn next_case_number(&self) -> Result<i64> {
        Err(missing("CaseRows::next_case_number"))
    }
    fn insert_case(&self, c: &Case) -> Result<()> {
        Err(missing("CaseRows::insert_case"))
    }
    fn update_case(&self, c: &Case) -> Result<()> {
        Err(missing("CaseRows::update_case"))
    }
    fn link_case_signal(
        &self,
        case_id: &str,
        signal_id: &str,
        by: &str,
        at: &DateTime<Utc>,
    ) -> Result<()> {
        Err(missing("CaseRows::link_case_signal"))
    }
    fn add_case_comment(&self, case_id: &str, c: &CaseComment) -> Result<()> {
        Err(missing("CaseRows::add_case_comment"))
    }
    fn get_case(&self, key_or_id: &str) -> Result<Option<Case>> {
        Err(missing("CaseRows::get_case"))
    }
    fn list_cases(&self) -> Result<Vec<Case>> {
        Err(missing("CaseRows::list_cases"))
    }
    fn case_keys_for_signal(&self, signal_id: &str) -> Result<Vec<String>> {
        Err(missing("CaseRows::case_keys_for_signal"))
    }
}
// END CaseRows

// BEGIN IncidentRows
impl IncidentRows for PgDb {
    fn next_incident_id(&self) -> Result<i64> {
        Err(missing("IncidentRows::next_incident_id"))
    }
    fn insert_incident(&self, i: &Incident) -> Result<()> {
        Err(missing("IncidentRows::insert_incident"))
    }
    fn update_incident(&self, i: &Incident) -> Result<()> {
        Err(missing("IncidentRows::update_incident"))
    }
    fn link_incident_signal(
        &self,
        incident_id: &str,
        signal_id: &str,
        by: &str,
        at: &DateTime<Utc>,
    ) -> Result<()> {
        Err(missing("IncidentRows::link_incident_signal"))
    }
    fn unlink_incident_signal(&self, incident_id: &str, signal_id: &str) -> Result<()> {
        Err(missing("IncidentRows::unlink_incident_signal"))
    }
    fn get_incident(&self, id: &str) -> Result<Option<Incident>> {
        Err(missing("IncidentRows::get_incident"))
    }
    fn list_incidents(&self) -> Result<Vec<Incident>> {
        Err(missing("IncidentRows::list_incidents"))
    }
}
// END IncidentRows
