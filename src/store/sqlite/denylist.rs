//! The edge denylist's tables: allowlist, autoblock rules and their runs, bouncer keys; and the
//! block history read in the shapes `denylist/` computes on.
use super::{from_ms, to_ms};
use crate::denylist::{
    AllowEntry, AutoblockRule, BlockValue, BlockWhat, Bouncer, Cursor, DenyEntry, HistoryAction,
    HistoryEvent, RunRow,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// A stored `(kind, value)` pair as a value the denylist computes on.
pub fn value_of(kind: &str, value: &str) -> Result<BlockValue> {
    match kind {
        "user" => Ok(BlockValue::User(value.to_string())),
        "ip" | "range" => BlockValue::parse_net(value)
            .map_err(|_| Error::Store(format!("stored {kind} {value:?} is not an address"))),
        _ => Err(Error::Store(format!("unknown block kind {kind:?}"))),
    }
}

/// Every block event, oldest first; `seq` is the history row id.
pub fn history(conn: &Connection) -> Result<Vec<HistoryEvent>> {
    history_since(conn, 0)
}

/// The block events after `seq`, oldest first.
pub fn history_since(conn: &Connection, seq: i64) -> Result<Vec<HistoryEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT h.id, h.block_id, b.kind, b.value, h.event, h.time, h.expires_at, h.actor,
                b.signal_id, COALESCE(b.reason, '')
         FROM block_history h JOIN blocks b ON b.id = h.block_id
         WHERE b.list = 'deny' AND h.id > ?1 ORDER BY h.id",
    )?;
    type Raw = (
        i64,
        i64,
        String,
        String,
        String,
        i64,
        Option<i64>,
        String,
        Option<String>,
        String,
    );
    let rows = stmt
        .query_map([seq], |r| r.try_into())?
        .collect::<rusqlite::Result<Vec<Raw>>>()?;
    rows.into_iter()
        .map(
            |(seq, id, kind, value, ev, time, exp, actor, signal_id, reason)| {
                Ok(HistoryEvent {
                    seq,
                    entry_id: id,
                    value: value_of(&kind, &value)?,
                    action: HistoryAction::parse(&ev)
                        .ok_or_else(|| Error::Store(format!("block {id}: unknown event {ev:?}")))?,
                    at: from_ms(time)?,
                    expires_at: exp.map(from_ms).transpose()?,
                    by: actor,
                    signal_id,
                    reason,
                })
            },
        )
        .collect()
}

/// The entries not lifted (expired ones included; exporters keep the active ones at their `now`).
pub fn entries(conn: &Connection) -> Result<Vec<DenyEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, value, expires_at, COALESCE(reason, ''), created_by, created_at, signal_id
         FROM blocks WHERE list = 'deny' AND lifted_at IS NULL ORDER BY id",
    )?;
    type Raw = (
        i64,
        String,
        String,
        Option<i64>,
        String,
        String,
        i64,
        Option<String>,
    );
    let rows = stmt
        .query_map([], |r| r.try_into())?
        .collect::<rusqlite::Result<Vec<Raw>>>()?;
    rows.into_iter()
        .map(|(id, kind, value, exp, reason, by, at, signal_id)| {
            let value = value_of(&kind, &value)?;
            Ok(DenyEntry {
                id,
                kind: value.kind(),
                value,
                expires_at: exp.map(from_ms).transpose()?,
                reason,
                created_by: by,
                created_at: from_ms(at)?,
                signal_id,
            })
        })
        .collect()
}

// ---- allowlist ----

pub fn allow_insert(
    conn: &Connection,
    kind: &str,
    value: &str,
    note: &str,
    by: &str,
    now: &DateTime<Utc>,
) -> Result<i64> {
    let n = conn.execute(
        "INSERT INTO allowlist (kind, value, note, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(value) DO NOTHING",
        params![kind, value, note, by, to_ms(now)],
    )?;
    if n == 0 {
        return Err(Error::Conflict(format!("{value} is already allowlisted")));
    }
    Ok(conn.last_insert_rowid())
}

pub fn allow_list(conn: &Connection) -> Result<Vec<AllowEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, value, note, created_by, created_at FROM allowlist ORDER BY id",
    )?;
    type Raw = (i64, String, String, String, String, i64);
    let rows = stmt
        .query_map([], |r| r.try_into())?
        .collect::<rusqlite::Result<Vec<Raw>>>()?;
    rows.into_iter()
        .map(|(id, kind, value, note, by, at)| {
            Ok(AllowEntry {
                id,
                value: value_of(&kind, &value)?,
                note,
                created_by: by,
                created_at: from_ms(at)?,
            })
        })
        .collect()
}

