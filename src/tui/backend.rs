//! The narrow facade between the explorer and everything else (store, query index, engine).
//!
//! The UI calls these from background tasks only; every rule (permissions, transitions, the 30-day
//! rule) lives behind it. `LocalBackend` (in `local.rs`) implements it over the real store.
use super::text::SafeText;
use crate::error::Result;
use crate::model::{ArchiveReason, Block, BlockKind, Signal, TriageState, User};
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;

mod range;
mod workflow;
pub use range::{RangePreset, TimeRange};
pub use workflow::{WorkflowInfo, WorkflowInput, WorkflowOutcome, WorkflowRefusal, WorkflowStep};

#[derive(Clone, Debug, PartialEq)]
pub struct SearchRequest {
    pub query: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// One line of the signal stream, cleaned for display when it is built.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The signal id as the store knows it; only ever passed back to the backend.
    pub id: Arc<str>,
    pub id_text: SafeText,
    pub timestamp: DateTime<Utc>,
    pub severity: crate::model::Severity,
    pub title: SafeText,
    pub service: SafeText,
    pub attackers: SafeText,
    pub state: TriageState,
    pub assignee: Option<SafeText>,
    pub last_seen: DateTime<Utc>,
}

impl Row {
    pub fn from_signal(s: &Signal) -> Row {
        let mut attackers: Vec<&str> = s.attacker_ips.iter().map(String::as_str).collect();
        attackers.extend(s.attacker_users.iter().map(String::as_str));
        Row {
            id: Arc::from(s.id.as_str()),
            id_text: SafeText::new(&s.id),
            timestamp: s.timestamp,
            severity: s.severity,
            title: SafeText::new(&s.title),
            service: SafeText::new(s.service()),
            attackers: SafeText::new(&attackers.join(", ")),
            state: s.triage.state,
            assignee: s
                .triage
                .assignee
                .as_ref()
                .map(|a| SafeText::new(a.display())),
            last_seen: s.last_seen,
        }
    }
}

/// A facet: a query key and its values with counts, most frequent first.
#[derive(Clone, Debug, PartialEq)]
pub struct Facet {
    /// What the panel shows ("Signal State").
    pub label: String,
    /// The query key a value is added under (`@workflow.triage.state`, `service`).
    pub key: String,
    pub values: Vec<FacetValue>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FacetValue {
    /// The value as it goes into the query.
    pub raw: String,
    pub text: SafeText,
    pub count: usize,
}

/// Where a query went wrong, in bytes of the query text.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryError {
    pub message: String,
    pub start: usize,
    pub end: usize,
}

/// The matching signals, newest first. Rows are built (and cleaned) only when they are shown, so a
/// million matches cost a list of row numbers, not a million rows.
pub trait RowSource: Send + Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn row(&self, i: usize) -> Option<Row>;
    /// Where the signal with this id is in the list.
    fn position(&self, id: &str) -> Option<usize>;
}

/// Rows held in full (tests, small stores, related signals).
#[derive(Clone, Debug, Default)]
pub struct VecRows(pub Vec<Row>);

impl RowSource for VecRows {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn row(&self, i: usize) -> Option<Row> {
        self.0.get(i).cloned()
    }
    fn position(&self, id: &str) -> Option<usize> {
        self.0.iter().position(|r| &*r.id == id)
    }
}

#[derive(Clone)]
pub struct SearchResult {
    pub rows: Arc<dyn RowSource>,
    pub facets: Vec<Facet>,
    /// Set when the query did not parse; `rows` and `facets` are then empty and ignored.
    pub error: Option<QueryError>,
    /// Advice on a query that parsed but likely says something else than meant (a wildcard inside
    /// quotes); the results stand.
    pub hint: Option<QueryError>,
    /// Signals in the store, whatever the query.
    pub total: usize,
    /// While the store is still being read: (signals read, signals in the store).
    pub loading: Option<(usize, usize)>,
}

impl Default for SearchResult {
    fn default() -> Self {
        SearchResult {
            rows: Arc::new(VecRows::default()),
            facets: Vec::new(),
            error: None,
            hint: None,
            total: 0,
            loading: None,
        }
    }
}

impl std::fmt::Debug for SearchResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchResult")
            .field("rows", &self.rows.len())
            .field("facets", &self.facets.len())
            .field("error", &self.error)
            .field("total", &self.total)
            .finish()
    }
}

/// A triage-timeline entry from the audit trail.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub text: String,
}

/// Whether a value (IP or user) is blocked now.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockState {
    pub value: String,
    /// `None`: not blocked. `Some(None)`: blocked for good. `Some(Some(t))`: blocked until `t`.
    pub blocked: Option<Option<DateTime<Utc>>>,
}

/// The rule catalogue's entry for a rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleInfo {
    pub condition: String,
    pub description: String,
    pub runbook: String,
}

