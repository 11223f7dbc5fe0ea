//! The denylist seen from the edge: what is blocked, what may never be blocked, how automated rules
//! decide what to block, and how the active entries are handed to the enforcement points people
//! already run (CrowdSec bouncers, nginx, nftables, ipset, AWS WAF, Cloudflare, the vendor tracers).
//!
//! Everything here is pure: values in, values out, `now` passed in. The engine owns the store and
//! the commands; this module owns the rules about blocking values and the wire formats.
pub mod address;
pub mod allowlist;
pub mod autoblock;
pub mod config;
pub mod decision_filter;
pub mod decisions;
pub mod dry_run;
pub mod duration;
pub mod entry;
pub mod escalation;
pub mod export;
pub mod records;

pub use allowlist::{AllowEntry, Allowlist};
pub use autoblock::{
    dry_run, plan, AutoblockRule, BlockWhat, Decision, Matcher, PlannedBlock, Run,
};
pub use decision_filter::DecisionFilter;
pub use decisions::{stream, Cursor, DecisionStream};
pub use entry::{BlockValue, DenyEntry, HistoryAction, HistoryEvent, ValueKind};
pub use escalation::escalated;
pub use export::{render, ExportFormat, ExportOptions, Rendered};
pub use records::{key_hash, Bouncer, RunRow};