pub fn allow_delete(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM allowlist WHERE id = ?1", [id])?;
    Ok(())
}

// ---- autoblock rules and runs ----

fn secs(d: Option<Duration>) -> Option<i64> {
    d.map(|d| d.num_seconds())
}

pub fn rule_insert(
    conn: &Connection,
    r: &AutoblockRule,
    by: &str,
    now: &DateTime<Utc>,
) -> Result<()> {
    let n = conn.execute(
        "INSERT INTO autoblock_rules (name, query, what, duration_s, escalate, cap_s, simulate, enabled, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(name) DO NOTHING",
        params![
            r.name,
            r.query,
            r.what.as_str(),
            secs(r.duration),
            r.escalate,
            secs(r.cap),
            r.simulate,
            r.enabled,
            by,
            to_ms(now)
        ],
    )?;
    if n == 0 {
        return Err(Error::Conflict(format!(
            "an autoblock rule named {} exists; remove it first",
            r.name
        )));
    }
    Ok(())
}

pub fn rule_list(conn: &Connection) -> Result<Vec<AutoblockRule>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, query, what, duration_s, escalate, cap_s, simulate, enabled
         FROM autoblock_rules ORDER BY name",
    )?;
    type Raw = (
        String,
        String,
        String,
        Option<i64>,
        bool,
        Option<i64>,
        bool,
        bool,
    );
    let rows = stmt
        .query_map([], |r| r.try_into())?
        .collect::<rusqlite::Result<Vec<Raw>>>()?;
    rows.into_iter()
        .map(|(name, query, what, d, escalate, cap, simulate, enabled)| {
            Ok(AutoblockRule {
                what: BlockWhat::parse(&what)
                    .map_err(|_| Error::Store(format!("rule {name}: unknown target {what:?}")))?,
                name,
                query,
                duration: d.map(Duration::seconds),
                escalate,
                cap: cap.map(Duration::seconds),
                simulate,
                enabled,
            })
        })
        .collect()
}

/// Switch a rule's simulation mode or enabled flag; `None` leaves it as it is.
pub fn rule_set(
    conn: &Connection,
    name: &str,
    simulate: Option<bool>,
    enabled: Option<bool>,
) -> Result<()> {
    let n = conn.execute(
        "UPDATE autoblock_rules SET simulate = COALESCE(?2, simulate), enabled = COALESCE(?3, enabled)
         WHERE name = ?1",
        params![name, simulate, enabled],
    )?;
    if n == 0 {
        return Err(Error::NotFound(format!("no autoblock rule named {name}")));
    }
    Ok(())
}

pub fn rule_remove(conn: &Connection, name: &str) -> Result<()> {
    let n = conn.execute("DELETE FROM autoblock_rules WHERE name = ?1", [name])?;
    if n == 0 {
        return Err(Error::NotFound(format!("no autoblock rule named {name}")));
    }
    Ok(())
}

pub fn run_insert(conn: &Connection, r: &RunRow) -> Result<()> {
    conn.execute(
        "INSERT INTO autoblock_runs (rule, signal_id, kind, value, outcome, block_id, expires_at, time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.rule,
            r.signal_id,
            r.value.kind().as_str(),
            r.value.to_string(),
            r.outcome,
            r.block_id,
            r.expires_at.as_ref().map(to_ms),
            to_ms(&r.time)
        ],
    )?;
    Ok(())
}

/// Runs, oldest first; of one rule when `rule` is given.
pub fn run_list(conn: &Connection, rule: Option<&str>) -> Result<Vec<RunRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT rule, signal_id, kind, value, outcome, block_id, expires_at, time FROM autoblock_runs
         WHERE ?1 IS NULL OR rule = ?1 ORDER BY id",
    )?;
    type Raw = (
        String,
        String,
        String,
        String,
        String,
        Option<i64>,
        Option<i64>,
        i64,
    );
    let rows = stmt
        .query_map([rule], |r| r.try_into())?
        .collect::<rusqlite::Result<Vec<Raw>>>()?;
    rows.into_iter()
        .map(
            |(rule, signal_id, kind, value, outcome, block_id, exp, time)| {
                Ok(RunRow {
                    rule,
                    signal_id,
                    value: value_of(&kind, &value)?,
                    outcome,
                    block_id,
                    expires_at: exp.map(from_ms).transpose()?,
                    time: from_ms(time)?,
                })
            },
        )
        .collect()
}

// ---- bouncers ----

pub fn bouncer_insert(
    conn: &Connection,
    name: &str,
    key_sha256: &str,
    by: &str,
    now: &DateTime<Utc>,
) -> Result<()> {
    let n = conn.execute(
        "INSERT INTO bouncers (name, key_sha256, created_by, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO NOTHING",
        params![name, key_sha256, by, to_ms(now)],
    )?;
    if n == 0 {
        return Err(Error::Conflict(format!(
            "a bouncer named {name} exists; remove it first"
        )));
    }
    Ok(())
}

