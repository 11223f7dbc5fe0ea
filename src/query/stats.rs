//! Triage metrics as plain data, and the math behind them: nearest-rank percentiles, open-age
//! buckets, volume buckets of a "nice" width. `stats_scan.rs` fills them from the index; the
//! engine (`engine::stats`) supplies the audit trail's triage times; faces only print them.
use chrono::{DateTime, Utc};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What the per-group figures are grouped by (`--by`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    #[default]
    Severity,
    Rule,
    Service,
    Assignee,
}

impl GroupBy {
    pub const ALL: [GroupBy; 4] = [
        GroupBy::Severity,
        GroupBy::Rule,
        GroupBy::Service,
        GroupBy::Assignee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Severity => "severity",
            GroupBy::Rule => "rule",
            GroupBy::Service => "service",
            GroupBy::Assignee => "assignee",
        }
    }

    pub fn parse(s: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.as_str() == s.trim())
    }

    /// The next grouping, for the `:stats` screen's `Tab`.
    pub fn next(self) -> GroupBy {
        match self {
            GroupBy::Severity => GroupBy::Rule,
            GroupBy::Rule => GroupBy::Service,
            GroupBy::Service => GroupBy::Assignee,
            GroupBy::Assignee => GroupBy::Severity,
        }
    }

    /// The query key a group's value filters on (the same keys as the facet panel's).
    pub fn query_key(self) -> &'static str {
        match self {
            GroupBy::Severity => "status",
            GroupBy::Rule => "@workflow.rule.name",
            GroupBy::Service => "service",
            GroupBy::Assignee => "@workflow.triage.assignee.handle",
        }
    }
}

/// The group of signals with no rule name, service or assignee.
pub const NO_GROUP: &str = "(none)";
/// The assignee group of unassigned signals.
pub const UNASSIGNED: &str = "unassigned";

/// What to compute besides the query and range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatsParams {
    pub by: GroupBy,
    /// At most this many volume buckets.
    pub max_buckets: usize,
    /// At most this many breached ids listed (the count is always whole).
    pub breached_limit: usize,
}

impl Default for StatsParams {
    fn default() -> StatsParams {
        StatsParams {
            by: GroupBy::Severity,
            max_buckets: 24,
            breached_limit: 50,
        }
    }
}

/// Durations of one group, in whole seconds; `None` when the group has none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub count: usize,
    pub p50_s: Option<i64>,
    pub p90_s: Option<i64>,
    pub max_s: Option<i64>,
}

impl Summary {
    /// From durations in milliseconds, in any order. The percentiles are selected, not sorted
    /// for: linear in the count (half a million at 1M signals).
    pub fn of(mut ms: Vec<i64>) -> Summary {
        let s = |x: Option<i64>| x.map(|v| v.div_euclid(1000));
        let mut pick = |p: u32| {
            let k = rank(p, ms.len())?;
            Some(*ms.select_nth_unstable(k).1)
        };
        let (p50, p90) = (pick(50), pick(90));
        Summary {
            count: ms.len(),
            p50_s: s(p50),
            p90_s: s(p90),
            max_s: s(ms.iter().max().copied()),
        }
    }
}

/// The 0-based position of the nearest-rank `p`th percentile among `n` sorted values.
fn rank(p: u32, n: usize) -> Option<usize> {
    if n == 0 {
        return None;
    }
    // ceil(p * n / 100), at least 1; p is at most 100, so no overflow for any slice length.
    let n = n as u64;
    let r = (u64::from(p.min(100)) * n).div_ceil(100).max(1);
    usize::try_from(r - 1).ok()
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `p`% of the
/// values at or below it. Exact (a value that occurred), so fixtures can state it.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    sorted.get(rank(p, sorted.len())?).copied()
}

