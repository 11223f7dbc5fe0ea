//! Durations as people type them (`30m`, `24h`, `7d`, `permanent`) and as Go prints them
//! (`23h59m50s`), which is what CrowdSec bouncers parse with `time.ParseDuration`.
use crate::error::{Error, Result};
use chrono::Duration;

/// `30s`, `30m`, `1h`, `24h`, `7d`, `2w`, or combinations (`1h30m`); `permanent`/`forever` is `None`.
pub fn parse(s: &str) -> Result<Option<Duration>> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("permanent") || t.eq_ignore_ascii_case("forever") {
        return Ok(None);
    }
    crate::timing::parse(t, "duration", crate::timing::BLOCK)
        .map(Some)
        .map_err(|e| match e {
            Error::Usage(m) => Error::Usage(format!("{m} (or permanent)")),
            other => other,
        })
}

/// Whole seconds in Go's `time.Duration.String()` form: `0s`, `45s`, `1m0s`, `23h59m50s`.
pub fn go_format(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

/// The shortest exact human form (`30m`, `24h`, `7d`, `90s`), for tables and rule listings.
pub fn human(d: Option<Duration>) -> String {
    let Some(d) = d else {
        return "permanent".into();
    };
    let s = d.num_seconds();
    for (unit, n) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if s >= n && s % n == 0 {
            return format!("{}{unit}", s / n);
        }
    }
    format!("{s}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_picker_durations() {
        assert_eq!(parse("30m").unwrap(), Some(Duration::minutes(30)));
        assert_eq!(parse("24h").unwrap(), Some(Duration::hours(24)));
        assert_eq!(parse("7d").unwrap(), Some(Duration::days(7)));
        assert_eq!(parse("1h30m").unwrap(), Some(Duration::minutes(90)));
        assert_eq!(parse("permanent").unwrap(), None);
        for bad in ["", "0s", "5", "h", "3x", "-1h", "99999999999999d"] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(go_format(0), "0s");
        assert_eq!(go_format(45), "45s");
        assert_eq!(go_format(60), "1m0s");
        assert_eq!(go_format(3600), "1h0m0s");
        assert_eq!(go_format(86_390), "23h59m50s");
        assert_eq!(human(Some(Duration::days(7))), "7d");
        assert_eq!(human(Some(Duration::seconds(90))), "90s");
        assert_eq!(human(None), "permanent");
    }
}
