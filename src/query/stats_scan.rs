//! Triage metrics read off the index's columns for a set of matched rows, with the audit trail's
//! triage times (`SlaContext`): one pass over the rows, no signal JSON touched.
use super::index::{severity_of, state_of, MultiCol, SignalIndex, SingleCol, DEAD};
use super::intern::{FxBuild, NONE};
use super::search::{bits_new, Bits};
use super::sla::{breached, SlaContext, TriageTimes, Triaged};
use super::stats::{
    age_bucket, Buckets, GroupBy, OpenStats, Ordered, SlaStats, Stats, StatsParams, Summary,
    VolumeBucket, AGE_BUCKETS, NO_GROUP, UNASSIGNED,
};
use super::time::TimeRange;
use crate::model::{Severity, TriageState};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The context's triage times laid out by row (`NO_TIME` for none), joined once per evaluation
/// and shared by the filter and the figures: a row's lookup is then an array read.
pub(crate) struct RowTimes {
    first: Vec<i64>,
    archived: Vec<i64>,
}

const NO_TIME: i64 = i64::MIN;

impl RowTimes {
    fn get(&self, r: usize) -> TriageTimes {
        let at = |v: &[i64]| v.get(r).copied().filter(|&t| t != NO_TIME);
        TriageTimes {
            first_triage: at(&self.first),
            archived: at(&self.archived),
        }
    }
}

/// Acc per group while the rows are read.
#[derive(Default)]
struct Acc {
    name: String,
    count: usize,
    ttt: Vec<i64>,
    tta: Vec<i64>,
}

/// The last join kept, by the context's version and the rows it covered: joining is one id lookup
/// per triaged signal, a cache miss or three each, far more than the rest of a query at 1M signals.
/// Rows never move and new ones are appended, so a join is good while neither changes.
#[derive(Default)]
pub(crate) struct SlaJoin(Mutex<Option<(i64, usize, Arc<RowTimes>)>>);

impl SignalIndex {
    /// The context's triage times by row, reused from the last call for the same version.
    pub(crate) fn row_times(&self, ctx: &SlaContext) -> Arc<RowTimes> {
        let mut kept = self
            .sla_join
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let (Some(v), Some((kv, rows, t))) = (ctx.version, kept.as_ref()) {
            if v == *kv && *rows == self.rows() {
                return t.clone();
            }
        }
        let t = Arc::new(self.join_times(ctx));
        if let Some(v) = ctx.version {
            *kept = Some((v, self.rows(), t.clone()));
        }
        t
    }

    fn join_times(&self, ctx: &SlaContext) -> RowTimes {
        let mut t = RowTimes {
            first: vec![NO_TIME; self.rows()],
            archived: vec![NO_TIME; self.rows()],
        };
        for (id, x) in ctx.times.iter() {
            if let Some(r) = self.row_of(id) {
                let r = r as usize;
                t.first[r] = x.first_triage.unwrap_or(NO_TIME);
                t.archived[r] = x.archived.unwrap_or(NO_TIME);
            }
        }
        t
    }

    fn triaged(&self, r: usize, t: TriageTimes) -> Triaged {
        let touched = state_of(self.state[r]) != TriageState::Open || self.assignee[r] != NONE;
        Triaged::of(t.first_triage, touched)
    }

    fn row_breached(&self, r: usize, t: TriageTimes, ctx: &SlaContext) -> bool {
        breached(
            severity_of(self.sev[r]),
            self.first_seen[r],
            self.triaged(r, t),
            ctx.now_ms,
            &ctx.targets,
        )
    }

    /// Rows whose SLA answer is wanted: `breached` ones when `want_breached`, the others when
    /// `want_ok`. Live rows only.
    pub(crate) fn sla_bits(
        &self,
        ctx: &SlaContext,
        times: &RowTimes,
        want_breached: bool,
        want_ok: bool,
    ) -> Bits {
        let mut out = bits_new(self.rows(), false);
        for r in 0..self.rows() {
            if self.state[r] == DEAD {
                continue;
            }
            let b = self.row_breached(r, times.get(r), ctx);
            if (b && want_breached) || (!b && want_ok) {
                out[r >> 6] |= 1 << (r & 63);
            }
        }
        out
    }

