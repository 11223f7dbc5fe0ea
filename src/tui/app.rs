//! The explorer's whole state. `update` changes it, the views only read it.
use super::backend::{ChangeKind, Choice, QueryError, Row, SearchResult, TimeRange};
use super::detail::DetailView;
use super::editor::LineEditor;
use super::form::Form;
use super::keys::KeyMap;
use super::theme::Theme;
use super::views::SavedView;
use crate::model::User;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Facets,
    Stream,
    Side,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Flow,
    Activity,
    Rule,
    Related,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Flow, Tab::Activity, Tab::Rule, Tab::Related];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Flow => "Attack Flow",
            Tab::Activity => "Activity Summary",
            Tab::Rule => "Rule Details",
            Tab::Related => "Related",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Tab::Flow => "Flow",
            Tab::Activity => "Activity",
            Tab::Rule => "Rule",
            Tab::Related => "Related",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// Knobs that come from the command line and the config.
#[derive(Clone, Debug)]
pub struct Options {
    pub read_only: bool,
    pub mouse: bool,
    pub range: TimeRange,
    pub query: String,
    pub keys: KeyMap,
    pub theme: Theme,
    pub views: Vec<SavedView>,
    /// Where `:save` writes; `None` disables saving.
    pub can_save: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            read_only: false,
            mouse: false,
            range: TimeRange::All,
            query: String::new(),
            keys: KeyMap::default(),
            theme: Theme::new(super::theme::Palette::Ansi16),
            views: super::views::defaults(None),
            can_save: false,
        }
    }
}

pub struct App {
    pub now: DateTime<Utc>,
    pub width: u16,
    pub height: u16,
    pub opts: Options,

    // Search.
    pub editor: LineEditor,
    pub editing: bool,
    /// The query bar's text when `/` began the edit, which Esc brings back.
    pub edit_origin: Option<String>,
    /// The query whose results are on screen.
    pub query: String,
    pub range: TimeRange,
    pub query_error: Option<QueryError>,
    /// The query text the error belongs to (the error underline is only drawn on it).
    pub error_query: String,
    pub completion: Option<(usize, Vec<String>, usize)>,
    /// Every facet value seen so far, by query key, for Tab completion (a narrowed search must not
    /// make the other values unreachable).
    pub known_values: std::collections::BTreeMap<String, Vec<String>>,
    pub search_gen: u64,
    pub searching: bool,

    // Stream.
    pub results: SearchResult,
    /// The rows on screen (offset..offset+page), built when they come into view.
    pub window: Vec<Row>,
    pub selected: usize,
    pub offset: usize,
    pub selected_id: Option<Arc<str>>,
    pub marked: HashSet<Arc<str>>,
    pub sort: super::sort::Sort,
    /// `p`: the side panel hidden, giving its columns to the stream.
    pub panel_hidden: bool,

    // Facets: one cursor over all values of all facets.
    pub facet_cursor: usize,
    /// The (key, value) the facet cursor is on, so that it follows its value across searches.
    pub facet_value: Option<(String, String)>,
    /// The user's `f` choice; `None` follows the width.
    pub facets_shown: Option<bool>,

    pub focus: Pane,
    /// Below 100 columns the side panel is a full screen, opened with Enter.
    pub side_open: bool,
    pub tab: Tab,
    pub detail: Option<Arc<DetailView>>,
    pub detail_gen: u64,
    pub detail_loading: bool,
    pub side_scroll: u16,
    pub related_cursor: usize,

    pub form: Option<Form>,
    pub palette: Option<LineEditor>,
    pub palette_history: Vec<String>,
    pub help: bool,
    /// Lines the `?` help is scrolled down by.
    pub help_scroll: u16,
    /// A full-pane list (`:blocks`, `:notify`) over the stream.
    pub overlay: Option<super::lists::Overlay>,
    pub workflows: Vec<super::backend::WorkflowInfo>,
    /// The inputs form of the workflow now running, to reopen with the problems if it is refused.
    pub workflow_form: Option<Form>,
    /// Steps of the running workflow so far.
    pub workflow_steps: Vec<super::backend::WorkflowStep>,
    pub message: Option<(Level, String)>,
    /// Every message shown, oldest first, for `:messages` (the status line cuts them).
    pub messages: Vec<(DateTime<Utc>, Level, String)>,
    /// The form and change sent last, until its answer: a refusal reopens the form, a refused
    /// batch can be applied to the rest.
    pub sent: Option<(Form, super::backend::Change)>,
    /// Triage metrics: the histogram, the `:stats` screen, SLA marks.
    pub stats: super::stats::StatsPane,

