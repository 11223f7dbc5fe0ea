//! Times as the analyst reads them: in the local time zone (TZ), or the one `[ui] timezone`
//! names (`UTC`, `local`, or an offset such as `+02:00`), and always labelled, since a time
//! without its zone is a trap when a team spans several.
use chrono::{DateTime, FixedOffset, Local, Offset, Utc};
use std::sync::RwLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    Local,
    Utc,
    Fixed(FixedOffset),
}

static ZONE: RwLock<Zone> = RwLock::new(Zone::Local);

impl Zone {
    /// `[ui] timezone`: `local`, `UTC`/`Z`, or `+HH:MM` / `-HH:MM` / `+HH`.
    pub fn parse(s: &str) -> Result<Zone, String> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "" | "local" => return Ok(Zone::Local),
            "utc" | "z" | "gmt" => return Ok(Zone::Utc),
            _ => {}
        }
        let (sign, rest) = match t.as_bytes().first() {
            Some(b'+') => (1, &t[1..]),
            Some(b'-') => (-1, &t[1..]),
            _ => {
                return Err(format!(
                    "timezone {t:?}: expected local, UTC or an offset such as +02:00"
                ))
            }
        };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        let (Ok(h), Ok(m)) = (h.parse::<i32>(), m.parse::<i32>()) else {
            return Err(format!("timezone {t:?}: expected an offset such as +02:00"));
        };
        FixedOffset::east_opt(sign * (h * 3600 + m * 60))
            .filter(|_| h <= 14 && m < 60)
            .map(Zone::Fixed)
            .ok_or_else(|| format!("timezone {t:?}: the offset is out of range"))
    }
}

/// Set the zone every time is shown in (once, at start-up).
pub fn set_zone(z: Zone) {
    *ZONE.write().unwrap_or_else(|p| p.into_inner()) = z;
}

fn zone() -> Zone {
    *ZONE.read().unwrap_or_else(|p| p.into_inner())
}

/// `t` in the zone shown.
pub fn shown(t: &DateTime<Utc>) -> DateTime<FixedOffset> {
    let off = match zone() {
        Zone::Utc => Utc.fix(),
        Zone::Fixed(o) => o,
        Zone::Local => t.with_timezone(&Local).offset().fix(),
    };
    t.with_timezone(&off)
}

/// `t` formatted (chrono's `strftime`) in the zone shown.
pub fn fmt(t: &DateTime<Utc>, f: &str) -> String {
    shown(t).format(f).to_string()
}

/// The zone's label: `UTC`, else the offset now (`+02:00`).
pub fn label() -> String {
    let off = shown(&Utc::now()).offset().local_minus_utc();
    if off == 0 {
        "UTC".into()
    } else {
        let (s, a) = if off < 0 { ('-', -off) } else { ('+', off) };
        format!("UTC{s}{:02}:{:02}", a / 3600, a % 3600 / 60)
    }
}

/// The zone's short label, for a column header: `UTC` or `+02:00`.
pub fn short_label() -> String {
    let l = label();
    l.strip_prefix("UTC")
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .unwrap_or(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_parse_and_errors_say_what_is_expected() {
        assert_eq!(Zone::parse("UTC"), Ok(Zone::Utc));
        assert_eq!(Zone::parse("local"), Ok(Zone::Local));
        assert_eq!(
            Zone::parse("+02:00"),
            Ok(Zone::Fixed(FixedOffset::east_opt(7200).unwrap()))
        );
        assert!(Zone::parse("Mars/Olympus").unwrap_err().contains("+02:00"));
    }
}
