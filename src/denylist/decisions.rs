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

/// Each entry's last event, kept current as the history grows, so a poll reads only the events
/// since the previous one instead of the whole history.
#[derive(Clone, Debug, Default)]
pub struct LastEvents {
    /// The newest history event applied.
    pub seq: i64,
    by_entry: BTreeMap<i64, HistoryEvent>,
}

impl LastEvents {
    pub fn from_history(history: &[HistoryEvent]) -> LastEvents {
        let mut m = LastEvents::default();
        m.extend(history.iter().cloned());
        m
    }

    /// Apply events newer than those already applied (older ones change nothing).
    pub fn extend(&mut self, events: impl IntoIterator<Item = HistoryEvent>) {
        for e in events {
            self.seq = self.seq.max(e.seq);
            if self.by_entry.get(&e.entry_id).is_none_or(|p| p.seq < e.seq) {
                self.by_entry.insert(e.entry_id, e);
            }
        }
    }

    /// The answer to one poll and the bouncer's next cursor (see `stream`).
    pub fn stream(
        &self,
        cursor: Option<Cursor>,
        startup: bool,
        now: DateTime<Utc>,
    ) -> (DecisionStream, Cursor) {
        let next = Cursor {
            seq: self.seq.max(cursor.map_or(0, |c| c.seq)),
            at: now,
        };
        let mut out = DecisionStream {
            new: Vec::new(),
            deleted: Vec::new(),
        };
        let cursor = match cursor {
            Some(c) if !startup => c,
            _ => {
                out.new = self
                    .by_entry
                    .values()
                    .filter(|e| active(e, now))
                    .filter_map(|e| wire(e, now))
                    .collect();
                return (out, next);
            }
        };
        for e in self.by_entry.values() {
            if scope(&e.value).is_none() {
                continue;
            }
            // An entry's last event is its newest, so it is after the cursor exactly when any
            // of the entry's events is.
            let touched = e.seq > cursor.seq;
            if active(e, now) {
                if touched {
                    out.new.extend(wire(e, now));
                }
                continue;
            }
            // Ended: lifted or expired by an event since the cursor, or run out on the clock
            // since the previous poll (nobody writes an event at the moment a block expires).
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

    /// The active IP and range blocks that cover `ip` (see `for_ip`).
    pub fn for_ip(&self, ip: std::net::IpAddr, now: DateTime<Utc>) -> Option<Vec<WireDecision>> {
        let mut hits: Vec<&HistoryEvent> = self
            .by_entry
            .values()
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
}

/// The answer to one poll and the bouncer's next cursor. `cursor: None` (or `startup`) is a
/// startup answer: everything active in `new`, `deleted` empty.
pub fn stream(
    history: &[HistoryEvent],
    cursor: Option<Cursor>,
    startup: bool,
    now: DateTime<Utc>,
) -> (DecisionStream, Cursor) {
    LastEvents::from_history(history).stream(cursor, startup, now)
}

/// `GET /v1/decisions?ip=`: the active IP and range blocks that cover `ip`, longest first (a live
/// bouncer that applies the first decision keeps a host block that outlasts its range), or `None`
/// (CrowdSec answers `null`) when nothing does.
pub fn for_ip(
    history: &[HistoryEvent],
    ip: std::net::IpAddr,
    now: DateTime<Utc>,
) -> Option<Vec<WireDecision>> {
    LastEvents::from_history(history).for_ip(ip, now)
}

#[cfg(test)]
#[path = "decisions_tests.rs"]
mod tests;
