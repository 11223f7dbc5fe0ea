//! Plain data types, vendor-compatible JSON, no I/O.
pub mod json;
pub mod signal;
pub mod triage;
pub mod user;

pub use signal::{AttackAttempt, Rule, Severity, Signal};
pub use triage::{ArchiveReason, Assignee, Triage, TriageState};
pub use user::{Permission, Role, User};
