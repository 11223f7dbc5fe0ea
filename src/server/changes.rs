//! The change feed: every applied write records a row (seq, signal, actor, action), and
//! `GET /api/v2/sigscope/changes?after=SEQ` long-polls on a watch channel until there is one.
use super::auth::Actor;
use super::errors::{ApiError, ApiResult};
use super::AppState;
use crate::error::Result;
use crate::model::Permission;
use axum::extract::{Query, State};
use axum::Json;
use rusqlite::{params, Connection};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;

/// At most this many changes per answer; the client asks again with the last seq.
const PAGE: i64 = 500;

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

/// Record one change inside the writer's transaction; returns its seq.
pub fn record(
    conn: &Connection,
    signal_id: &str,
    actor: &str,
    action: &str,
    version: i64,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO server_changes (signal_id, actor, action, version, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        signal_id,
        actor,
        action,
        version,
        chrono::Utc::now().timestamp_millis()
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM server_changes",
        [],
        |r| r.get(0),
    )?)
}

/// One change as the feed sends it: the signal as it is now, so a client needs no second request.
#[derive(Clone, Debug)]
pub struct ChangeRow {
    pub seq: i64,
    pub signal_id: String,
    pub actor: String,
    pub action: String,
    pub version: i64,
    pub at: i64,
}

pub fn since(conn: &Connection, after: i64, limit: i64) -> Result<Vec<ChangeRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, signal_id, actor, action, version, at FROM server_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok(ChangeRow {
            seq: r.get(0)?,
            signal_id: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            version: r.get(4)?,
            at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn page_json(conn: &Connection, after: i64) -> ApiResult<Option<Value>> {
    let rows = since(conn, after, PAGE)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let head = last_seq(conn)?;
    let last = rows.last().map(|r| r.seq).unwrap_or(after);
    let mut data = Vec::with_capacity(rows.len());
    for r in rows {
        let signal = crate::store::sqlite::signals::get_signal(conn, &r.signal_id)?;
        data.push(json!({
            "seq": r.seq,
            "signal_id": r.signal_id,
            "actor": r.actor,
            "action": r.action,
            "version": r.version,
            "at": r.at,
            "signal": signal.map(|s| super::routes_signals::get_shape(&s)),
        }));
    }
    Ok(Some(
        json!({ "data": data, "meta": { "last_seq": last, "head": head } }),
    ))
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
    if let Some(v) = st.db.read(move |s| page_json(s.conn(), after)).await? {
        return Ok(Json(v));
    }
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        tokio::select! {
            r = rx.changed() => { if r.is_err() { break; } }
            _ = tokio::time::sleep_until(deadline) => break,
            _ = shutdown.changed() => break,
        }
        if *rx.borrow_and_update() > after {
            if let Some(v) = st.db.read(move |s| page_json(s.conn(), after)).await? {
                return Ok(Json(v));
            }
        }
    }
    // `head` lets a client notice a server whose feed is behind its cursor (a restored store).
    let head = *rx.borrow();
    Ok(Json(
        json!({ "data": [], "meta": { "last_seq": after.min(head), "head": head } }),
    ))
}