    pub live: bool,
    pub generation: u64,
    pub permissions: HashMap<ChangeKind, Result<(), String>>,
    pub acting: Option<String>,
    pub sync: Option<super::backend::SyncLine>,
    pub users: Vec<User>,
    pub cases: Vec<Choice>,
    pub incidents: Vec<Choice>,
    pub quit: bool,
}

impl App {
    pub fn new(opts: Options, now: DateTime<Utc>, width: u16, height: u16) -> App {
        let query = opts.query.clone();
        App {
            now,
            width,
            height,
            editor: LineEditor::new(&query),
            editing: false,
            edit_origin: None,
            query,
            range: opts.range,
            query_error: None,
            error_query: String::new(),
            completion: None,
            known_values: Default::default(),
            search_gen: 0,
            searching: false,
            results: SearchResult::default(),
            window: Vec::new(),
            selected: 0,
            offset: 0,
            selected_id: None,
            marked: HashSet::new(),
            sort: Default::default(),
            panel_hidden: false,
            facet_cursor: 0,
            facet_value: None,
            facets_shown: None,
            focus: Pane::Stream,
            side_open: false,
            tab: Tab::Flow,
            detail: None,
            detail_gen: 0,
            detail_loading: false,
            side_scroll: 0,
            related_cursor: 0,
            form: None,
            palette: None,
            palette_history: Vec::new(),
            help: false,
            help_scroll: 0,
            overlay: None,
            workflows: Vec::new(),
            workflow_form: None,
            workflow_steps: Vec::new(),
            message: None,
            messages: Vec::new(),
            sent: None,
            stats: Default::default(),
            live: true,
            generation: 0,
            permissions: HashMap::new(),
            acting: None,
            sync: None,
            users: Vec::new(),
            cases: Vec::new(),
            incidents: Vec::new(),
            quit: false,
            opts,
        }
    }

    pub fn row_count(&self) -> usize {
        self.results.rows.len()
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.window.get(self.selected.checked_sub(self.offset)?)
    }

    /// What actions apply to: the marked signals (in stream order), else the selected one.
    pub fn targets(&self) -> Vec<String> {
        if !self.marked.is_empty() {
            let mut v: Vec<(usize, &Arc<str>)> = self
                .marked
                .iter()
                .map(|id| (self.results.rows.position(id).unwrap_or(usize::MAX), id))
                .collect();
            v.sort();
            return v.into_iter().map(|(_, id)| id.to_string()).collect();
        }
        self.selected_row()
            .map(|r| vec![r.id.to_string()])
            .unwrap_or_default()
    }

    /// Why an action is unavailable, if it is.
    pub fn refusal(&self, kind: ChangeKind) -> Option<String> {
        if self.opts.read_only {
            return Some("read-only mode".into());
        }
        match self.permissions.get(&kind) {
            Some(Err(p)) => Some(format!("needs {p}")),
            _ => None,
        }
    }

    pub fn info(&mut self, s: impl Into<String>) {
        self.say(Level::Info, s.into());
    }

    pub fn error(&mut self, s: impl Into<String>) {
        self.say(Level::Error, s.into());
    }

    fn say(&mut self, level: Level, s: String) {
        // Progress notes are not history.
        if s != "applying…" {
            self.messages.push((self.now, level, s.clone()));
            if self.messages.len() > 500 {
                self.messages.remove(0);
            }
        }
        self.message = Some((level, s));
    }

    /// Facet values flattened, for the facet cursor: (facet index, value index).
    pub fn facet_items(&self) -> Vec<(usize, usize)> {
        self.results
            .facets
            .iter()
            .enumerate()
            .flat_map(|(fi, f)| (0..f.values.len()).map(move |vi| (fi, vi)))
            .collect()
    }
}
