//! The durable outbox in the client's cache: writes made against a remote wait here, in order, each
//! with an idempotency key and the version it was based on, until the remote has them.
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryState {
    Pending,
    Done,
    /// The remote had moved on: kept, with the remote's version, for the analyst to see.
    Conflict,
    /// Refused for good (403, 404, 400): kept with the reason.
    Failed,
}

impl EntryState {
    fn as_str(&self) -> &'static str {
        match self {
            EntryState::Pending => "pending",
            EntryState::Done => "done",
            EntryState::Conflict => "conflict",
            EntryState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> EntryState {
        match s {
            "done" => EntryState::Done,
            "conflict" => EntryState::Conflict,
            "failed" => EntryState::Failed,
            _ => EntryState::Pending,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub seq: i64,
    pub idem_key: String,
    pub method: String,
    pub path: String,
    pub body: Value,
    pub signal_id: Option<String>,
    pub base_version: Option<i64>,
    pub state: EntryState,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// On a conflict: the remote's current signal (vendor JSON).
    pub remote: Option<Value>,
    pub created: i64,
}

const COLS: &str = "seq, idem_key, method, path, body, signal_id, base_version, state, attempts, last_error, remote_body, created";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    let body: String = r.get(4)?;
    let remote: Option<String> = r.get(10)?;
    let state: String = r.get(7)?;
    Ok(Entry {
        seq: r.get(0)?,
        idem_key: r.get(1)?,
        method: r.get(2)?,
        path: r.get(3)?,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
        signal_id: r.get(5)?,
        base_version: r.get(6)?,
        state: EntryState::parse(&state),
        attempts: r.get(8)?,
        last_error: r.get(9)?,
        remote: remote.and_then(|s| serde_json::from_str(&s).ok()),
        created: r.get(11)?,
    })
}

pub fn enqueue(
    conn: &Connection,
    method: &str,
    path: &str,
    body: &Value,
    signal_id: Option<&str>,
    base_version: Option<i64>,
) -> Result<Entry> {
    let key = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO outbox (idem_key, method, path, body, signal_id, base_version, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            key,
            method,
            path,
            body.to_string(),
            signal_id,
            base_version,
            chrono::Utc::now().timestamp_millis()
        ],
    )?;
    let seq = conn.last_insert_rowid();
    get(conn, seq)?.ok_or_else(|| crate::Error::Store("outbox entry vanished".into()))
}

pub fn get(conn: &Connection, seq: i64) -> Result<Option<Entry>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLS} FROM outbox WHERE seq = ?1"))?
        .query_row([seq], row)
        .optional()?)
}

fn list_where(conn: &Connection, cond: &str) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM outbox WHERE {cond} ORDER BY seq"
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The next entry to send, oldest first.
pub fn next_pending(conn: &Connection) -> Result<Option<Entry>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1"
        ))?
        .query_row([], row)
        .optional()?)
}

pub fn pending(conn: &Connection) -> Result<Vec<Entry>> {
    list_where(conn, "state = 'pending'")
}

/// Conflicts and refusals the analyst has not dismissed yet.
pub fn problems(conn: &Connection) -> Result<Vec<Entry>> {
    list_where(conn, "state IN ('conflict', 'failed')")
}

pub fn count(conn: &Connection, state: EntryState) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE state = ?1",
        [state.as_str()],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

/// Whether a signal has writes still waiting: the change feed must not overwrite its local state.
pub fn has_pending_for(conn: &Connection, signal_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM outbox WHERE state = 'pending' AND signal_id = ?1 LIMIT 1")?
        .query_row([signal_id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn set_state(
    conn: &Connection,
    seq: i64,
    state: EntryState,
    error: Option<&str>,
    remote: Option<&Value>,
) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = ?2, last_error = COALESCE(?3, last_error),
           remote_body = COALESCE(?4, remote_body) WHERE seq = ?1",
        params![seq, state.as_str(), error, remote.map(Value::to_string)],
    )?;
    Ok(())
}

pub fn record_attempt(conn: &Connection, seq: i64, error: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
        params![seq, error],
    )?;
    Ok(())
}

/// Later pending writes to a signal whose earlier write conflicted were based on a version the
/// remote never had: hold them as conflicts too rather than apply them on top of someone else's.
pub fn hold_after_conflict(conn: &Connection, signal_id: &str, after_seq: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'conflict', last_error = 'an earlier change to this signal conflicted'
         WHERE state = 'pending' AND signal_id = ?1 AND seq > ?2",
        params![signal_id, after_seq],
    )?)
}

/// The analyst has seen a conflict or refusal.
pub fn dismiss(conn: &Connection, seq: i64) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'done' WHERE seq = ?1 AND state IN ('conflict', 'failed')",
        [seq],
    )? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;
    use serde_json::json;

    #[test]
    fn entries_keep_order_keys_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let keys: Vec<String> = {
            let store = SqliteStore::open(&path).unwrap();
            (0..3)
                .map(|i| {
                    enqueue(
                        store.conn(),
                        "PATCH",
                        &format!("/p/{i}"),
                        &json!({"i": i}),
                        Some("s1"),
                        Some(i),
                    )
                    .unwrap()
                    .idem_key
                })
                .collect()
        };
        let store = SqliteStore::open(&path).unwrap();
        let p = pending(store.conn()).unwrap();
        assert_eq!(
            p.iter().map(|e| e.idem_key.clone()).collect::<Vec<_>>(),
            keys
        );
        assert_eq!(p[2].base_version, Some(2));
        set_state(
            store.conn(),
            p[0].seq,
            EntryState::Conflict,
            Some("409"),
            Some(&json!({"v": 9})),
        )
        .unwrap();
        assert_eq!(
            hold_after_conflict(store.conn(), "s1", p[0].seq).unwrap(),
            2
        );
        assert_eq!(count(store.conn(), EntryState::Pending).unwrap(), 0);
        let probs = problems(store.conn()).unwrap();
        assert_eq!(probs[0].remote, Some(json!({"v": 9})));
        assert!(dismiss(store.conn(), probs[0].seq).unwrap());
        assert_eq!(problems(store.conn()).unwrap().len(), 2);
    }
}
