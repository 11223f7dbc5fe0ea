//! The stream's order: newest first (what every backend answers in), or by severity, triage
//! state, assignee or last activity (`:sort`, `<`/`>`). A non-default order is applied to the
//! search's rows in the background job that ran the search, so neither backend needs to know.
use super::backend::{Row, RowSource};
use crate::model::TriageState;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Time,
    Severity,
    State,
    Assignee,
    LastSeen,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Time,
        Sort::Severity,
        Sort::State,
        Sort::Assignee,
        Sort::LastSeen,
    ];

    /// The name `:sort` takes.
    pub fn name(self) -> &'static str {
        match self {
            Sort::Time => "time",
            Sort::Severity => "severity",
            Sort::State => "state",
            Sort::Assignee => "assignee",
            Sort::LastSeen => "last_seen",
        }
    }

    /// How the stream's title says it.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Time => "newest first",
            Sort::Severity => "by severity",
            Sort::State => "by state",
            Sort::Assignee => "by assignee",
            Sort::LastSeen => "by last seen",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        let s = s.trim().to_lowercase().replace('-', "_");
        Sort::ALL
            .into_iter()
            .find(|o| o.name() == s || (s == "lastseen" && *o == Sort::LastSeen))
    }

    /// The next order (`>`), or the previous one (`<`), round the list.
    pub fn step(self, by: isize) -> Sort {
        let i = Sort::ALL.iter().position(|s| *s == self).unwrap_or(0) as isize;
        Sort::ALL[(i + by).rem_euclid(Sort::ALL.len() as isize) as usize]
    }
}

fn state_rank(s: TriageState) -> u8 {
    match s {
        TriageState::Open => 0,
        TriageState::UnderReview => 1,
        TriageState::Archived => 2,
    }
}

/// `rows` in `sort`'s order; ties keep the newest-first order they came in.
pub fn sorted(rows: Arc<dyn RowSource>, sort: Sort) -> Arc<dyn RowSource> {
    if sort == Sort::Time {
        return rows;
    }
    let all: Vec<Row> = (0..rows.len()).filter_map(|i| rows.row(i)).collect();
    let mut order: Vec<usize> = (0..all.len()).collect();
    match sort {
        Sort::Time => {}
        Sort::Severity => order.sort_by_key(|&i| std::cmp::Reverse(all[i].severity)),
        Sort::State => order.sort_by_key(|&i| state_rank(all[i].state)),
        // Unassigned last, names without regard to case.
        Sort::Assignee => order.sort_by_cached_key(|&i| match &all[i].assignee {
            Some(a) => (false, a.as_str().to_lowercase()),
            None => (true, String::new()),
        }),
        Sort::LastSeen => order.sort_by_key(|&i| std::cmp::Reverse(all[i].last_seen)),
    }
    let mut slots: Vec<Option<Row>> = all.into_iter().map(Some).collect();
    let rows: Vec<Row> = order.iter().filter_map(|&i| slots[i].take()).collect();
    let pos = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    Arc::new(SortedRows { rows, pos })
}

struct SortedRows {
    rows: Vec<Row>,
    pos: HashMap<Arc<str>, usize>,
}

impl RowSource for SortedRows {
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn row(&self, i: usize) -> Option<Row> {
        self.rows.get(i).cloned()
    }
    fn position(&self, id: &str) -> Option<usize> {
        self.pos.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_step_round() {
        assert_eq!(Sort::parse("last_seen"), Some(Sort::LastSeen));
        assert_eq!(Sort::parse("Severity"), Some(Sort::Severity));
        assert_eq!(Sort::parse("size"), None);
        assert_eq!(Sort::Time.step(-1), Sort::LastSeen);
        assert_eq!(Sort::LastSeen.step(1), Sort::Time);
    }
}
