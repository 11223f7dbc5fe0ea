//! Signal rows: the vendor JSON whole, plus the columns the explorer filters and sorts on.
use super::SqliteStore;
use crate::error::{Error, Result};
use crate::model::{Signal, User};
use crate::store::{ListFilter, Store, UpsertReport};
use rusqlite::{params, Connection, OptionalExtension, Row};

pub(crate) fn row_to_signal(row: &Row) -> rusqlite::Result<Result<Signal>> {
    let id: String = row.get(0)?;
    let raw: String = row.get(1)?;
    Ok(serde_json::from_str(&raw)
        .map_err(|e| Error::Store(format!("signal {id}: stored JSON unreadable: {e}")))
        .and_then(Signal::from_json))
}

/// Insert or replace one signal inside the caller's transaction. Returns true when it was new.
pub fn put_signal(conn: &Connection, s: &Signal) -> Result<bool> {
    let existed: bool = conn
        .query_row("SELECT 1 FROM signals WHERE id = ?1", [&s.id], |_| Ok(()))
        .optional()?
        .is_some();
    let raw = serde_json::to_string(s.to_json())?;
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
        s.triage.assignee.as_ref().map(|a| a.uuid.clone()),
        s.version,
        raw,
    ])?;
    Ok(!existed)
}

pub fn get_signal(conn: &Connection, id: &str) -> Result<Option<Signal>> {
    conn.prepare_cached("SELECT id, raw FROM signals WHERE id = ?1")?
        .query_row([id], row_to_signal)
        .optional()?
        .transpose()
}

impl Store for SqliteStore {
    fn upsert_signals(&mut self, signals: &[Signal]) -> Result<UpsertReport> {
        self.write(|tx| {
            let mut report = UpsertReport::default();
            for s in signals {
                if put_signal(tx, s)? {
                    report.inserted += 1;
                } else {
                    report.updated += 1;
                }
            }
            Ok(report)
        })
    }

    fn get_signal(&self, id: &str) -> Result<Option<Signal>> {
        get_signal(self.conn(), id)
    }

    fn list_signals(&self, f: &ListFilter) -> Result<Vec<Signal>> {
        let order = if f.ascending { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT id, raw FROM signals WHERE ts >= ?1 AND ts <= ?2 ORDER BY ts {order}, id {order} LIMIT ?3"
        );
        let from = f.from.map(|t| t.timestamp_millis()).unwrap_or(i64::MIN);
        let to = f.to.map(|t| t.timestamp_millis()).unwrap_or(i64::MAX);
        let limit = f.limit.map(|l| l as i64).unwrap_or(-1);
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params![from, to, limit], row_to_signal)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r??);
        }
        Ok(out)
    }

    fn count_signals(&self) -> Result<u64> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM signals", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, raw FROM signals ORDER BY ts DESC, id DESC")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            f(row_to_signal(row)??)?;
        }
        Ok(())
    }

    fn list_users(&self) -> Result<Vec<User>> {
        super::users::list(self.conn())
    }

    fn find_user(&self, who: &str) -> Result<Option<User>> {
        super::users::find(self.conn(), who)
    }

    fn add_user(&mut self, user: &User) -> Result<()> {
        self.write(|tx| super::users::insert(tx, user))
    }
}
