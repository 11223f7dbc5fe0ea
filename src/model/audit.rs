//! The append-only audit log: one event per change, with who, when, what and the before/after values.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Action names recorded in `AuditEvent::action`; stable strings, since scripts and the change feed
/// read them.
pub mod actions {
    pub const SIGNAL_STATE: &str = "signal.state";
    pub const SIGNAL_ASSIGN: &str = "signal.assign";
    pub const SIGNAL_UNASSIGN: &str = "signal.unassign";
    /// A producer's batch of detections (one event per batch, for the change feed).
    pub const SIGNAL_INGEST: &str = "signal.ingest";
    pub const CASE_CREATE: &str = "case.create";
    pub const CASE_ADD_SIGNALS: &str = "case.add_signals";
    pub const CASE_STATUS: &str = "case.status";
    pub const CASE_COMMENT: &str = "case.comment";
    pub const CASE_PRIORITY: &str = "case.priority";
    pub const CASE_ASSIGN: &str = "case.assign";
    pub const SIGNAL_INCIDENTS: &str = "signal.incidents";
    pub const INCIDENT_DECLARE: &str = "incident.declare";
    pub const INCIDENT_ADD_SIGNALS: &str = "incident.add_signals";
    pub const INCIDENT_STATE: &str = "incident.state";
    pub const BLOCK_MADE: &str = "block.made";
    pub const BLOCK_EXTENDED: &str = "block.extended";
    pub const BLOCK_LIFTED: &str = "block.lifted";
    pub const USER_ADD: &str = "user.add";
    pub const USER_BOOTSTRAP: &str = "user.bootstrap";
    pub const WORKFLOW_RUN: &str = "workflow.run";
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Strictly increasing across the store: the change feed resumes from the last seq it saw.
    pub seq: i64,
    pub time: DateTime<Utc>,
    /// The acting user's handle.
    pub actor: String,
    pub action: String,
    /// `signal`, `case`, `incident`, `block` or `user`.
    pub target_type: String,
    pub target_id: String,
    /// Every signal the change touched, so a signal's timeline finds case, incident and block events too.
    pub signal_ids: Vec<String>,
    pub before: Value,
    pub after: Value,
}

/// Which audit events `audit list` reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    /// The acting user's handle.
    pub actor: Option<String>,
    /// `signal`, `case`, `user`, `api_key`...
    pub target_type: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// The newest this many; `None` means all.
    pub limit: Option<usize>,
}