    /// Is this signal past its SLA? (For marking the stream; `None` for an unknown id.)
    pub fn is_breached(&self, id: &str, ctx: &SlaContext) -> Option<bool> {
        let r = self.row_of(id)?;
        Some(self.row_breached(r as usize, ctx.times_of(id), ctx))
    }

    /// The signals `q` matches in `range` (`sla:` terms answered from `ctx`) and their triage
    /// metrics, joining the context's times onto the rows once for both.
    pub fn stats_query(
        &self,
        q: &super::Query,
        range: &TimeRange,
        ctx: &SlaContext,
        p: &StatsParams,
    ) -> Stats {
        let times = self.row_times(ctx);
        let rows = self.matches_with(q, range, Some((ctx, &times)));
        self.stats_with(&rows, range, ctx, &times, p)
    }

    /// The group values of a row as numbers in the grouping's own column (several for a signal
    /// on several services; `NONE` for no value): no text is made per row.
    fn group_ids(&self, r: usize, by: GroupBy, out: &mut Vec<u32>) {
        out.clear();
        match by {
            GroupBy::Severity => out.push(u32::from(self.sev[r])),
            GroupBy::Rule => out.push(self.single_at(SingleCol::RuleName, r as u32)),
            GroupBy::Service => {
                out.extend_from_slice(self.multi[MultiCol::Service as usize].get(r as u32));
                if out.is_empty() {
                    out.push(NONE);
                }
            }
            GroupBy::Assignee => out.push(self.assignee[r]),
        }
    }

    /// The name of a group value from `group_ids`.
    fn group_name(&self, by: GroupBy, id: u32) -> String {
        let text = |s: &str| {
            if s.is_empty() {
                NO_GROUP.to_string()
            } else {
                s.to_string()
            }
        };
        match by {
            GroupBy::Severity => severity_of(id as u8).as_str().to_string(),
            GroupBy::Rule if id == NONE => NO_GROUP.to_string(),
            GroupBy::Rule => text(self.single_dict[SingleCol::RuleName as usize].str_of(id)),
            GroupBy::Service if id == NONE => NO_GROUP.to_string(),
            GroupBy::Service => text(self.multi[MultiCol::Service as usize].dict_str(id)),
            // Several assignee entries may share a handle (a renamed user): grouped by handle.
            GroupBy::Assignee => match self.assignees.get(id) {
                Some((_, handle, _)) if !handle.is_empty() => handle.to_string(),
                Some((uuid, _, _)) if !uuid.is_empty() => uuid.to_string(),
                _ => UNASSIGNED.to_string(),
            },
        }
    }

    /// Triage metrics over `rows` (matches of a search, newest first) in `range`, with the triage
    /// times and the time of `ctx`. See `Stats` for what each figure means.
    pub fn stats(
        &self,
        rows: &[u32],
        range: &TimeRange,
        ctx: &SlaContext,
        p: &StatsParams,
    ) -> Stats {
        self.stats_with(rows, range, ctx, &self.row_times(ctx), p)
    }