/// Everything the side panel shows for one signal, loaded in one go.
#[derive(Clone, Debug)]
pub struct Detail {
    pub signal: Signal,
    pub service_owner: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    pub blocks: Vec<BlockState>,
    pub rule: Option<RuleInfo>,
    pub related: Vec<Row>,
    /// The cases and incidents the signal is in (`SEC-3`, `IR-7`, with titles).
    pub cases: Vec<Choice>,
    pub incidents: Vec<Choice>,
}

/// A case or an incident that a signal can be added to.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub id: String,
    pub title: String,
}

/// A change the analyst asks for; the backend checks it and applies it, or says why not.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Assign {
        ids: Vec<String>,
        /// A user's uuid; `None` unassigns.
        user: Option<String>,
        /// The version the analyst was looking at (one signal, side panel loaded): a change made
        /// since by someone else turns this into a conflict instead of a silent overwrite.
        version: Option<i64>,
    },
    SetState {
        ids: Vec<String>,
        state: TriageState,
        reason: Option<ArchiveReason>,
        comment: Option<String>,
        version: Option<i64>,
    },
    NewCase {
        ids: Vec<String>,
        title: String,
        description: String,
        priority: String,
        /// A user's uuid.
        assignee: Option<String>,
    },
    AddToCase {
        ids: Vec<String>,
        case_id: String,
    },
    NewIncident {
        ids: Vec<String>,
        title: String,
        severity: String,
        commander: Option<String>,
        customer_impacted: bool,
    },
    AddToIncident {
        ids: Vec<String>,
        incident_id: String,
    },
    /// Block every attacking IP of these signals; `None` blocks for good.
    BlockIps {
        ids: Vec<String>,
        duration: Option<TimeDelta>,
    },
    /// Block every attacking (authenticated) user of these signals.
    BlockUsers {
        ids: Vec<String>,
        duration: Option<TimeDelta>,
    },
    /// Block one denylist value again for `duration` from now (`None`: for good); the engine
    /// extends the entry in force instead of adding a second one.
    ExtendBlock {
        kind: BlockKind,
        value: String,
        duration: Option<TimeDelta>,
    },
    /// Lift a block, by its id.
    Unblock {
        id: i64,
    },
}

/// The status line's sync part: its text, and whether it needs the analyst (offline, refused
/// changes), which the backend knows from its state rather than the view guessing from the text.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncLine {
    pub text: String,
    pub alert: bool,
}

impl SyncLine {
    /// A line that needs nothing from the analyst ("local", "synced").
    pub fn calm(text: impl Into<String>) -> SyncLine {
        SyncLine {
            text: text.into(),
            alert: false,
        }
    }
}

/// A notification rule as the explorer shows it: targets already masked by the notify module.
#[derive(Clone, Debug, PartialEq)]
pub struct NotifyRuleRow {
    pub name: String,
    pub enabled: bool,
    /// Empty: every severity.
    pub severities: Vec<String>,
    pub query: String,
    pub targets: Vec<String>,
}

/// A change the remote refused after it left this explorer (a conflict on replay, or a refusal),
/// with both versions: what the analyst asked for and what the remote holds now. Plain text; the
/// view cleans it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConflictRow {
    /// What `dismiss_conflict` takes.
    pub seq: i64,
    pub signal_id: Option<String>,
    /// `state`, `assignee`, `incidents`...
    pub action: String,
    /// True for a conflict (someone changed the signal first); false for a refusal.
    pub conflict: bool,
    /// The analyst's change, e.g. `state under_review`.
    pub mine: String,
    /// The version the analyst's change was based on.
    pub base_version: Option<i64>,
    /// The remote's signal as it is now (`archived (remediated), assigned to bob`), on a conflict.
    pub theirs: Option<String>,
    pub theirs_version: Option<i64>,
    /// The remote's answer.
    pub error: Option<String>,
}

/// The kinds of change, for permission checks and for showing an action disabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Assign,
    SetState,
    Case,
    Incident,
    Block,
    Workflow,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 6] = [
        Self::Assign,
        Self::SetState,
        Self::Case,
        Self::Incident,
        Self::Block,
        Self::Workflow,
    ];
}

impl Change {
    pub fn kind(&self) -> ChangeKind {
        match self {
            Change::Assign { .. } => ChangeKind::Assign,
            Change::SetState { .. } => ChangeKind::SetState,
            Change::NewCase { .. } | Change::AddToCase { .. } => ChangeKind::Case,
            Change::NewIncident { .. } | Change::AddToIncident { .. } => ChangeKind::Incident,
            Change::BlockIps { .. }
            | Change::BlockUsers { .. }
            | Change::ExtendBlock { .. }
            | Change::Unblock { .. } => ChangeKind::Block,
        }
    }