type RawBouncer = (String, String, i64, Option<i64>, Option<i64>, Option<i64>);

fn bouncer_row(r: &rusqlite::Row) -> rusqlite::Result<RawBouncer> {
    r.try_into()
}

fn bouncer_finish((name, by, at, seq, cur_at, last): RawBouncer) -> Result<Bouncer> {
    let cursor = match (seq, cur_at) {
        (Some(seq), Some(at)) => Some(Cursor {
            seq,
            at: from_ms(at)?,
        }),
        _ => None,
    };
    Ok(Bouncer {
        name,
        created_by: by,
        created_at: from_ms(at)?,
        cursor,
        last_pull: last.map(from_ms).transpose()?,
    })
}

/// The bouncer whose key hashes to `key_sha256`.
pub fn bouncer_by_key_hash(conn: &Connection, key_sha256: &str) -> Result<Option<Bouncer>> {
    let r = conn
        .prepare_cached(
            "SELECT name, created_by, created_at, cursor_seq, cursor_at, last_pull FROM bouncers
             WHERE key_sha256 = ?1",
        )?
        .query_row([key_sha256], bouncer_row)
        .optional()?;
    r.map(bouncer_finish).transpose()
}

pub fn bouncer_list(conn: &Connection) -> Result<Vec<Bouncer>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, created_by, created_at, cursor_seq, cursor_at, last_pull FROM bouncers ORDER BY name",
    )?;
    let rows = stmt
        .query_map([], bouncer_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(bouncer_finish).collect()
}

pub fn bouncer_remove(conn: &Connection, name: &str) -> Result<()> {
    let n = conn.execute("DELETE FROM bouncers WHERE name = ?1", [name])?;
    if n == 0 {
        return Err(Error::NotFound(format!("no bouncer named {name}")));
    }
    Ok(())
}

pub fn bouncer_set_cursor(
    conn: &Connection,
    name: &str,
    c: &Cursor,
    now: &DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE bouncers SET cursor_seq = ?2, cursor_at = ?3, last_pull = ?4 WHERE name = ?1",
        params![name, c.seq, to_ms(&c.at), to_ms(now)],
    )?;
    Ok(())
}

impl crate::store::DenylistRows for Connection {
    fn deny_history_since(&self, seq: i64) -> Result<Vec<HistoryEvent>> {
        history_since(self, seq)
    }
    fn deny_entries(&self) -> Result<Vec<DenyEntry>> {
        entries(self)
    }
    fn allow_insert(
        &self,
        kind: &str,
        value: &str,
        note: &str,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<i64> {
        allow_insert(self, kind, value, note, by, now)
    }
    fn allow_list(&self) -> Result<Vec<AllowEntry>> {
        allow_list(self)
    }
    fn allow_delete(&self, id: i64) -> Result<()> {
        allow_delete(self, id)
    }
    fn autoblock_rule_insert(
        &self,
        r: &AutoblockRule,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<()> {
        rule_insert(self, r, by, now)
    }
    fn autoblock_rules(&self) -> Result<Vec<AutoblockRule>> {
        rule_list(self)
    }
    fn autoblock_rule_set(
        &self,
        name: &str,
        simulate: Option<bool>,
        enabled: Option<bool>,
    ) -> Result<()> {
        rule_set(self, name, simulate, enabled)
    }
    fn autoblock_rule_delete(&self, name: &str) -> Result<()> {
        rule_remove(self, name)
    }
    fn autoblock_run_insert(&self, r: &RunRow) -> Result<()> {
        run_insert(self, r)
    }
    fn autoblock_runs(&self, rule: Option<&str>) -> Result<Vec<RunRow>> {
        run_list(self, rule)
    }
    fn bouncer_insert(
        &self,
        name: &str,
        key_hash: &str,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<()> {
        bouncer_insert(self, name, key_hash, by, now)
    }
    fn bouncer_by_key_hash(&self, key_hash: &str) -> Result<Option<Bouncer>> {
        bouncer_by_key_hash(self, key_hash)
    }
    fn bouncer_list(&self) -> Result<Vec<Bouncer>> {
        bouncer_list(self)
    }
    fn bouncer_delete(&self, name: &str) -> Result<()> {
        bouncer_remove(self, name)
    }
    fn bouncer_set_cursor(&self, name: &str, c: &Cursor, now: &DateTime<Utc>) -> Result<()> {
        bouncer_set_cursor(self, name, c, now)
    }
}
