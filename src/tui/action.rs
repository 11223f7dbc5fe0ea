//! What can happen to the explorer (actions) and what it asks the outside world to do (effects).
//! Keys, the `:` palette, background results and tests all speak in actions.
use super::backend::{Change, ChangeKind, Choice, SearchRequest, SearchResult};
use super::detail::DetailView;
use super::keys::Cmd;
use super::views::SavedView;
use crate::model::User;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Keys while typing into a line (query bar, palette, a dialog's text or filter).
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    Insert(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    Up,
    Down,
    Complete,
    BackTab,
    Submit,
    Cancel,
    /// Readline's Ctrl-U: delete from the start of the line to the cursor.
    KillStart,
    /// Ctrl-K: delete from the cursor to the end of the line.
    KillEnd,
    /// Ctrl-W: delete the word before the cursor.
    KillWord,
}

#[derive(Clone, Debug)]
pub enum Action {
    /// A key press, turned into one of the other actions by `update::on_key`.
    Key(crossterm::event::KeyEvent),
    Cmd(Cmd),
    Edit(Edit),
    /// Ctrl-C: quit from anywhere.
    ForceQuit,
    Resize(u16, u16),
    /// Half a second has passed: ask whether the store changed and how its sync is (live mode
    /// searches again on a change).
    Tick(DateTime<Utc>),
    /// A line from the `:` palette (without the colon).
    Run(String),
    SearchDone {
        gen: u64,
        query: String,
        result: Result<SearchResult, String>,
    },
    DetailDone {
        gen: u64,
        result: Result<Option<Arc<DetailView>>, String>,
    },
    Applied(Result<String, String>),
    /// A refused batch applied one signal at a time: each signal's id and outcome.
    AppliedEach(Vec<(String, Result<String, String>)>),
    Users(Vec<User>),
    Cases(Vec<Choice>),
    Incidents(Vec<Choice>),
    Permissions(Vec<(ChangeKind, Result<(), String>)>, Option<String>),
    /// The backend's generation and sync state, polled every second.
    Generation(u64, Option<super::backend::SyncLine>),
    ViewSaved(Result<String, String>),
    Blocks(Result<Vec<crate::model::Block>, String>),
    NotifyRules(Result<Vec<super::backend::NotifyRuleRow>, String>),
    Conflicts(Result<Vec<super::backend::ConflictRow>, String>),
    CaseList(Result<Vec<crate::model::Case>, String>),
    IncidentList(Result<Vec<crate::model::Incident>, String>),
    ConflictDismissed(Result<String, String>),
    Workflows(Result<Vec<super::backend::WorkflowInfo>, String>),
    /// A step of the running workflow finished.
    WorkflowStep(super::backend::WorkflowStep),
    WorkflowDone(Result<super::backend::WorkflowOutcome, super::backend::WorkflowRefusal>),
    StatsDone {
        gen: u64,
        result: Result<Arc<crate::query::Stats>, String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Search {
        gen: u64,
        req: SearchRequest,
        /// The stream's order, applied to the answer before it comes back.
        sort: super::sort::Sort,
    },
    Detail {
        gen: u64,
        id: String,
    },
    Apply(Change),
    /// One change per signal, each applied on its own (a refusal skips only that signal).
    ApplyEach(Vec<(String, Change)>),
    LoadUsers,
    LoadCases,
    LoadIncidents,
    LoadPermissions,
    PollGeneration,
    Copy(String),
    SaveView(SavedView),
    LoadBlocks {
        include_inactive: bool,
    },
    LoadNotifyRules,
    LoadConflicts,
    LoadCaseList,
    LoadIncidentList,
    DismissConflict(i64),
    LoadWorkflows,
    RunWorkflow {
        name: String,
        signal_id: String,
        inputs: Vec<(String, String)>,
    },
    LoadStats {
        gen: u64,
        req: super::stats::StatsRequest,
    },
}
