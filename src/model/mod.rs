//! Plain data types, vendor-compatible JSON, no I/O.
pub mod audit;
pub mod block;
pub mod case;
pub mod incident;
pub mod json;
pub mod key;
pub mod signal;
pub mod triage;
pub mod user;

pub use audit::{AuditEvent, AuditFilter};
pub use block::{Block, BlockEvent, BlockEventKind, BlockKind};
pub use case::{Case, CaseComment, CasePriority, CaseStatus};
pub use incident::{Incident, IncidentSeverity, IncidentState};
pub use key::KeyInfo;
pub use signal::{AttackAttempt, Rule, Severity, Signal};
pub use triage::{ArchiveReason, Assignee, Triage, TriageState};
pub use user::{Permission, Role, User};
