//! Signal rows: the vendor JSON whole, plus the columns the explorer filters and sorts on.
use crate::error::{Error, Result};
use crate::model::Signal;
use crate::store::{
    ChangeSet, ListFilter, RawPage, SignalCursor, SignalRows, StoredHead, Watermark,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

pub(crate) fn row_to_signal(row: &Row) -> rusqlite::Result<Result<Signal>> {
    let id: String = row.get(0)?;
    let raw: String = row.get(1)?;
    Ok(serde_json::from_str(&raw)
        .map_err(|e| Error::Store(format!("signal {id}: stored JSON unreadable: {e}")))
        .and_then(Signal::from_json))
}

/// Insert or replace one signal inside the caller's transaction. Returns true when it was new.
///
/// When only the triage changed (the server's commonest write), only the triage columns and the
/// JSON are set: SQLite rewrites an index's entry whenever one of its columns is named in the
/// SET list, changed or not, so the full upsert would also rewrite the `ts`, `severity` and
/// `service` indexes' pages. On 100k signals that is 6 pages written per change against 2.7.
/// `raw` is the signal's JSON text, already made (`SignalRows::put_signal` makes it).
pub fn put_signal_text(conn: &Connection, s: &Signal, raw: &str) -> Result<bool> {
    // Whether the row exists, and whether the columns a triage change leaves alone still hold
    // what `s` has (`IS` for the nullable `env`), compared by SQLite without copying them out.
    let same: Option<bool> = conn
        .prepare_cached(
            "SELECT ts = ?2 AND first_seen = ?3 AND severity = ?4 AND service = ?5 AND env IS ?6
                    AND title = ?7 AND rule_name = ?8
             FROM signals WHERE id = ?1",
        )?
        .query_row(
            params![
                s.id,
                s.timestamp.timestamp_millis(),
                s.first_seen.timestamp_millis(),
                s.severity.rank(),
                s.service(),
                s.env,
                s.title,
                s.rule.name,
            ],
            |r| r.get(0),
        )
        .optional()?;
    match same {
        Some(true) => {
            conn.prepare_cached(
                "UPDATE signals SET state = ?2, assignee = ?3, version = ?4, raw = ?5 WHERE id = ?1",
            )?
            .execute(params![
                s.id,
                s.triage.state.as_str(),
                s.triage.assignee.as_ref().map(|a| a.uuid.as_str()),
                s.version,
                raw,
            ])?;
            Ok(false)
        }
        same => {
            write_row(conn, s, raw)?;
            Ok(same.is_none())
        }
    }
}

/// The upsert itself, with the JSON text already made (by `put_signal`, or an import's reader).
fn write_row(conn: &Connection, s: &Signal, raw: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO signals (id, ts, first_seen, severity, state, service, env, title, rule_name, assignee, version, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET ts=excluded.ts, first_seen=excluded.first_seen, severity=excluded.severity,
           state=excluded.state, service=excluded.service, env=excluded.env, title=excluded.title,
           rule_name=excluded.rule_name, assignee=excluded.assignee, version=excluded.version, raw=excluded.raw",
    )?
    .execute(params![
        s.id,
        s.timestamp.timestamp_millis(),
        s.first_seen.timestamp_millis(),
        s.severity.rank(),
        s.triage.state.as_str(),
        s.service(),
        s.env,
        s.title,
        s.rule.name,
        s.triage.assignee.as_ref().map(|a| a.uuid.as_str()),
        s.version,
        raw,
    ])?;
    Ok(())
}

/// `SignalRows::stored_heads`: the ids go in as one JSON array, so a chunk is one statement.
fn stored_heads(conn: &Connection, ids: &[&str]) -> Result<Vec<StoredHead>> {
    let list = serde_json::to_string(ids)?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, version, severity, raw FROM signals
         WHERE id IN (SELECT value FROM json_each(?1))",
    )?;
    let rows = stmt.query_map([list], |r| {
        Ok(StoredHead {
            id: r.get(0)?,
            version: r.get(1)?,
            severity: r.get(2)?,
            raw: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get_signal(conn: &Connection, id: &str) -> Result<Option<Signal>> {
    conn.prepare_cached("SELECT id, raw FROM signals WHERE id = ?1")?
        .query_row([id], row_to_signal)
        .optional()?
        .transpose()
}

/// The table `track_updates` keeps in a remote's cache: one row per changed signal, its seq moved
/// up on each change.
pub(crate) const UPDATE_LOG: &str = "explorer_signal_updates";

/// Have the store log every update of a signal row, whoever makes it. A remote's cache changes
/// without audit rows (the sync writes the server's version, the outbox its optimistic one), and
/// an update keeps the row's rowid, so without this a reader would never hear of those changes.
/// The log holds one row per signal (AUTOINCREMENT: a re-logged signal always gets a higher seq).
/// The trigger deletes then inserts: an upsert's own ON CONFLICT would override an `OR REPLACE`.
pub fn track_updates(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {UPDATE_LOG} (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             signal_id TEXT NOT NULL UNIQUE
         );
         CREATE TRIGGER IF NOT EXISTS {UPDATE_LOG}_on_update AFTER UPDATE ON signals BEGIN
             DELETE FROM {UPDATE_LOG} WHERE signal_id = NEW.id;
             INSERT INTO {UPDATE_LOG} (signal_id) VALUES (NEW.id);
         END;"
    ))?;
    Ok(())
}

fn has_update_log(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")?
        .query_row([UPDATE_LOG], |_| Ok(()))
        .optional()?
        .is_some())
}

fn update_log_head(conn: &Connection) -> Result<i64> {
    if !has_update_log(conn)? {
        return Ok(0);
    }
    Ok(conn.query_row(
        &format!("SELECT COALESCE(MAX(seq), 0) FROM {UPDATE_LOG}"),
        [],
        |r| r.get(0),
    )?)
}

fn ids(conn: &Connection, sql: &str, after: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let out = stmt
        .query_map([after], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(out)
}

impl SignalRows for Connection {
    fn watermark(&self) -> Result<Watermark> {
        Ok(Watermark {
            row: self.query_row("SELECT COALESCE(MAX(rowid), 0) FROM signals", [], |r| {
                r.get(0)
            })?,
            seq: self.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit", [], |r| r.get(0))?,
            updates: update_log_head(self)?,
        })
    }

    fn changes_after(&self, mark: &Watermark) -> Result<ChangeSet> {
        let mut next = *mark;
        let mut added = Vec::new();
        {
            let mut stmt = self.prepare_cached(
                "SELECT rowid, id, raw FROM signals WHERE rowid > ?1 ORDER BY rowid",
            )?;
            let mut rows = stmt.query([mark.row])?;
            while let Some(r) = rows.next()? {
                let rowid: i64 = r.get(0)?;
                next.row = next.row.max(rowid);
                added.push((r.get(1)?, r.get(2)?));
            }
        }
        let now = self.watermark()?;
        let mut changed = Vec::new();
        if now.seq > mark.seq {
            changed.extend(ids(
                self,
                "SELECT DISTINCT signal_id FROM audit_signals WHERE seq > ?1",
                mark.seq,
            )?);
        }
        if now.updates > mark.updates {
            changed.extend(ids(
                self,
                &format!("SELECT signal_id FROM {UPDATE_LOG} WHERE seq > ?1"),
                mark.updates,
            )?);
        }
        next.seq = now.seq;
        next.updates = now.updates;
        Ok(ChangeSet {
            added,
            changed,
            mark: next,
        })
    }

    fn get_signal(&self, id: &str) -> Result<Option<Signal>> {
        get_signal(self, id)
    }

    fn put_signal_text(&self, s: &Signal, raw: &str) -> Result<bool> {
        put_signal_text(self, s, raw)
    }

    fn stored_heads(&self, ids: &[&str]) -> Result<Vec<StoredHead>> {
        stored_heads(self, ids)
    }

    fn put_signals(&self, rows: &[(&Signal, &str)]) -> Result<()> {
        // In-process: a prepared statement per row costs no round trip.
        for (s, raw) in rows {
            write_row(self, s, raw)?;
        }
        Ok(())
    }

    fn list_signals(&self, f: &ListFilter) -> Result<Vec<Signal>> {
        let order = if f.ascending { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT id, raw FROM signals WHERE ts >= ?1 AND ts <= ?2 ORDER BY ts {order}, id {order} LIMIT ?3"
        );
        let from = f.from.map(|t| t.timestamp_millis()).unwrap_or(i64::MIN);
        let to = f.to.map(|t| t.timestamp_millis()).unwrap_or(i64::MAX);
        let limit = f.limit.and_then(|l| i64::try_from(l).ok()).unwrap_or(-1);
        let mut stmt = self.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![from, to, limit], row_to_signal)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r??);
        }
        Ok(out)
    }

    fn count_signals(&self) -> Result<u64> {
        let n: i64 = self.query_row("SELECT COUNT(*) FROM signals", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> Result<()>) -> Result<()> {
        let mut stmt = self.prepare("SELECT id, raw FROM signals ORDER BY ts DESC, id DESC")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            f(row_to_signal(row)??)?;
        }
        Ok(())
    }

    fn scan_signals(
        &self,
        from: i64,
        to: i64,
        after: Option<&SignalCursor>,
        ascending: bool,
        f: &mut dyn FnMut(Signal) -> Result<bool>,
    ) -> Result<()> {
        let (cmp, order) = if ascending {
            (">", "ASC")
        } else {
            ("<", "DESC")
        };
        let sql = format!(
            "SELECT id, raw FROM signals WHERE ts >= ?1 AND ts <= ?2
               AND (?3 IS NULL OR ts {cmp} ?3 OR (ts = ?3 AND id {cmp} ?4))
             ORDER BY ts {order}, id {order}"
        );
        let mut stmt = self.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![
            from,
            to,
            after.map(|c| c.0),
            after.map(|c| c.1.clone()).unwrap_or_default(),
        ])?;
        while let Some(row) = rows.next()? {
            if !f(row_to_signal(row)??)? {
                break;
            }
        }
        Ok(())
    }

    fn signal_page(&self, after: Option<&SignalCursor>, limit: usize) -> Result<RawPage> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut next = None;
        let mut push = |r: &Row| -> rusqlite::Result<()> {
            let id: String = r.get(0)?;
            let raw: String = r.get(1)?;
            let ts: i64 = r.get(2)?;
            next = Some((ts, id.clone()));
            rows.push((id, raw));
            Ok(())
        };
        match after {
            None => {
                let mut st = self.prepare_cached(
                    "SELECT id, raw, ts FROM signals ORDER BY ts DESC, id DESC LIMIT ?1",
                )?;
                let mut q = st.query([limit])?;
                while let Some(r) = q.next()? {
                    push(r)?;
                }
            }
            Some((ts, id)) => {
                let mut st = self.prepare_cached(
                    "SELECT id, raw, ts FROM signals WHERE ts < ?1 OR (ts = ?1 AND id < ?2)
                     ORDER BY ts DESC, id DESC LIMIT ?3",
                )?;
                let mut q = st.query(params![ts, id, limit])?;
                while let Some(r) = q.next()? {
                    push(r)?;
                }
            }
        }
        Ok(RawPage { rows, next })
    }
}
