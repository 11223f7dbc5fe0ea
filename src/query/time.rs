//! Time ranges beside the query: `--from`/`--to` as RFC 3339 or `now`, `now-15m`, `now-7d`.
use chrono::{DateTime, TimeDelta, Utc};

/// Signals with `from <= timestamp <= to`; an open end is unbounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl TimeRange {
    pub fn all() -> TimeRange {
        TimeRange::default()
    }

    /// The last `d` up to `now` (the explorer's 15m, 1h, 4h, 1d, 7d, 30d choices).
    pub fn last(d: TimeDelta, now: DateTime<Utc>) -> TimeRange {
        TimeRange {
            from: Some(now - d),
            to: Some(now),
        }
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|x| t <= x)
    }

    /// Both ends as epoch milliseconds, open ends as the extremes.
    pub fn millis(&self) -> (i64, i64) {
        (
            self.from.map_or(i64::MIN, |t| t.timestamp_millis()),
            self.to.map_or(i64::MAX, |t| t.timestamp_millis()),
        )
    }
}

/// RFC 3339, `now`, or `now-N` with unit s, m, h, d or w.
pub fn parse_time(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let bad =
        || format!("{s:?}: expected an RFC 3339 time or now, now-15m, now-7d (units s m h d w)");
    let t = s.trim();
    if let Ok(x) = DateTime::parse_from_rfc3339(t) {
        return Ok(x.with_timezone(&Utc));
    }
    if t == "now" {
        return Ok(now);
    }
    let d = t.strip_prefix("now-").ok_or_else(bad)?;
    let split = d.find(|c: char| !c.is_ascii_digit()).unwrap_or(d.len());
    let (digits, unit) = d.split_at(split);
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let delta = match unit {
        "s" => TimeDelta::try_seconds(n),
        "m" => TimeDelta::try_minutes(n),
        "h" => TimeDelta::try_hours(n),
        "d" => TimeDelta::try_days(n),
        "w" => TimeDelta::try_weeks(n),
        _ => None,
    }
    .ok_or_else(bad)?;
    now.checked_sub_signed(delta).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_times() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_time("now", now).unwrap(), now);
        assert_eq!(
            parse_time("now-15m", now).unwrap(),
            now - TimeDelta::minutes(15)
        );
        assert_eq!(parse_time("now-7d", now).unwrap(), now - TimeDelta::days(7));
        assert_eq!(
            parse_time("now-2w", now).unwrap(),
            now - TimeDelta::weeks(2)
        );
        assert_eq!(
            parse_time("2026-11-20T10:00:00+01:00", now)
                .unwrap()
                .to_rfc3339(),
            "2026-11-20T09:00:00+00:00"
        );
        for bad in [
            "yesterday",
            "now-",
            "now-5y",
            "now+5m",
            "now-99999999999999w",
            "",
        ] {
            assert!(parse_time(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn range_is_inclusive_at_both_ends() {
        let now = Utc::now();
        let r = TimeRange::last(TimeDelta::hours(1), now);
        assert!(r.contains(now));
        assert!(r.contains(now - TimeDelta::hours(1)));
        assert!(!r.contains(now - TimeDelta::hours(2)));
        assert!(TimeRange::all().contains(now));
    }
}