    fn stats_with(
        &self,
        rows: &[u32],
        range: &TimeRange,
        ctx: &SlaContext,
        times: &RowTimes,
        p: &StatsParams,
    ) -> Stats {
        let live: Vec<usize> = rows
            .iter()
            .map(|&r| r as usize)
            .filter(|&r| r < self.rows() && self.state[r] != DEAD)
            .collect();
        // Group values are few next to rows: a value's slot is found by number, and its name
        // made once, when the value is first seen.
        let mut by_id: HashMap<u32, usize, FxBuild> = HashMap::default();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<Acc> = Vec::new();
        let mut ids = Vec::new();
        let mut open = [0usize; 5];
        let mut open_count = 0;
        let mut breached_count = 0;
        let mut breached_ids = Vec::new();
        let buckets = self.volume_buckets(&live, range, ctx.now_ms, p.max_buckets);
        let mut volume = vec![[0usize; 5]; buckets.map_or(0, |b| b.len)];
        for &r in &live {
            let sev = severity_of(self.sev[r]);
            let first_seen = self.first_seen[r];
            let state = state_of(self.state[r]);
            let t = times.get(r);
            let triaged = self.triaged(r, t);
            self.group_ids(r, p.by, &mut ids);
            for &id in &ids {
                let slot = *by_id.entry(id).or_insert_with(|| {
                    let name = self.group_name(p.by, id);
                    let next = groups.len();
                    let slot = *by_name.entry(name.clone()).or_insert(next);
                    if slot == next {
                        groups.push(Acc {
                            name,
                            ..Acc::default()
                        });
                    }
                    slot
                });
                let Some(g) = groups.get_mut(slot) else {
                    continue;
                };
                g.count += 1;
                if let Triaged::At(at) = triaged {
                    g.ttt.push(at.saturating_sub(first_seen).max(0));
                }
                if let (TriageState::Archived, Some(at)) = (state, t.archived) {
                    g.tta.push(at.saturating_sub(first_seen).max(0));
                }
            }
            if state != TriageState::Archived {
                open_count += 1;
                open[age_bucket(ctx.now_ms.saturating_sub(first_seen))] += 1;
            }
            if breached(sev, first_seen, triaged, ctx.now_ms, &ctx.targets) {
                breached_count += 1;
                if breached_ids.len() < p.breached_limit {
                    breached_ids.push(self.id_of(r as u32).to_string());
                }
            }
            if let Some(i) = buckets.and_then(|b| b.index(self.ts[r])) {
                if let Some(v) = volume.get_mut(i) {
                    v[sev.rank() as usize] += 1;
                }
            }
        }
        order_groups(&mut groups, p.by);
        Stats {
            by: p.by,
            total: live.len(),
            groups: Ordered(groups.iter().map(|g| (g.name.clone(), g.count)).collect()),
            time_to_triage: Ordered(
                groups
                    .iter_mut()
                    .map(|g| (g.name.clone(), Summary::of(std::mem::take(&mut g.ttt))))
                    .collect(),
            ),
            time_to_archive: Ordered(
                groups
                    .iter_mut()
                    .map(|g| (g.name.clone(), Summary::of(std::mem::take(&mut g.tta))))
                    .collect(),
            ),
            open: OpenStats {
                count: open_count,
                age_buckets: Ordered(
                    AGE_BUCKETS
                        .iter()
                        .zip(open)
                        .map(|(k, n)| (k.to_string(), n))
                        .collect(),
                ),
            },
            sla: SlaStats {
                targets_s: Ordered(
                    Severity::ALL
                        .iter()
                        .rev()
                        .map(|s| (s.as_str().to_string(), ctx.targets.secs(*s)))
                        .collect(),
                ),
                breached: breached_count,
                breached_ids,
            },
            bucket_s: buckets.map_or(0, |b| b.width_ms / 1000),
            volume: match buckets {
                None => Vec::new(),
                Some(b) => volume
                    .into_iter()
                    .enumerate()
                    .map(|(i, by_severity)| VolumeBucket {
                        start: chrono::DateTime::from_timestamp_millis(b.start(i))
                            .unwrap_or_default(),
                        count: by_severity.iter().sum(),
                        by_severity,
                    })
                    .collect(),
            },
        }
    }

    /// The volume buckets: the range's ends where given, else the matched signals' earliest time
    /// and the later of `now` and their latest. `None` when there is nothing to span.
    fn volume_buckets(
        &self,
        live: &[usize],
        range: &TimeRange,
        now_ms: i64,
        max: usize,
    ) -> Option<Buckets> {
        let (lo, hi) = live.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &r| {
            (lo.min(self.ts[r]), hi.max(self.ts[r]))
        });
        let from = range.from.map(|t| t.timestamp_millis()).or(
            // No rows and no start: nothing to draw.
            (lo != i64::MAX).then_some(lo),
        )?;
        let to = range
            .to
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(|| now_ms.max(hi));
        (to >= from).then(|| Buckets::new(from, to, max))
    }
}

/// Severity groups from critical down; other groups by size, then name.
fn order_groups(groups: &mut [Acc], by: GroupBy) {
    match by {
        GroupBy::Severity => groups.sort_by_key(|g| {
            std::cmp::Reverse(
                Severity::parse(&g.name)
                    .map(|s| s.rank())
                    .unwrap_or_default(),
            )
        }),
        _ => groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name))),
    }
}
