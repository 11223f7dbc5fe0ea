//! The explorer's triage metrics: the signal-volume histogram above the stream (`h`), the
//! `:stats` screen and the SLA marks in the stream. State only; `update::stats` changes it and
//! `view::histogram` / `view::stats` draw it. The figures come from `Backend::stats`.
use super::backend::SearchRequest;
use crate::query::{GroupBy, Stats, StatsParams};
use std::collections::HashSet;
use std::sync::Arc;

/// Breached ids the explorer asks for, to mark them in the stream (the count is always whole).
pub const BREACHED_MARKS: usize = 5000;

/// What the explorer asks the backend for: the stream's query and range, and how to group.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsRequest {
    pub search: SearchRequest,
    pub params: StatsParams,
}

/// The `:stats` screen: which grouping, and the group under the cursor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatsScreen {
    pub by: GroupBy,
    pub cursor: usize,
    /// Why the figures could not be loaded, if they could not.
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct StatsPane {
    /// `h` toggles the histogram.
    pub histogram: bool,
    /// The figures for the query and range on screen (the histogram's volume, the screen's
    /// tables); `None` until they arrive, or when the backend has none.
    pub latest: Option<Arc<Stats>>,
    pub gen: u64,
    pub loading: bool,
    /// Ids past their SLA among `latest`'s matches, for the stream's mark.
    pub breached: HashSet<String>,
    pub screen: Option<StatsScreen>,
}

impl Default for StatsPane {
    fn default() -> StatsPane {
        StatsPane {
            histogram: true,
            latest: None,
            gen: 0,
            loading: false,
            breached: HashSet::new(),
            screen: None,
        }
    }
}

impl StatsPane {
    pub fn is_breached(&self, id: &str) -> bool {
        self.breached.contains(id)
    }

    /// The histogram is drawn when it is on and there is a volume to draw.
    pub fn histogram_shown(&self) -> bool {
        self.histogram && self.latest.as_ref().is_some_and(|s| !s.volume.is_empty())
    }

    /// The grouping asked for: the screen's, else severity (which colours the histogram anyway).
    pub fn by(&self) -> GroupBy {
        self.screen.as_ref().map_or(GroupBy::Severity, |s| s.by)
    }
}
