//! Full-pane lists that replace the stream for a while: the denylist (`:blocks`), the
//! notification rules (`:notify`) and a remote's refused changes (`:conflicts`). State only; `update` changes it and `view::lists` draws it.
use super::backend::{ConflictRow, NotifyRuleRow};
use super::editor::LineEditor;
use crate::model::Block;

#[derive(Clone, Debug)]
pub enum Overlay {
    Blocks(BlocksView),
    Notify(NotifyView),
    Conflicts(ConflictsView),
    /// `:messages`: every message shown, newest first, whole.
    Messages(MessagesView),
    /// `:cases`: the cases; Enter opens one with its signals and comments.
    Cases(RecordsView<crate::model::Case>),
    /// `:incidents`: the incidents; Enter opens one with its signals.
    Incidents(RecordsView<crate::model::Incident>),
}

/// A list of cases or incidents, one of which may be open.
#[derive(Clone, Debug)]
pub struct RecordsView<T> {
    pub rows: Vec<T>,
    pub cursor: usize,
    pub loading: bool,
    /// The one open (Enter), scrolled by `scroll` lines.
    pub open: bool,
    pub scroll: u16,
}

impl<T> Default for RecordsView<T> {
    fn default() -> Self {
        RecordsView {
            rows: Vec::new(),
            cursor: 0,
            loading: true,
            open: false,
            scroll: 0,
        }
    }
}

impl<T> RecordsView<T> {
    pub fn selected(&self) -> Option<&T> {
        self.rows.get(self.cursor)
    }
}

#[derive(Clone, Debug, Default)]
pub struct MessagesView {
    /// Messages skipped from the newest.
    pub scroll: usize,
}

#[derive(Clone, Debug, Default)]
pub struct BlocksView {
    pub rows: Vec<Block>,
    pub filter: LineEditor,
    /// `/` was pressed: keys go into the filter until Enter or Esc.
    pub filtering: bool,
    /// Index into the filtered rows.
    pub cursor: usize,
    /// Lifted and expired entries too (`a`).
    pub all: bool,
    pub loading: bool,
    /// The block id awaiting a lift confirmation.
    pub confirm: Option<i64>,
}

impl BlocksView {
    /// The rows the filter keeps; it matches value, kind, reason, author and signal, ignoring case.
    pub fn visible(&self) -> Vec<&Block> {
        let f = self.filter.text.trim().to_lowercase();
        self.rows
            .iter()
            .filter(|b| {
                f.is_empty()
                    || [
                        b.value.as_str(),
                        b.kind.as_str(),
                        b.reason.as_deref().unwrap_or(""),
                        b.created_by.as_str(),
                        b.signal_id.as_deref().unwrap_or(""),
                    ]
                    .iter()
                    .any(|s| s.to_lowercase().contains(&f))
            })
            .collect()
    }

    pub fn selected(&self) -> Option<&Block> {
        self.visible().get(self.cursor).copied()
    }
}

#[derive(Clone, Debug, Default)]
pub struct NotifyView {
    pub rules: Vec<NotifyRuleRow>,
    pub cursor: usize,
    pub loading: bool,
}

#[derive(Clone, Debug, Default)]
pub struct ConflictsView {
    pub rows: Vec<ConflictRow>,
    pub cursor: usize,
    pub loading: bool,
}

impl ConflictsView {
    pub fn selected(&self) -> Option<&ConflictRow> {
        self.rows.get(self.cursor)
    }
}
