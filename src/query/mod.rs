//! The Signals Explorer search syntax (`docs/api.md`, "Query syntax"): lexer and parser to an AST
//! with byte positions, evaluation on a signal, time ranges, and an in-memory index that filters
//! and counts facets over a million signals per keystroke.
//!
//! Semantics in brief:
//! - `@path:value` looks in the event (`attributes.custom` / `attributes.attributes`); arrays match
//!   when any element does; an object is not a value. The triage fields (`@workflow.triage.state`,
//!   `.assignee.handle|name|uuid`, `.archive_reason`) are read from the current triage. The
//!   attacker fields `@http.client_ip`, `@network.client.ip`, `@usr.id`, `@appsec.type` answer with
//!   the signal's attackers gathered from the event and its samples; other `samples` paths are not
//!   searchable.
//! - Bare keys: `service`, `env`, `status` (severity; compared by rank: `status:>=high`), `host`,
//!   `source`; any other key is a tag key (`security:attack` matches the tag `security:attack`).
//! - Attribute values match case-sensitively; free text case-insensitively, anywhere in the title,
//!   message, rule name, services, env, host, source, tags, attacker IPs and users, attack types.
//! - `sla:breached` / `sla:ok`: whether the signal stayed untriaged past its severity's target
//!   (`sla.rs`); answered from an `SlaContext` the engine derives from the audit trail.
//! - `id:ID` is the signal's id; a free-text term that is a whole id, as written, finds it too.
//! - Numbers compare as numbers (`@x:>9` matches 10), times as times, other values as text.
mod ast;
mod digits;
mod eval;
mod facets;
mod fields;
pub mod guard;
mod hints;
mod ids;
mod index;
mod intern;
mod lexer;
mod parser;
mod prepare;
mod search;
pub mod sla;
pub mod stats;
mod stats_scan;
mod time;
mod topk;
mod value;

pub use ast::{CmpOp, Expr, Field, Pattern, Piece, Query, Span, Term, TermKind, Value};
pub use facets::{exclude_facet, toggle_facet};
pub use hints::{field_literals, hints, Hint};
pub use index::{
    Facet, RowView, SearchResult, SignalIndex, SnapshotError, SnapshotMeta,
    FORMAT_VERSION as SNAPSHOT_FORMAT_VERSION,
};
pub use parser::parse;
pub use prepare::PreparedSignal;
pub use sla::{SlaConfig, SlaContext, SlaTargets, TriageTimes};
pub use stats::{GroupBy, Stats, StatsParams};
pub use time::{parse_time, TimeRange};
/// Value matching, shared with detection rules' queries over raw events (`detect::matcher`).
pub use value::{match_cidr, match_value, TextMatcher, Val};

use std::fmt;

/// A query that does not parse: what was wrong, and where (for the UI to underline).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// Byte range in the query text.
    pub span: std::ops::Range<usize>,
    /// 1-based character column of the span's start.
    pub column: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.message, self.column)
    }
}

impl std::error::Error for ParseError {}

impl std::str::FromStr for Query {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Query, ParseError> {
        parse(s)
    }
}
