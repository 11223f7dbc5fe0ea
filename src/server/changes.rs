//! The change feed: the engine's audit log, served by `GET /api/v2/sigscope/changes?after=SEQ`,
//! which long-polls on a watch channel (woken by this server's writes) until there is an event.
use super::auth::Actor;
use super::errors::{ApiError, ApiResult};
use super::AppState;
use crate::engine::Reads;
use crate::model::Permission;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;

/// At most this many events per answer; the client asks again with the last seq.
const PAGE: usize = 500;
/// A page stops adding events once this many signals are included (it always has one event):
/// an ingest event names up to 5,000 signals, and 500 of them would make a page of gigabytes.
const MAX_INCLUDED: usize = 2_000;
/// Writes by other processes on the same store (the CLI) do not wake the watch; look this often.
const RECHECK: Duration = Duration::from_secs(1);

pub struct Changes {
    tx: watch::Sender<i64>,
}

impl Changes {
    pub fn new(last_seq: i64) -> Changes {
        Changes {
            tx: watch::channel(last_seq).0,
        }
    }

    /// Wake the long-polls; call after the transaction that recorded `seq` has committed.
    pub fn published(&self, seq: i64) {
        self.tx.send_if_modified(|v| {
            if seq > *v {
                *v = seq;
                true
            } else {
                false
            }
        });
    }

    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.tx.subscribe()
    }
}

/// A page of the audit log after `after`: the events, then every signal they touched as it is now
/// (once each, under `included`), so a client needs no second request.
fn page_json(reads: &Reads, after: i64) -> ApiResult<Option<Value>> {
    let events = reads.changes_since(after, PAGE)?;
    if events.is_empty() {
        return Ok(None);
    }
    let head = reads.latest_seq()?;
    let mut seen = std::collections::HashSet::new();
    let mut included = Vec::new();
    let mut data = Vec::with_capacity(events.len());
    let mut last = after;
    for e in &events {
        if !data.is_empty() && seen.len() + e.signal_ids.len() > MAX_INCLUDED {
            break;
        }
        last = e.seq;
        for id in &e.signal_ids {
            if seen.insert(id.clone()) {
                if let Some(s) = reads.signal(id)? {
                    included.push(super::routes_signals::get_shape(&s));
                }
            }
        }
        data.push(json!({
            "seq": e.seq,
            "time": crate::model::json::fmt_time(&e.time),
            "actor": e.actor,
            "action": e.action,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "signal_ids": e.signal_ids,
        }));
    }
    Ok(Some(json!({
        "data": data,
        "included": included,
        "meta": { "last_seq": last, "head": head },
    })))
}

/// `GET /api/v2/sigscope/changes?after=SEQ[&wait=SECONDS]`.
pub async fn feed(
    State(st): State<AppState>,
    actor: Actor,
    params: std::result::Result<
        Query<HashMap<String, String>>,
        axum::extract::rejection::QueryRejection,
    >,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::SecurityMonitoringSignalsRead)?;
    let Query(params) = params.map_err(|e| ApiError::bad_param("after", e.body_text()))?;
    let after = match params.get("after") {
        None => 0,
        Some(s) => s.parse::<i64>().map_err(|_| {
            ApiError::bad_param("after", format!("after must be an integer, found {s:?}"))
        })?,
    };
    let wait = match params.get("wait") {
        None => st.opts.long_poll,
        Some(s) => s
            .parse::<u64>()
            .map(|w| Duration::from_secs(w).min(st.opts.long_poll))
            .map_err(|_| {
                ApiError::bad_param("wait", format!("wait must be whole seconds, found {s:?}"))
            })?,
    };
    // Subscribe before reading, so a change committed between the read and the wait still wakes us.
    let mut rx = st.changes.subscribe();
    let mut shutdown = st.shutdown.clone();
    let user = actor.user;
    let u = user.clone();
    if let Some(v) = st.db.read(move |e| page_json(&e.reads(&u), after)).await? {
        return Ok(Json(v));
    }
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let recheck = tokio::time::Instant::now() + RECHECK;
        tokio::select! {
            r = rx.changed() => { if r.is_err() { break; } }
            _ = tokio::time::sleep_until(recheck.min(deadline)) => {}
            _ = shutdown.changed() => break,
        }
        rx.borrow_and_update();
        let u = user.clone();
        if let Some(v) = st.db.read(move |e| page_json(&e.reads(&u), after)).await? {
            return Ok(Json(v));
        }
        if tokio::time::Instant::now() >= deadline {
            break;
        }
    }
    // `head` lets a client notice a server whose feed is behind its cursor (a restored store).
    let head = st
        .db
        .read(move |e| Ok(e.reads(&user).latest_seq()?))
        .await?;
    Ok(Json(
        json!({ "data": [], "meta": { "last_seq": after.min(head), "head": head } }),
    ))
}
