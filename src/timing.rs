//! Durations and timings typed by people or read from the config, through one checked parser with
//! bounds. chrono's `TimeDelta::days(n)` and `DateTime + TimeDelta` panic out of range, and
//! `Instant + Duration` panics on overflow: a custom block of `200000000000d` or a `window_days`
//! of 10^15 exited the explorer on its UI thread. Everything here returns an error naming the
//! setting and its bounds instead.
use crate::error::{Error, Result};
use chrono::{DateTime, TimeDelta, Utc};

/// The shortest and longest values a setting accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub min: TimeDelta,
    pub max: TimeDelta,
}

/// A block: a second to a century (longer is what `permanent` is for).
pub const BLOCK: Bounds = Bounds {
    min: TimeDelta::seconds(1),
    max: TimeDelta::days(36_500),
};

/// A window of history to keep or fetch: a day to ten years.
pub const WINDOW_DAYS: Bounds = Bounds {
    min: TimeDelta::days(1),
    max: TimeDelta::days(3650),
};

/// A network timeout: a second to ten minutes.
pub const TIMEOUT: Bounds = Bounds {
    min: TimeDelta::seconds(1),
    max: TimeDelta::minutes(10),
};

/// How long a command waits for something (deliveries to go out): nothing to an hour.
pub const WAIT: Bounds = Bounds {
    min: TimeDelta::zero(),
    max: TimeDelta::hours(1),
};

/// A retry backoff: a millisecond to a week.
pub const BACKOFF: Bounds = Bounds {
    min: TimeDelta::milliseconds(1),
    max: TimeDelta::weeks(1),
};

fn human(d: TimeDelta) -> String {
    let s = d.num_seconds();
    if s == 0 && d.num_milliseconds() > 0 {
        return format!("{}ms", d.num_milliseconds());
    }
    match s {
        s if s != 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s != 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s != 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn within(d: TimeDelta, what: &str, b: Bounds) -> Result<TimeDelta> {
    if d < b.min || d > b.max {
        return Err(Error::Usage(format!(
            "{what}: {} is out of range ({} to {})",
            human(d),
            human(b.min),
            human(b.max)
        )));
    }
    Ok(d)
}

/// `30s`, `45m`, `12h`, `90d`, `2w`, or sums of them (`1h30m`), within `b`. `what` names the
/// setting in the error (`custom duration`, `[notify] timeout_secs`).
pub fn parse(s: &str, what: &str, b: Bounds) -> Result<TimeDelta> {
    let t = s.trim();
    let bad = || {
        Error::Usage(format!(
            "{what} {:?}: expected a number and a unit, like 45m, 12h, 90d (units s m h d w)",
            crate::sanitize::truncate(&crate::sanitize::clean(t), 40)
        ))
    };
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        // Too many digits for an i64 is out of range, not a parse error.
        let n: i64 = match num.parse() {
            Ok(n) => n,
            Err(_) if !num.is_empty() => return Err(too_long(t, what, b)),
            Err(_) => return Err(bad()),
        };
        num.clear();
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(|| too_long(t, what, b))?;
    }
    if !num.is_empty() {
        return Err(bad());
    }
    let d = TimeDelta::try_seconds(total).ok_or_else(|| too_long(t, what, b))?;
    within(d, what, b)
}

fn too_long(t: &str, what: &str, b: Bounds) -> Error {
    Error::Usage(format!(
        "{what} {:?} is out of range (at most {})",
        crate::sanitize::truncate(&crate::sanitize::clean(t), 40),
        human(b.max)
    ))
}

/// A configured number of seconds as a std `Duration`, within `b`.
pub fn seconds(n: u64, what: &str, b: Bounds) -> Result<std::time::Duration> {
    let d = i64::try_from(n)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .ok_or_else(|| too_long(&format!("{n}s"), what, b))?;
    within(d, what, b)?;
    Ok(std::time::Duration::from_secs(n))
}

/// A configured number of milliseconds as a std `Duration`, within `b`.
pub fn millis(n: u64, what: &str, b: Bounds) -> Result<std::time::Duration> {
    let d = i64::try_from(n)
        .ok()
        .and_then(TimeDelta::try_milliseconds)
        .ok_or_else(|| too_long(&format!("{n}ms"), what, b))?;
    within(d, what, b)?;
    Ok(std::time::Duration::from_millis(n))
}

/// A configured number of days, within `b`.
pub fn days(n: i64, what: &str, b: Bounds) -> Result<TimeDelta> {
    let d = TimeDelta::try_days(n).ok_or_else(|| too_long(&format!("{n}d"), what, b))?;
    within(d, what, b)
}

/// `t + d`, or an error when the result is past what the calendar holds.
pub fn add(t: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>> {
    t.checked_add_signed(d)
        .ok_or_else(|| Error::Usage("the time would be past the end of the calendar".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_sums_within_bounds() {
        assert_eq!(parse("45m", "d", BLOCK).unwrap(), TimeDelta::minutes(45));
        assert_eq!(parse("1h30m", "d", BLOCK).unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse("2w", "d", BLOCK).unwrap(), TimeDelta::weeks(2));
    }

    #[test]
    fn huge_and_bad_values_are_errors_naming_the_setting_never_panics() {
        for bad in [
            "200000000000d",
            "99999999999999999999999d",
            "9223372036854775807s",
            "36501d",
            "0m",
            "",
            "d",
            "7",
            "7x",
            "-5m",
            "1.5h",
        ] {
            let e = parse(bad, "custom duration", BLOCK)
                .unwrap_err()
                .to_string();
            assert!(e.contains("custom duration"), "{bad}: {e}");
        }
        assert!(days(i64::MAX, "window_days", WINDOW_DAYS).is_err());
        assert!(days(0, "window_days", WINDOW_DAYS).is_err());
        assert!(seconds(u64::MAX, "timeout_secs", TIMEOUT).is_err());
        assert!(millis(u64::MAX, "backoff_base_ms", BACKOFF).is_err());
        assert!(add(DateTime::<Utc>::MAX_UTC, TimeDelta::days(1)).is_err());
    }
}
