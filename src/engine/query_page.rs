//! Pages of signals matching a query, in `(timestamp, id)` order after a cursor: the server's list
//! and search, and the CLI's `signals list -q`. Answered from the live index when the engine has
//! one that is built (caught up first, so the answer is the store's as of now), else by scanning
//! the store; both give the same page.
use super::live::LiveIndex;
use super::Reads;
use crate::error::{Error, Result};
use crate::model::Signal;
use crate::query::{Query, SignalIndex, SlaContext, SlaTargets, TimeRange};
use crate::store::SignalCursor;
use chrono::{TimeZone, Utc};
use std::time::Instant;

/// What a page asks for.
#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    /// `None` matches every signal.
    pub query: Option<Query>,
    /// Epoch milliseconds, both ends inclusive.
    pub from: i64,
    pub to: i64,
    pub after: Option<SignalCursor>,
    pub ascending: bool,
    pub limit: usize,
    pub sla: SlaTargets,
    /// Past this the read gives up with `Error::TooCostly` rather than hold a reader.
    pub deadline: Option<Instant>,
}

impl PageRequest {
    pub fn all(limit: usize) -> PageRequest {
        PageRequest {
            from: i64::MIN,
            to: i64::MAX,
            limit,
            ..Default::default()
        }
    }
}

/// A page and the cursor of its last signal when more follow.
pub type Page = (Vec<Signal>, Option<SignalCursor>);

/// How often a scan looks at the clock.
const CHECK_EVERY: u32 = 1024;

pub(crate) fn over_budget() -> Error {
    Error::TooCostly(
        "the query ran past its time budget; narrow it (a shorter time range, fewer wildcards)"
            .into(),
    )
}

impl Reads<'_> {
    pub fn query_page(&self, req: &PageRequest) -> Result<Page> {
        self.signals_db()?;
        let sla = match &req.query {
            Some(q) => self.sla_context_for(q, req.sla)?,
            None => None,
        };
        match self.live_index() {
            Some(live) => {
                live.catch_up(self)?;
                self.page_from_index(live, req, sla.as_ref())
            }
            None => self.page_by_scan(req, sla.as_ref()),
        }
    }

    /// Matches and facet counts (top `top` values each) of a query in a time range: from the live
    /// index when there is one, else from an index built for this one question.
    pub fn search_signals(
        &self,
        q: &Query,
        range: &TimeRange,
        top: usize,
        targets: SlaTargets,
    ) -> Result<crate::query::SearchResult> {
        self.signals_db()?;
        let sla = self.sla_context_for(q, targets)?;
        if let Some(live) = self.live_index() {
            live.catch_up(self)?;
            return Ok(live.read().search_sla(q, range, top, sla.as_ref()));
        }
        let mut ix = SignalIndex::new();
        self.for_each_signal(&mut |s| {
            ix.insert_or_update(&s);
            Ok(())
        })?;
        Ok(ix.search_sla(q, range, top, sla.as_ref()))
    }

    /// The engine's live index when it is built.
    pub(crate) fn live_index(&self) -> Option<&LiveIndex> {
        self.engine.live.as_deref().filter(|l| l.is_loaded())
    }

    fn page_by_scan(&self, req: &PageRequest, sla: Option<&SlaContext>) -> Result<Page> {
        let mut out = Vec::with_capacity(req.limit.min(1000));
        let mut next = None;
        let mut seen = 0u32;
        let mut late = false;
        self.scan_signals(
            req.from,
            req.to,
            req.after.as_ref(),
            req.ascending,
            &mut |s| {
                seen = seen.wrapping_add(1);
                if seen.is_multiple_of(CHECK_EVERY)
                    && req.deadline.is_some_and(|d| Instant::now() > d)
                {
                    late = true;
                    return Ok(false);
                }
                if !req.query.as_ref().is_none_or(|q| q.matches_sla(&s, sla)) {
                    return Ok(true);
                }
                if out.len() == req.limit {
                    next = out.last().map(cursor_of);
                    return Ok(false);
                }
                out.push(s);
                Ok(true)
            },
        )?;
        if late {
            return Err(over_budget());
        }
        Ok((out, next))
    }

    fn page_from_index(
        &self,
        live: &LiveIndex,
        req: &PageRequest,
        sla: Option<&SlaContext>,
    ) -> Result<Page> {
        let ids = {
            let ix = live.read();
            let rows = matching_rows(&ix, req, sla);
            if req.deadline.is_some_and(|d| Instant::now() > d) {
                return Err(over_budget());
            }
            page_ids(&ix, &rows, req)
        };
        let mut out = Vec::with_capacity(ids.len());
        let mut more = false;
        for (i, id) in ids.iter().enumerate() {
            if i == req.limit {
                more = true;
                break;
            }
            // Read from the store: the index holds what queries need, not the whole signal. A
            // write between the catch-up and here may have moved a signal out of the query.
            if let Some(s) = self.signal(id)? {
                if req.query.as_ref().is_none_or(|q| q.matches_sla(&s, sla)) {
                    out.push(s);
                }
            }
        }
        let next = if more {
            out.last().map(cursor_of)
        } else {
            None
        };
        Ok((out, next))
    }
}

