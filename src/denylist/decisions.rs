//! The CrowdSec Local API decision stream, as bouncers poll it (`GET /v1/decisions/stream`).
//!
//! A bouncer first asks with `startup=true` and gets every active IP and range block; afterwards it
//! gets what changed since its previous poll: blocks made or extended in `new`, blocks lifted or
//! expired in `deleted`. Empty lists are `null`, as CrowdSec answers. User blocks are not sent:
//! bouncers enforce addresses only.
use super::duration::go_format;
use super::entry::{BlockValue, HistoryAction, HistoryEvent, ValueKind};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// CrowdSec decisions always have an end; a permanent block is sent as ten years, which every
/// bouncer treats as "until further notice" and which still fits nftables' and ipset's timeouts
/// after their own clamping.
pub const PERMANENT_SECS: i64 = 10 * 365 * 86_400;

/// Where a bouncer's previous poll stopped: the last history event it saw and when it polled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Cursor {
    pub seq: i64,
    pub at: DateTime<Utc>,
}

/// One decision in CrowdSec's wire form.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WireDecision {
    pub id: i64,
    pub origin: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub scope: &'static str,
    pub value: String,
    pub duration: String,
    pub scenario: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecisionStream {
    #[serde(serialize_with = "null_if_empty")]
    pub new: Vec<WireDecision>,
    #[serde(serialize_with = "null_if_empty")]
    pub deleted: Vec<WireDecision>,
}

fn null_if_empty<S: serde::Serializer>(
    v: &[WireDecision],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    if v.is_empty() {
        s.serialize_none()
    } else {
        s.collect_seq(v)
    }
}

/// Each entry's last event (by `seq`), keyed and ordered by entry id.
fn last_events(history: &[HistoryEvent]) -> BTreeMap<i64, &HistoryEvent> {
    let mut m: BTreeMap<i64, &HistoryEvent> = BTreeMap::new();
    for e in history {
        if m.get(&e.entry_id).is_none_or(|p| p.seq < e.seq) {
            m.insert(e.entry_id, e);
        }
    }
    m
}

fn scope(v: &BlockValue) -> Option<&'static str> {
    v.kind().crowdsec_scope()
}

fn wire(e: &HistoryEvent, now: DateTime<Utc>) -> Option<WireDecision> {
    let scope = scope(&e.value)?;
    let secs = match e.expires_at {
        Some(t) => {
            let ms = (t - now).num_milliseconds().max(0);
            (ms + 999) / 1000
        }
        None => PERMANENT_SECS,
    };
    Some(WireDecision {
        id: e.entry_id,
        origin: "sigscope",
        kind: "ban",
        scope,
        value: e.value.to_string(),
        duration: go_format(secs),
        scenario: one_line(&e.reason),
    })
}

/// Bouncers hand the scenario to scripts and logs as one argument or field: keep it one line.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn active(e: &HistoryEvent, now: DateTime<Utc>) -> bool {
    matches!(e.action, HistoryAction::Made | HistoryAction::Extended)
        && e.expires_at.is_none_or(|t| t > now)
}

/// The answer to one poll and the bouncer's next cursor. `cursor: None` (or `startup`) is a
/// startup answer: everything active in `new`, `deleted` empty.
pub fn stream(
    history: &[HistoryEvent],
    cursor: Option<Cursor>,
    startup: bool,
    now: DateTime<Utc>,
) -> (DecisionStream, Cursor) {
    let last = last_events(history);
    let next = Cursor {
        seq: history
            .iter()
            .map(|e| e.seq)
            .max()
            .unwrap_or(0)
            .max(cursor.map_or(0, |c| c.seq)),
        at: now,
    };
    let mut out = DecisionStream {
        new: Vec::new(),
        deleted: Vec::new(),
    };
    let cursor = match cursor {
        Some(c) if !startup => c,
        _ => {
            out.new = last
                .values()
                .filter(|e| active(e, now))
                .filter_map(|e| wire(e, now))
                .collect();
            return (out, next);
        }
    };
    let touched_ids: std::collections::HashSet<i64> = history
        .iter()
        .filter(|h| h.seq > cursor.seq)
        .map(|h| h.entry_id)
        .collect();
    for e in last.values() {
        if scope(&e.value).is_none() {
            continue;
        }
        let touched = touched_ids.contains(&e.entry_id);
        if active(e, now) {
            if touched {
                out.new.extend(wire(e, now));
            }
            continue;
        }
        // Ended: lifted or expired by an event since the cursor, or run out on the clock since
        // the previous poll (nobody writes an event at the moment a block expires).
        let ended_since = touched || e.expires_at.is_some_and(|t| t > cursor.at && t <= now);
        if ended_since {
            if let Some(mut d) = wire(e, now) {
                d.duration = go_format(0);
                out.deleted.push(d);
            }
        }
    }
    (out, next)
}

/// `GET /v1/decisions?ip=`: the active IP and range blocks that cover `ip`, longest first (a live
/// bouncer that applies the first decision keeps a host block that outlasts its range), or `None`
/// (CrowdSec answers `null`) when nothing does.
pub fn for_ip(
    history: &[HistoryEvent],
    ip: std::net::IpAddr,
    now: DateTime<Utc>,
) -> Option<Vec<WireDecision>> {
    let mut hits: Vec<&HistoryEvent> = last_events(history)
        .into_values()
        .filter(|e| active(e, now))
        .filter(|e| e.value.kind() != ValueKind::User)
        .filter(|e| e.value.net().is_some_and(|n| n.contains(&ip)))
        .collect();
    // Permanent first, then the latest end; ties keep entry order.
    hits.sort_by_key(|e| {
        std::cmp::Reverse(e.expires_at.map_or(i64::MAX, |t| t.timestamp_millis()))
    });
    let ds: Vec<WireDecision> = hits.into_iter().filter_map(|e| wire(e, now)).collect();
    (!ds.is_empty()).then_some(ds)
}

#[cfg(test)]
#[path = "decisions_tests.rs"]
mod tests;
