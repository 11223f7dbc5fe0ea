//! The times audit logs write: Apache's `03/Dec/2026:07:49:55.526125 +0000` (ModSecurity 2.9,
//! Coraza), v3's `Wed Apr 23 22:15:00 2025`, and epoch numbers of any magnitude.
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// `03/Dec/2026:07:49:55.526125 +0000` (2.9, Coraza).
pub fn apache_time(s: &str) -> Option<DateTime<Utc>> {
    apache_time_fast(s).or_else(|| {
        DateTime::parse_from_str(s, "%d/%b/%Y:%H:%M:%S%.f %z")
            .ok()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// The exact form every Apache writes (two-digit day, English month, up to nine fraction digits,
/// `+hhmm`), read by position: a general format parser costs more than the rest of a benign line.
/// Anything else is `None` and goes to chrono's parser, which gives the same answer for these.
fn apache_time_fast(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let sep = |at: usize, c: u8| b.get(at) == Some(&c);
    if !(sep(2, b'/') && sep(6, b'/') && sep(11, b':') && sep(14, b':') && sep(17, b':')) {
        return None;
    }
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let month = MONTHS.iter().position(|m| b.get(3..6) == Some(*m))? as u32 + 1;
    let (day, year) = (num(0, 2)?, num(7, 4)?);
    let (h, mi, sec) = (num(12, 2)?, num(15, 2)?, num(18, 2)?);
    if sec > 59 {
        return None; // leap seconds: chrono's rules
    }
    let mut at = 20;
    let mut nanos = 0u32;
    if sep(at, b'.') {
        let digits = b
            .get(at + 1..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = num(at + 1, digits)? * 10u32.pow(9 - digits as u32);
        at += 1 + digits;
    }
    if !sep(at, b' ') || b.len() != at + 6 {
        return None;
    }
    let sign = match b.get(at + 1)? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (oh, om) = (num(at + 2, 2)?, num(at + 4, 2)?);
    if oh > 23 || om > 59 {
        return None;
    }
    let offset = FixedOffset::east_opt(sign * (oh * 3600 + om * 60) as i32)?;
    let naive =
        NaiveDate::from_ymd_opt(year as i32, month, day)?.and_hms_nano_opt(h, mi, sec, nanos)?;
    Some(
        offset
            .from_local_datetime(&naive)
            .single()?
            .with_timezone(&Utc),
    )
}

/// `Wed Apr 23 22:15:00 2025` (v3 writes local time without a zone; read as UTC).
pub fn ctime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&s, "%a %b %d %H:%M:%S %Y")
        .ok()
        .map(|n| Utc.from_utc_datetime(&n))
}

/// Epoch seconds, milliseconds or nanoseconds, by magnitude.
pub fn epoch_any(n: i64) -> Option<DateTime<Utc>> {
    let ms = if n > 1_000_000_000_000_000 {
        n / 1_000_000
    } else if n > 100_000_000_000 {
        n
    } else {
        n.checked_mul(1000)?
    };
    Utc.timestamp_millis_opt(ms).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_only(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_str(s, "%d/%b/%Y:%H:%M:%S%.f %z")
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    #[test]
    fn times() {
        assert_eq!(
            apache_time("03/Dec/2026:07:49:55.526125 +0100")
                .unwrap()
                .to_rfc3339(),
            "2026-12-03T06:49:55.526125+00:00"
        );
        assert!(ctime("Wed Apr 23 22:15:00 2025").is_some());
        assert!(epoch_any(1629575755).is_some());
    }

    #[test]
    fn the_fast_apache_path_agrees_with_chrono() {
        let cases = [
            "03/Dec/2026:07:49:55.526125 +0000",
            "03/Dec/2026:07:49:55 +0000",
            "03/Dec/2026:07:49:55.5 -0130",
            "29/Feb/2024:23:59:59.123456789 +2359",
            "31/Jan/1999:00:00:00.000001 -0000",
            "01/Jul/2026:12:00:00.1234 +0530",
        ];
        for c in cases {
            let fast = apache_time_fast(c);
            assert!(fast.is_some(), "{c}");
            assert_eq!(fast, chrono_only(c), "{c}");
        }
    }

    #[test]
    fn what_the_fast_path_declines_goes_to_chrono() {
        for c in [
            "3/Dec/2026:07:49:55 +0000",
            "03/dec/2026:07:49:55 +0000",
            "29/Feb/2023:10:00:00 +0000",
            "03/Dec/2026:24:00:00 +0000",
            "03/Dec/2026:07:49:60 +0000",
            "03/Dec/2026:07:49:55.1234567890 +0000",
            "03/Dec/2026:07:49:55. +0000",
            "03/Dec/2026:07:49:55 +00:00",
            "03/Dec/2026:07:49:55 +0000 trailing",
            "03/Xyz/2026:07:49:55 +0000",
            "",
            "03/Dec/2026:07:49:5é +0000",
        ] {
            assert_eq!(apache_time_fast(c), None, "{c}");
            assert_eq!(apache_time(c), chrono_only(c), "{c}");
        }
    }
}
