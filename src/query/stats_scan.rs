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

type ByRow = HashMap<u32, TriageTimes, FxBuild>;

/// One group's figures while the rows are read.
#[derive(Default)]
struct Acc {
    name: String,
    count: usize,
    ttt: Vec<i64>,
    tta: Vec<i64>,
}

impl SignalIndex {
    /// The context's triage times by row (the audit trail is small next to the rows, so this
    /// costs one id lookup per triaged signal, not one per row).
    fn times_by_row(&self, ctx: &SlaContext) -> ByRow {
        let mut out = ByRow::default();
        for (id, t) in &ctx.times {
            if let Some(r) = self.row_of(id) {
                out.insert(r, *t);
            }
        }
        out
    }

    fn triaged(&self, r: usize, times: &ByRow) -> (Triaged, TriageTimes) {
        let t = times.get(&(r as u32)).copied().unwrap_or_default();
        let touched = state_of(self.state[r]) != TriageState::Open || self.assignee[r] != NONE;
        (Triaged::of(t.first_triage, touched), t)
    }

    fn row_breached(&self, r: usize, times: &ByRow, ctx: &SlaContext) -> bool {
        let (triaged, _) = self.triaged(r, times);
        breached(
            severity_of(self.sev[r]),
            self.first_seen[r],
            triaged,
            ctx.now_ms,
            &ctx.targets,
        )
    }

    /// Rows whose SLA answer is wanted: `breached` ones when `want_breached`, the others when
    /// `want_ok`. Live rows only.
    pub(crate) fn sla_bits(&self, ctx: &SlaContext, want_breached: bool, want_ok: bool) -> Bits {
        let times = self.times_by_row(ctx);
        let mut out = bits_new(self.rows(), false);
        for r in 0..self.rows() {
            if self.state[r] == DEAD {
                continue;
            }
            let b = self.row_breached(r, &times, ctx);
            if (b && want_breached) || (!b && want_ok) {
                out[r >> 6] |= 1 << (r & 63);
            }
        }
        out
    }

    /// Is this signal past its SLA? (For marking the stream; `None` for an unknown id.)
    pub fn is_breached(&self, id: &str, ctx: &SlaContext) -> Option<bool> {
        let r = self.row_of(id)?;
        let mut times = ByRow::default();
        times.insert(r, ctx.times_of(id));
        Some(self.row_breached(r as usize, &times, ctx))
    }

    /// The group names of a row (several for a signal on several services).
    fn group_names(&self, r: usize, by: GroupBy, out: &mut Vec<String>) {
        out.clear();
        let text = |s: &str| {
            if s.is_empty() {
                NO_GROUP.to_string()
            } else {
                s.to_string()
            }
        };
        match by {
            GroupBy::Severity => out.push(severity_of(self.sev[r]).as_str().to_string()),
            GroupBy::Rule => out.push(text(
                self.single_dict[SingleCol::RuleName as usize]
                    .str_of(self.single_at(SingleCol::RuleName, r as u32)),
            )),
            GroupBy::Service => {
                let m = &self.multi[MultiCol::Service as usize];
                out.extend(m.get(r as u32).iter().map(|&v| text(m.dict_str(v))));
                if out.is_empty() {
                    out.push(NO_GROUP.to_string());
                }
            }
            GroupBy::Assignee => out.push(match self.assignees.get(self.assignee[r]) {
                Some((_, handle, _)) if !handle.is_empty() => handle.to_string(),
                Some((uuid, _, _)) if !uuid.is_empty() => uuid.to_string(),
                _ => UNASSIGNED.to_string(),
            }),
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
        let times = self.times_by_row(ctx);
        let live: Vec<usize> = rows
            .iter()
            .map(|&r| r as usize)
            .filter(|&r| r < self.rows() && self.state[r] != DEAD)
            .collect();
        // Group names are few; rows hold a group slot found through a small cache.
        let mut slots: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<Acc> = Vec::new();
        let mut names = Vec::new();
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
            let (triaged, t) = self.triaged(r, &times);
            self.group_names(r, p.by, &mut names);
            for name in names.drain(..) {
                let next = groups.len();
                let slot = *slots.entry(name.clone()).or_insert(next);
                if slot == next {
                    groups.push(Acc {
                        name,
                        ..Acc::default()
                    });
                }
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
