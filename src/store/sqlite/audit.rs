//! The audit log: appended inside the transaction that made the change, never updated (triggers refuse).
use super::{from_ms, to_ms};
use crate::error::{Error, Result};
use crate::model::{AuditEvent, AuditFilter};
use crate::store::AuditRows;
use rusqlite::{params, Connection, Row};

/// Append one event and index it under each signal it touched; returns its seq.
pub fn append(conn: &Connection, e: &AuditEvent) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO audit (time, actor, action, target_type, target_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        to_ms(&e.time),
        e.actor,
        e.action,
        e.target_type,
        e.target_id,
        serde_json::to_string(&e.before)?,
        serde_json::to_string(&e.after)?,
    ])?;
    let seq = conn.last_insert_rowid();
    let ids: Vec<&str> = e.signal_ids.iter().map(String::as_str).collect();
    add_signals(conn, seq, &ids)?;
    Ok(seq)
}

/// Index event `seq` under each of `ids` (a repeated id once).
pub fn add_signals(conn: &Connection, seq: i64, ids: &[&str]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    // One statement over the ids as a JSON array, not a statement per id: an import's event
    // names every signal of the file.
    conn.prepare_cached(
        "INSERT OR IGNORE INTO audit_signals (signal_id, seq) SELECT value, ?2 FROM json_each(?1)",
    )?
    .execute(params![serde_json::to_string(ids)?, seq])?;
    Ok(())
}

type RawEvent = (i64, i64, String, String, String, String, String, String);

fn raw(r: &Row) -> rusqlite::Result<RawEvent> {
    r.try_into()
}

fn finish(conn: &Connection, r: RawEvent) -> Result<AuditEvent> {
    let (seq, time, actor, action, target_type, target_id, before, after) = r;
    let json = |s: &str| {
        serde_json::from_str(s)
            .map_err(|e| Error::Store(format!("audit event {seq}: unreadable JSON: {e}")))
    };
    let mut stmt = conn
        .prepare_cached("SELECT signal_id FROM audit_signals WHERE seq = ?1 ORDER BY signal_id")?;
    let signal_ids = stmt
        .query_map([seq], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(AuditEvent {
        seq,
        time: from_ms(time)?,
        actor,
        action,
        target_type,
        target_id,
        signal_ids,
        before: json(&before)?,
        after: json(&after)?,
    })
}

const COLS: &str =
    "a.seq, a.time, a.actor, a.action, a.target_type, a.target_id, a.before, a.after";

fn collect(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<AuditEvent>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map(p, raw)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|r| finish(conn, r)).collect()
}

/// Every event that touched a signal, oldest first.
pub fn for_signal(conn: &Connection, signal_id: &str) -> Result<Vec<AuditEvent>> {
    collect(
        conn,
        &format!(
            "SELECT {COLS} FROM audit a JOIN audit_signals s ON s.seq = a.seq
             WHERE s.signal_id = ?1 ORDER BY a.seq"
        ),
        [signal_id],
    )
}

/// The newest event that touched a signal with one of `actions` (all actions when empty): who last
/// changed it, for conflict messages.
pub fn latest_for_signal(
    conn: &Connection,
    signal_id: &str,
    actions: &[&str],
) -> Result<Option<AuditEvent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM audit a JOIN audit_signals s ON s.seq = a.seq
         WHERE s.signal_id = ?1 ORDER BY a.seq DESC"
    ))?;
    let mut rows = stmt.query([signal_id])?;
    while let Some(row) = rows.next()? {
        let r = raw(row)?;
        if actions.is_empty() || actions.contains(&r.3.as_str()) {
            return finish(conn, r).map(Some);
        }
    }
    Ok(None)
}

/// Events after `seq`, oldest first, at most `limit`.
pub fn since(conn: &Connection, seq: i64, limit: usize) -> Result<Vec<AuditEvent>> {
    collect(
        conn,
        &format!("SELECT {COLS} FROM audit a WHERE a.seq > ?1 ORDER BY a.seq LIMIT ?2"),
        params![seq, i64::try_from(limit).unwrap_or(i64::MAX)],
    )
}

/// Events about one target (`case`, `SEC-3`), oldest first.
pub fn for_target(
    conn: &Connection,
    target_type: &str,
    target_id: &str,
) -> Result<Vec<AuditEvent>> {
    collect(
        conn,
        &format!(
            "SELECT {COLS} FROM audit a WHERE a.target_type = ?1 AND a.target_id = ?2 ORDER BY a.seq"
        ),
        params![target_type, target_id],
    )
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))?)
}

/// The newest events matching `f`, oldest first (the way `tail` shows a log).
pub fn list(conn: &Connection, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
    let limit = f.limit.and_then(|l| i64::try_from(l).ok()).unwrap_or(-1);
    let mut out = collect(
        conn,
        &format!(
            "SELECT {COLS} FROM audit a
             WHERE (?1 IS NULL OR a.actor = ?1 COLLATE NOCASE)
               AND (?2 IS NULL OR a.target_type = ?2)
               AND (?3 IS NULL OR a.time >= ?3)
             ORDER BY a.seq DESC LIMIT ?4"
        ),
        params![f.actor, f.target_type, f.since.as_ref().map(to_ms), limit],
    )?;
    out.reverse();
    Ok(out)
}

impl AuditRows for Connection {
    fn append_audit(&self, e: &AuditEvent) -> Result<i64> {
        append(self, e)
    }
    fn add_audit_signals(&self, seq: i64, ids: &[&str]) -> Result<()> {
        add_signals(self, seq, ids)
    }
    fn audit_for_signal(&self, signal_id: &str) -> Result<Vec<AuditEvent>> {
        for_signal(self, signal_id)
    }
    fn latest_audit_for_signal(
        &self,
        signal_id: &str,
        actions: &[&str],
    ) -> Result<Option<AuditEvent>> {
        latest_for_signal(self, signal_id, actions)
    }
    fn audit_since(&self, seq: i64, limit: usize) -> Result<Vec<AuditEvent>> {
        since(self, seq, limit)
    }
    fn audit_for_target(&self, target_type: &str, target_id: &str) -> Result<Vec<AuditEvent>> {
        for_target(self, target_type, target_id)
    }
    fn audit_list(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
        list(self, f)
    }
    fn latest_seq(&self) -> Result<i64> {
        Ok(self.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit", [], |r| r.get(0))?)
    }
}
