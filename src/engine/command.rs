//! Commands as values: what a face asks the engine to do, and what the engine answers.
use crate::model::{
    ArchiveReason, Block, Case, CasePriority, CaseStatus, Incident, IncidentSeverity,
    IncidentState, Role, Signal, TriageState, User,
};
use chrono::TimeDelta;

/// A signal named by a command, with the version the caller loaded when it has one: a change naming
/// an older version than the store's is refused (optimistic concurrency).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalRef {
    pub id: String,
    pub version: Option<i64>,
}

impl SignalRef {
    pub fn new(id: impl Into<String>) -> SignalRef {
        SignalRef {
            id: id.into(),
            version: None,
        }
    }

    pub fn at(id: impl Into<String>, version: i64) -> SignalRef {
        SignalRef {
            id: id.into(),
            version: Some(version),
        }
    }

    /// Refs for several ids sharing one optional version (the CLI's `--if-version`).
    pub fn many(ids: &[String], version: Option<i64>) -> Vec<SignalRef> {
        ids.iter()
            .map(|id| SignalRef {
                id: id.clone(),
                version,
            })
            .collect()
    }
}

/// The engine's version rule: a change based on version `seen` is stale once the stored signal is
/// at a higher version. (Equal is current: a version only moves up, never sideways.)
pub fn stale(seen: i64, stored: i64) -> bool {
    stored > seen
}

/// How long a block lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockFor {
    Duration(TimeDelta),
    Permanent,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewCase {
    pub signals: Vec<SignalRef>,
    pub title: String,
    pub description: String,
    pub priority: CasePriority,
    /// A user's handle, email or uuid.
    pub assignee: Option<String>,
    /// Archive the signals with `investigated_case_opened` in the same transaction.
    pub archive_signals: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewIncident {
    pub signals: Vec<SignalRef>,
    pub title: String,
    pub severity: IncidentSeverity,
    /// The incident commander: a user's handle, email or uuid.
    pub commander: Option<String>,
    pub customer_impacted: bool,
    pub state: IncidentState,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Move signals to a triage state; several signals change together or not at all.
    SetState {
        signals: Vec<SignalRef>,
        to: TriageState,
        reason: Option<ArchiveReason>,
        comment: Option<String>,
    },
    Assign {
        signals: Vec<SignalRef>,
        /// A user's handle, email or uuid.
        user: String,
    },
    Unassign {
        signals: Vec<SignalRef>,
    },
    CreateCase(NewCase),
    AddToCase {
        /// `SEC-12`, `12` or the case uuid.
        case: String,
        signals: Vec<SignalRef>,
        archive_signals: bool,
    },
    SetCaseStatus {
        case: String,
        status: CaseStatus,
    },
    CommentCase {
        case: String,
        text: String,
    },
    SetCasePriority {
        case: String,
        priority: CasePriority,
    },
    /// Assign a case to a user (handle, email or uuid), or unassign it with `None`.
    AssignCase {
        case: String,
        user: Option<String>,
    },
    DeclareIncident(NewIncident),
    AddToIncident {
        /// `IR-7`, `7` or the incident uuid.
        incident: String,
        signals: Vec<SignalRef>,
    },
    SetIncidentState {
        incident: String,
        state: IncidentState,
    },
    /// Replace the set of incidents a signal is linked to (the vendor's `PATCH .../incidents`):
    /// public ids of existing incidents.
    SetSignalIncidents {
        signal: SignalRef,
        incident_ids: Vec<i64>,
    },
    /// Block IP addresses or CIDR ranges.
    BlockIps {
        values: Vec<String>,
        duration: BlockFor,
        reason: Option<String>,
        signal_id: Option<String>,
    },
    BlockUsers {
        values: Vec<String>,
        duration: BlockFor,
        reason: Option<String>,
        signal_id: Option<String>,
    },
    /// Block every attacking IP of a signal, skipping those already blocked.
    BlockAttackers {
        signal_id: String,
        duration: BlockFor,
        reason: Option<String>,
    },
    /// Lift a block, named by its id or its value.
    Unblock {
        target: String,
    },
    AddUser {
        email: String,
        role: Role,
        name: Option<String>,
    },
}

impl Command {
    /// The command's name, as refusals and logs print it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::SetState { .. } => "set state",
            Command::Assign { .. } => "assign",
            Command::Unassign { .. } => "unassign",
            Command::CreateCase(_) => "create case",
            Command::AddToCase { .. } => "add to case",
            Command::SetCaseStatus { .. } => "set case status",
            Command::CommentCase { .. } => "comment case",
            Command::SetCasePriority { .. } => "set case priority",
            Command::AssignCase { .. } => "assign case",
            Command::DeclareIncident(_) => "declare incident",
            Command::AddToIncident { .. } => "add to incident",
            Command::SetIncidentState { .. } => "set incident state",
            Command::SetSignalIncidents { .. } => "set signal incidents",
            Command::BlockIps { .. } => "block IPs",
            Command::BlockUsers { .. } => "block users",
            Command::BlockAttackers { .. } => "block attackers",
            Command::Unblock { .. } => "unblock",
            Command::AddUser { .. } => "add user",
        }
    }
}

/// What a command changed. Objects are returned as they are after the change.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub signals: Vec<Signal>,
    pub case: Option<Case>,
    pub incident: Option<Incident>,
    pub blocks: Vec<Block>,
    pub user: Option<User>,
    /// What was asked but left as it was, and why (already in that state, already blocked...).
    pub skipped: Vec<String>,
    /// The seqs of the audit events this command appended, in order.
    pub events: Vec<i64>,
    /// Those events themselves, as appended: what the answer to the change can be built from
    /// without reading them back.
    pub audited: Vec<crate::model::AuditEvent>,
}

impl Outcome {
    /// One line saying what changed, for a status line or a toast.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        match self.signals.as_slice() {
            [] => {}
            [s] => parts.push(format!(
                "signal {} {} (version {})",
                s.id,
                s.triage.state.label(),
                s.version
            )),
            many => parts.push(format!("{} signals changed", many.len())),
        }
        if let Some(c) = &self.case {
            parts.push(format!("case {} {}", c.key, c.status.label()));
        }
        if let Some(i) = &self.incident {
            parts.push(format!("incident {} {}", i.display_id(), i.state));
        }
        match self.blocks.as_slice() {
            [] => {}
            [b] => parts.push(format!("block {} on {}", b.id, b.value)),
            many => parts.push(format!("{} blocks", many.len())),
        }
        if let Some(u) = &self.user {
            parts.push(format!("user {} ({})", u.handle, u.role));
        }
        if !self.skipped.is_empty() {
            parts.push(format!("{} unchanged", self.skipped.len()));
        }
        if parts.is_empty() {
            "nothing changed".into()
        } else {
            parts.join("; ")
        }
    }
}