/// A duration for people, in two units at most: `45s`, `12m05s`, `3h20m`, `2d04h`; `-` for none.
pub fn human_secs(s: Option<i64>) -> String {
    let Some(s) = s else { return "-".into() };
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// A target as configured: in its largest whole unit (`1h`, `3d`, `90m`), else as `human_secs`.
pub fn human_target(s: i64) -> String {
    match s {
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => human_secs(Some(s)),
    }
}

/// Open-age bucket labels, in order.
pub const AGE_BUCKETS: [&str; 5] = ["<1h", "1h-4h", "4h-1d", "1d-7d", ">7d"];

/// The bucket (index into `AGE_BUCKETS`) of an age in milliseconds; each bucket excludes its
/// upper edge (exactly 1h old is `1h-4h`).
pub fn age_bucket(age_ms: i64) -> usize {
    const H: i64 = 3_600_000;
    match age_ms {
        a if a < H => 0,
        a if a < 4 * H => 1,
        a if a < 24 * H => 2,
        a if a < 7 * 24 * H => 3,
        _ => 4,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenStats {
    pub count: usize,
    pub age_buckets: Ordered<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaStats {
    pub targets_s: Ordered<i64>,
    pub breached: usize,
    pub breached_ids: Vec<String>,
}

/// Signals detected in `[start, start + bucket_s)` (the last bucket also holds its end).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeBucket {
    pub start: DateTime<Utc>,
    pub count: usize,
    /// Per severity (info, low, medium, high, critical), for a histogram coloured by severity.
    pub by_severity: [usize; 5],
}

/// Everything `sigscope stats`, the server's stats route and the explorer's `:stats` show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub by: GroupBy,
    /// Signals matched by the query in the range.
    pub total: usize,
    /// Matched signals per group (a signal on several services counts in each).
    pub groups: Ordered<usize>,
    pub time_to_triage: Ordered<Summary>,
    pub time_to_archive: Ordered<Summary>,
    pub open: OpenStats,
    pub sla: SlaStats,
    pub bucket_s: i64,
    pub volume: Vec<VolumeBucket>,
}

/// Widths a volume bucket may have, in seconds, smallest first; beyond, whole multiples of 30d.
const WIDTHS: [i64; 17] = [
    1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
    2_592_000,
];

/// The smallest nice width (seconds) that covers `span_ms` in at most `max` buckets.
pub fn bucket_width(span_ms: i64, max: usize) -> i64 {
    let max = i64::try_from(max.max(1)).unwrap_or(i64::MAX);
    let need_ms = ceil_div(span_ms.max(1), max);
    for w in WIDTHS {
        if w.saturating_mul(1000) >= need_ms {
            return w;
        }
    }
    let month_ms = 2_592_000_000i64;
    ceil_div(need_ms, month_ms).saturating_mul(2_592_000)
}

/// `a / b` rounded up, for `a >= 0`, `b > 0` (`i64::div_ceil` is not stable).
fn ceil_div(a: i64, b: i64) -> i64 {
    let b = b.max(1);
    a / b + i64::from(a % b != 0)
}

/// Buckets from `from` to `to` (inclusive, epoch ms) of `width_s`: how many, and the index of a
/// time in them (`None` outside).
#[derive(Clone, Copy, Debug)]
pub struct Buckets {
    pub from: i64,
    pub to: i64,
    pub width_ms: i64,
    pub len: usize,
}

impl Buckets {
    pub fn new(from: i64, to: i64, max: usize) -> Buckets {
        let span = to.saturating_sub(from).max(0);
        let width_ms = bucket_width(span, max).saturating_mul(1000);
        let len = usize::try_from(ceil_div(span, width_ms).max(1)).unwrap_or(1);
        Buckets {
            from,
            to,
            width_ms,
            len,
        }
    }

    pub fn index(&self, ts: i64) -> Option<usize> {
        if ts < self.from || ts > self.to {
            return None;
        }
        let i = usize::try_from(ts.saturating_sub(self.from) / self.width_ms).ok()?;
        // `to` itself falls at the end of the last bucket.
        Some(i.min(self.len.saturating_sub(1)))
    }

    pub fn start(&self, i: usize) -> i64 {
        let i = i64::try_from(i).unwrap_or(i64::MAX);
        self.from.saturating_add(i.saturating_mul(self.width_ms))
    }
}

/// Named values in a chosen order, as a JSON object (serde_json keeps insertion order here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<T> Ordered<T> {
    pub fn get(&self, k: &str) -> Option<&T> {
        self.0.iter().find(|(x, _)| x == k).map(|(_, v)| v)
    }
}

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Ordered<T>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, T>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        let s = Summary::of(vec![3_999, 1_000, 2_500]);
        assert_eq!(
            (s.count, s.p50_s, s.p90_s, s.max_s),
            (3, Some(2), Some(3), Some(3))
        );
        // Selected, not sorted: the same as the sorted percentiles on any order.
        let shuffled: Vec<i64> = (0..1000).map(|i| (i * 7919) % 1000).collect();
        let s = Summary::of(shuffled.iter().map(|x| x * 1000).collect());
        let mut sorted = shuffled.clone();
        sorted.sort();
        assert_eq!(s.p50_s, percentile(&sorted, 50));
        assert_eq!(s.p90_s, percentile(&sorted, 90));
        assert_eq!(s.max_s, Some(999));
    }

    #[test]
    fn age_buckets_exclude_their_upper_edge() {
        let h = 3_600_000;
        assert_eq!(age_bucket(h - 1), 0);
        assert_eq!(age_bucket(h), 1);
        assert_eq!(age_bucket(4 * h), 2);
        assert_eq!(age_bucket(24 * h), 3);
        assert_eq!(age_bucket(7 * 24 * h), 4);
    }

    #[test]
    fn buckets_cover_the_range_with_a_nice_width() {
        let b = Buckets::new(0, 3_600_000, 24);
        assert_eq!((b.width_ms, b.len), (300_000, 12));
        assert_eq!(b.index(0), Some(0));
        assert_eq!(b.index(299_999), Some(0));
        assert_eq!(b.index(300_000), Some(1));
        assert_eq!(b.index(3_600_000), Some(11));
        assert_eq!(b.index(-1), None);
        assert_eq!(bucket_width(365 * 86_400_000, 4), 4 * 2_592_000);
        assert_eq!(Buckets::new(5, 5, 10).len, 1);
    }

    #[test]
    fn ordered_maps_keep_their_order_both_ways() {
        let o = Ordered(vec![("b".to_string(), 1), ("a".to_string(), 2)]);
        let text = serde_json::to_string(&o).unwrap();
        assert_eq!(text, r#"{"b":1,"a":2}"#);
        let back: Ordered<i32> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, o);
    }
}
