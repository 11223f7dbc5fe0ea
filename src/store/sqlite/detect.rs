//! Detection's rows: follow offsets, events already counted, and per-(rule, group) state.
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// Where following `path` stopped: (inode, offset).
pub fn follow_offset(conn: &Connection, path: &str) -> Result<Option<(u64, u64)>> {
    let row: Option<(i64, i64)> = conn
        .prepare_cached("SELECT inode, offset FROM detect_follow WHERE path = ?1")?
        .query_row([path], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.map(|(i, o)| (i as u64, o.max(0) as u64)))
}

pub fn save_follow_offset(
    conn: &Connection,
    path: &str,
    inode: u64,
    offset: u64,
    now_ms: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO detect_follow (path, inode, offset, updated) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(path) DO UPDATE SET inode = excluded.inode, offset = excluded.offset, updated = excluded.updated",
    )?
    .execute(params![path, inode as i64, i64::try_from(offset).unwrap_or(i64::MAX), now_ms])?;
    Ok(())
}

/// Has this event already been counted?
pub fn is_seen(conn: &Connection, event_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM detect_seen WHERE event_id = ?1")?
        .query_row([event_id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn mark_seen(conn: &Connection, event_id: &str, event_ms: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO detect_seen (event_id, event_time) VALUES (?1, ?2)",
    )?
    .execute(params![event_id, event_ms])?;
    Ok(())
}

pub fn group_state(conn: &Connection, rule_id: &str, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT state FROM detect_groups WHERE rule_id = ?1 AND group_key = ?2")?
        .query_row([rule_id, key], |r| r.get(0))
        .optional()?)
}

pub fn save_group_state(
    conn: &Connection,
    rule_id: &str,
    key: &str,
    state: &str,
    now_ms: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO detect_groups (rule_id, group_key, state, updated) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(rule_id, group_key) DO UPDATE SET state = excluded.state, updated = excluded.updated",
    )?
    .execute(params![rule_id, key, state, now_ms])?;
    Ok(())
}

pub fn drop_group_state(conn: &Connection, rule_id: &str, key: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM detect_groups WHERE rule_id = ?1 AND group_key = ?2")?
        .execute([rule_id, key])?;
    Ok(())
}

impl crate::store::DetectRows for Connection {
    fn follow_offset(&self, path: &str) -> Result<Option<(u64, u64)>> {
        follow_offset(self, path)
    }
    fn save_follow_offset(&self, path: &str, inode: u64, offset: u64, now_ms: i64) -> Result<()> {
        save_follow_offset(self, path, inode, offset, now_ms)
    }
    fn is_seen(&self, event_id: &str) -> Result<bool> {
        is_seen(self, event_id)
    }
    fn mark_seen(&self, event_id: &str, event_ms: i64) -> Result<()> {
        mark_seen(self, event_id, event_ms)
    }
    fn group_state(&self, rule_id: &str, key: &str) -> Result<Option<String>> {
        group_state(self, rule_id, key)
    }
    fn save_group_state(&self, rule_id: &str, key: &str, state: &str, now_ms: i64) -> Result<()> {
        save_group_state(self, rule_id, key, state, now_ms)
    }
    fn drop_group_state(&self, rule_id: &str, key: &str) -> Result<()> {
        drop_group_state(self, rule_id, key)
    }
}
