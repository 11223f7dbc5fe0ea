//! What `LocalBackend` reads from the store and shows from the index: stored signals parsed and
//! prepared for the index a page at a time, and a search's matches as the stream's rows.
use super::backend::{Row, RowSource};
use super::text::SafeText;
use crate::engine;
use crate::error::Result;
use crate::query::{self, PreparedSignal, SignalIndex};
use std::sync::{Arc, RwLock};

/// Where a newest-first read stopped: the last `(ts, id)` read.
pub(super) type Cursor = (i64, String);

/// A chunk of signals ready for the index, the cursor after it, and how many rows were read
/// (unreadable ones included).
pub(super) type Chunk = (Vec<PreparedSignal>, Option<Cursor>, usize);

/// The next `limit` signals, newest first, after `after`.
pub(super) fn read_chunk(
    reads: &engine::Reads,
    after: Option<&Cursor>,
    limit: usize,
) -> Result<Chunk> {
    let page = reads.signal_page(after, limit)?;
    let read = page.rows.len();
    Ok((engine::live::parse_all(&page.rows), page.next, read))
}

pub(super) fn row_of(v: &query::RowView<'_>) -> Row {
    let attackers = match (v.attacker, v.attackers) {
        (Some(a), n) if n > 1 => format!("{a} +{}", n - 1),
        (Some(a), _) => a.to_string(),
        (None, _) => String::new(),
    };
    Row {
        id: Arc::from(v.id),
        id_text: SafeText::new(v.id),
        timestamp: v.timestamp,
        severity: v.severity,
        title: SafeText::new(v.title),
        service: SafeText::new(v.service),
        attackers: SafeText::new(&attackers),
        state: v.state,
        assignee: v.assignee.map(SafeText::new),
        last_seen: v.last_seen,
    }
}

/// The matches of a search over `index`, as the stream's rows (benchmarks build them directly).
pub fn index_rows(index: Arc<RwLock<SignalIndex>>, matches: Vec<u32>) -> Arc<dyn RowSource> {
    Arc::new(IndexRows { index, matches })
}

/// Matches as row numbers into the shared index; rows are read (and cleaned) when drawn.
pub(super) struct IndexRows {
    pub(super) index: Arc<RwLock<SignalIndex>>,
    pub(super) matches: Vec<u32>,
}

impl RowSource for IndexRows {
    fn len(&self) -> usize {
        self.matches.len()
    }

    fn row(&self, i: usize) -> Option<Row> {
        let r = *self.matches.get(i)?;
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index.row(r).map(|v| row_of(&v))
    }

    fn position(&self, id: &str) -> Option<usize> {
        let r = self
            .index
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .row_of(id)?;
        self.matches.iter().position(|&m| m == r)
    }
}
