//! Request parameters of the signals list and search: time bounds with `now-15m` date math, sort,
//! page limit, the opaque cursor, and the query.
use super::errors::{ApiError, ApiResult};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// RFC 3339, epoch milliseconds, `now`, or `now-<n><s|m|h|d|w>`.
pub fn parse_time(param: &str, s: &str, now: DateTime<Utc>) -> ApiResult<DateTime<Utc>> {
    let bad = || {
        ApiError::bad_param(
            param,
            format!("{param}: {s:?} is not an RFC 3339 time, epoch milliseconds or now-15m style date math"),
        )
    };
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    if let Ok(ms) = t.parse::<i64>() {
        return Utc.timestamp_millis_opt(ms).single().ok_or_else(bad);
    }
    let Some(rest) = t.strip_prefix("now") else {
        return Err(bad());
    };
    if rest.is_empty() {
        return Ok(now);
    }
    let (sign, rest) = match rest.as_bytes()[0] {
        b'-' => (-1, &rest[1..]),
        b'+' => (1, &rest[1..]),
        _ => return Err(bad()),
    };
    let unit = rest.chars().last().ok_or_else(bad)?;
    let n: i64 = rest[..rest.len() - unit.len_utf8()]
        .parse()
        .map_err(|_| bad())?;
    let d = match unit {
        's' => Duration::try_seconds(n),
        'm' => Duration::try_minutes(n),
        'h' => Duration::try_hours(n),
        'd' => Duration::try_days(n),
        'w' => Duration::try_weeks(n),
        _ => None,
    }
    .ok_or_else(bad)?;
    now.checked_add_signed(d * sign).ok_or_else(bad)
}

/// `timestamp` (oldest first) or `-timestamp` (newest first, the default). Returns ascending.
pub fn parse_sort(param: &str, s: Option<&str>) -> ApiResult<bool> {
    match s.map(str::trim) {
        None | Some("") | Some("-timestamp") => Ok(false),
        Some("timestamp") => Ok(true),
        Some(other) => Err(ApiError::bad_param(
            param,
            format!("{param}: {other:?} is not a sort order (timestamp or -timestamp)"),
        )),
    }
}

pub const MAX_LIMIT: i64 = 1000;

pub fn check_limit(param: &str, n: i64) -> ApiResult<usize> {
    if !(1..=MAX_LIMIT).contains(&n) {
        return Err(ApiError::bad_param(
            param,
            format!("{param} must be between 1 and {MAX_LIMIT}, found {n}"),
        ));
    }
    Ok(n as usize)
}

pub fn parse_limit(param: &str, s: Option<&str>) -> ApiResult<usize> {
    match s {
        None => Ok(10),
        Some(s) => check_limit(
            param,
            s.trim().parse::<i64>().map_err(|_| {
                ApiError::bad_param(param, format!("{param} must be an integer, found {s:?}"))
            })?,
        ),
    }
}

/// Where a page ends: the last row's (timestamp ms, id), hex-encoded so it is opaque and URL-safe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub ts: i64,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        hex::encode(format!("{}:{}", self.ts, self.id))
    }

    pub fn decode(param: &str, s: &str) -> ApiResult<Cursor> {
        let bad =
            || ApiError::bad_param(param, format!("{param} is not a cursor this server issued"));
        let bytes = hex::decode(s.trim()).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (ts, id) = text.split_once(':').ok_or_else(bad)?;
        Ok(Cursor {
            ts: ts.parse().map_err(|_| bad())?,
            id: id.to_string(),
        })
    }
}

/// A compiled `filter[query]`; a syntax error names the parameter and the column.
pub struct QueryFilter {
    inner: Option<crate::query::Query>,
}

impl QueryFilter {
    pub fn parse(param: &str, q: Option<&str>) -> ApiResult<QueryFilter> {
        let q = q.map(str::trim).unwrap_or("");
        if q.is_empty() || q == "*" {
            return Ok(QueryFilter { inner: None });
        }
        crate::query::parse(q)
            .map(|parsed| QueryFilter {
                inner: Some(parsed),
            })
            .map_err(|e| ApiError::bad_param(param, format!("{param}: {e}")))
    }

    /// The parsed query; `None` matches everything.
    pub fn into_query(self) -> Option<crate::query::Query> {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_math_and_formats() {
        let now = Utc.with_ymd_and_hms(2026, 1, 2, 12, 0, 0).unwrap();
        assert_eq!(parse_time("f", "now", now).unwrap(), now);
        assert_eq!(
            parse_time("f", "now-15m", now).unwrap(),
            now - Duration::minutes(15)
        );
        assert_eq!(
            parse_time("f", "2026-01-01T00:00:00.000Z", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
        );
        assert!(parse_time("filter[from]", "yesterday", now).is_err());
        assert!(parse_time("filter[from]", "now-15x", now).is_err());
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            ts: 17,
            id: "AQ:x".into(),
        };
        assert_eq!(Cursor::decode("c", &c.encode()).unwrap(), c);
        assert!(Cursor::decode("page[cursor]", "zz").is_err());
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(parse_limit("l", None).unwrap(), 10);
        assert!(parse_limit("page[limit]", Some("100000")).is_err());
        assert!(parse_limit("page[limit]", Some("0")).is_err());
    }
}