    /// The same change, one signal at a time, for "apply to the rest" after a refused batch.
    /// `None` for changes that must not be split (one new case or incident for all the signals)
    /// or that are not about signals.
    pub fn per_signal(&self) -> Option<Vec<(String, Change)>> {
        let one = |ids: &[String], make: &dyn Fn(Vec<String>) -> Change| {
            ids.iter()
                .map(|id| (id.clone(), make(vec![id.clone()])))
                .collect()
        };
        Some(match self {
            Change::Assign { ids, user, .. } => one(ids, &|ids| Change::Assign {
                ids,
                user: user.clone(),
                version: None,
            }),
            Change::SetState {
                ids,
                state,
                reason,
                comment,
                ..
            } => one(ids, &|ids| Change::SetState {
                ids,
                state: *state,
                reason: *reason,
                comment: comment.clone(),
                version: None,
            }),
            Change::AddToCase { ids, case_id } => one(ids, &|ids| Change::AddToCase {
                ids,
                case_id: case_id.clone(),
            }),
            Change::AddToIncident { ids, incident_id } => one(ids, &|ids| Change::AddToIncident {
                ids,
                incident_id: incident_id.clone(),
            }),
            Change::BlockIps { ids, duration } => one(ids, &|ids| Change::BlockIps {
                ids,
                duration: *duration,
            }),
            Change::BlockUsers { ids, duration } => one(ids, &|ids| Change::BlockUsers {
                ids,
                duration: *duration,
            }),
            _ => return None,
        })
    }
}

/// What the explorer needs from the rest of sigscope. Calls may block (disk, network): the UI makes
/// them from background tasks only.
pub trait Backend: Send + Sync {
    fn search(&self, req: &SearchRequest) -> Result<SearchResult>;
    fn detail(&self, id: &str) -> Result<Option<Detail>>;
    fn users(&self) -> Result<Vec<User>>;
    fn cases(&self) -> Result<Vec<Choice>>;
    fn incidents(&self) -> Result<Vec<Choice>>;
    /// Apply a change; `Ok` carries a one-line summary, `Err` the engine's refusal.
    fn apply(&self, change: &Change) -> Result<String>;
    /// `Err(permission)` names what the acting user lacks for this kind of change.
    fn allowed(&self, kind: ChangeKind) -> std::result::Result<(), String>;
    /// Who is acting, for the status line.
    fn acting(&self) -> Option<String>;
    /// Where the signals come from and how current they are ("local", "synced 3s ago",
    /// "offline, 2 changes waiting"), for the status line.
    fn sync_state(&self) -> Option<SyncLine> {
        None
    }
    /// Start background work that needs the explorer's tokio runtime (a remote's sync); called
    /// once, inside it, before the first frame.
    fn start(&self) {}
    /// Changes the remote refused or that conflicted, for `:conflicts`.
    fn conflicts(&self) -> Result<Vec<ConflictRow>> {
        Ok(Vec::new())
    }
    /// The analyst has read a conflict: drop it from the list. `Ok` carries a one-line summary.
    fn dismiss_conflict(&self, seq: i64) -> Result<String> {
        Err(crate::Error::NotFound(format!("no conflict #{seq} here")))
    }
    /// Bumps whenever the store changes (a write, an import, a sync), so that live mode knows to
    /// search again.
    fn generation(&self) -> u64;
    /// Every case, with its signals and comments (`:cases`).
    fn case_list(&self) -> Result<Vec<crate::model::Case>> {
        Ok(Vec::new())
    }
    /// Every incident, with its signals (`:incidents`).
    fn incident_list(&self) -> Result<Vec<crate::model::Incident>> {
        Ok(Vec::new())
    }
    /// The denylist, newest first; `include_inactive` adds lifted and expired entries.
    fn blocks(&self, _include_inactive: bool) -> Result<Vec<Block>> {
        Ok(Vec::new())
    }
    /// The notification rules, targets masked.
    fn notify_rules(&self) -> Result<Vec<NotifyRuleRow>> {
        Ok(Vec::new())
    }
    /// Triage metrics for a query and range (`:stats`, the histogram, SLA marks).
    fn stats(&self, _req: &super::stats::StatsRequest) -> Result<crate::query::Stats> {
        Err(crate::Error::NotFound(
            "stats are not available here".into(),
        ))
    }
    /// The workflows there are.
    fn workflows(&self) -> Result<Vec<WorkflowInfo>> {
        Ok(Vec::new())
    }
    /// Check and run a workflow on one signal, reporting each step as it finishes; `Ok` is how the
    /// run ended (which may be a failure), `Err` a refusal before anything ran.
    fn run_workflow(
        &self,
        _name: &str,
        _signal_id: &str,
        _inputs: &[(String, String)],
        _on_step: &mut dyn FnMut(WorkflowStep),
    ) -> std::result::Result<WorkflowOutcome, WorkflowRefusal> {
        Err(WorkflowRefusal {
            message: "workflows are not available here".into(),
            inputs: Vec::new(),
        })
    }
}