fn cursor_of(s: &Signal) -> SignalCursor {
    (s.timestamp.timestamp_millis(), s.id.clone())
}

fn time(ms: i64) -> Option<chrono::DateTime<Utc>> {
    match ms {
        i64::MIN | i64::MAX => None,
        ms => Utc.timestamp_millis_opt(ms).single(),
    }
}

/// The rows that match, newest first, in the request's time range narrowed by its cursor.
fn matching_rows(ix: &SignalIndex, req: &PageRequest, sla: Option<&SlaContext>) -> Vec<u32> {
    let (mut from, mut to) = (req.from, req.to);
    if let Some((ts, _)) = &req.after {
        if req.ascending {
            from = from.max(*ts);
        } else {
            to = to.min(*ts);
        }
    }
    let range = TimeRange {
        from: time(from),
        to: time(to),
    };
    let all = Query::default();
    ix.matches_sla(req.query.as_ref().unwrap_or(&all), &range, sla)
}

/// The ids of the page (one more than the limit, to tell whether more follow) in `(timestamp, id)`
/// order after the cursor. The index orders equal timestamps by row, so each run of equal
/// timestamps is put in id order here.
fn page_ids(ix: &SignalIndex, rows: &[u32], req: &PageRequest) -> Vec<String> {
    let want = req.limit.saturating_add(1);
    let mut out: Vec<String> = Vec::with_capacity(want.min(1001));
    let mut run: Vec<(i64, &str)> = Vec::new();
    let walk: Box<dyn Iterator<Item = &u32>> = if req.ascending {
        Box::new(rows.iter().rev())
    } else {
        Box::new(rows.iter())
    };
    for &r in walk {
        let t = ix.ts.get(r as usize).copied().unwrap_or(0);
        if run.first().is_some_and(|&(rt, _)| rt != t) {
            take_run(&mut run, &mut out, want, req);
            if out.len() >= want {
                return out;
            }
        }
        run.push((t, ix.id_of(r)));
    }
    take_run(&mut run, &mut out, want, req);
    out
}

/// Add a run of equal timestamps to the page, in id order, past the cursor.
fn take_run(run: &mut Vec<(i64, &str)>, out: &mut Vec<String>, want: usize, req: &PageRequest) {
    if req.ascending {
        run.sort_unstable_by(|a, b| a.1.cmp(b.1));
    } else {
        run.sort_unstable_by(|a, b| b.1.cmp(a.1));
    }
    for (t, id) in run.drain(..) {
        let past_cursor = req.after.as_ref().is_none_or(|(ct, cid)| {
            if req.ascending {
                (t, id) > (*ct, cid.as_str())
            } else {
                (t, id) < (*ct, cid.as_str())
            }
        });
        if past_cursor && out.len() < want {
            out.push(id.to_string());
        }
    }
}
