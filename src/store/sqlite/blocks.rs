//! Denylist rows and their history (made, extended, lifted, expired).
use super::{from_ms, to_ms};
use crate::error::{Error, Result};
use crate::model::{Block, BlockEvent, BlockEventKind, BlockKind};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, value, kind, expires_at, reason, origin, created_by, signal_id, created_at, lifted_at, lifted_by";

type RawBlock = (
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    String,
    String,
    Option<String>,
    i64,
    Option<i64>,
    Option<String>,
);

fn raw(r: &Row) -> rusqlite::Result<RawBlock> {
    r.try_into()
}

fn finish(r: RawBlock) -> Result<Block> {
    let (
        id,
        value,
        kind,
        expires_at,
        reason,
        origin,
        created_by,
        signal_id,
        c,
        lifted_at,
        lifted_by,
    ) = r;
    Ok(Block {
        id,
        kind: BlockKind::parse(&kind)
            .ok_or_else(|| Error::Store(format!("block {id}: unknown kind {kind:?}")))?,
        value,
        expires_at: expires_at.map(from_ms).transpose()?,
        reason,
        origin,
        created_by,
        signal_id,
        created_at: from_ms(c)?,
        lifted_at: lifted_at.map(from_ms).transpose()?,
        lifted_by,
    })
}

fn collect(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<Block>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map(p, raw)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(finish).collect()
}

/// Insert a new deny entry (its id is assigned here) and record `made` in its history.
pub fn insert(conn: &Connection, b: &mut Block) -> Result<()> {
    conn.execute(
        "INSERT INTO blocks (list, kind, value, expires_at, reason, origin, signal_id, created_by, created_at)
         VALUES ('deny', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            b.kind.as_str(),
            b.value,
            b.expires_at.as_ref().map(to_ms),
            b.reason,
            b.origin,
            b.signal_id,
            b.created_by,
            to_ms(&b.created_at),
        ],
    )?;
    b.id = conn.last_insert_rowid();
    record(
        conn,
        b.id,
        BlockEventKind::Made,
        &b.created_by,
        &b.created_at,
        b.expires_at,
    )
}

pub fn set_expiry(
    conn: &Connection,
    id: i64,
    expires_at: Option<DateTime<Utc>>,
    actor: &str,
    now: &DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE blocks SET expires_at = ?2 WHERE id = ?1",
        params![id, expires_at.as_ref().map(to_ms)],
    )?;
    record(conn, id, BlockEventKind::Extended, actor, now, expires_at)
}

pub fn lift(conn: &Connection, id: i64, actor: &str, now: &DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE blocks SET lifted_at = ?2, lifted_by = ?3 WHERE id = ?1",
        params![id, to_ms(now), actor],
    )?;
    record(conn, id, BlockEventKind::Lifted, actor, now, None)
}

fn record(
    conn: &Connection,
    id: i64,
    kind: BlockEventKind,
    actor: &str,
    time: &DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO block_history (block_id, time, event, actor, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, to_ms(time), kind.as_str(), actor, expires_at.as_ref().map(to_ms)])?;
    Ok(())
}

/// Record `expired` in the history of every block that has run out by `now` and has no such entry
/// yet, timed at its expiry; returns their ids. Idempotent.
pub fn record_expired(conn: &Connection, now: &DateTime<Utc>) -> Result<Vec<i64>> {
    let due: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT b.id, b.expires_at FROM blocks b
             WHERE b.lifted_at IS NULL AND b.expires_at IS NOT NULL AND b.expires_at <= ?1
             AND NOT EXISTS (SELECT 1 FROM block_history h WHERE h.block_id = b.id AND h.event = 'expired'
                             AND h.expires_at = b.expires_at)",
        )?
        .query_map([to_ms(now)], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, at) in &due {
        let at = from_ms(*at)?;
        record(
            conn,
            *id,
            BlockEventKind::Expired,
            "sigscope",
            &at,
            Some(at),
        )?;
    }
    Ok(due.into_iter().map(|d| d.0).collect())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Block>> {
    let r = conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM blocks WHERE id = ?1 AND list = 'deny'"
        ))?
        .query_row([id], raw)
        .optional()?;
    r.map(finish).transpose()
}

/// The entry in force for exactly this (canonical) value at `now`, if any.
pub fn active_for(conn: &Connection, value: &str, now: &DateTime<Utc>) -> Result<Option<Block>> {
    let r = conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM blocks WHERE list = 'deny' AND value = ?1 AND lifted_at IS NULL
             AND (expires_at IS NULL OR expires_at > ?2) ORDER BY id DESC LIMIT 1"
        ))?
        .query_row(params![value, to_ms(now)], raw)
        .optional()?;
    r.map(finish).transpose()
}

/// Entries in force at `now`, or all of them (lifted and expired too) when `include_inactive`; newest first.
pub fn list(conn: &Connection, include_inactive: bool, now: &DateTime<Utc>) -> Result<Vec<Block>> {
    if include_inactive {
        collect(
            conn,
            &format!("SELECT {COLS} FROM blocks WHERE list = 'deny' ORDER BY id DESC"),
            [],
        )
    } else {
        collect(
            conn,
            &format!(
                "SELECT {COLS} FROM blocks WHERE list = 'deny' AND lifted_at IS NULL
                 AND (expires_at IS NULL OR expires_at > ?1) ORDER BY id DESC"
            ),
            [to_ms(now)],
        )
    }
}

/// Range blocks in force at `now`, narrowest first, so the most specific covering range is found first.
pub fn active_ranges(conn: &Connection, now: &DateTime<Utc>) -> Result<Vec<Block>> {
    let mut v = collect(
        conn,
        &format!(
            "SELECT {COLS} FROM blocks WHERE list = 'deny' AND kind = 'range' AND lifted_at IS NULL
             AND (expires_at IS NULL OR expires_at > ?1) ORDER BY id DESC"
        ),
        [to_ms(now)],
    )?;
    let prefix = |b: &Block| {
        b.value
            .parse::<ipnet::IpNet>()
            .map(|n| n.prefix_len())
            .unwrap_or(0)
    };
    v.sort_by_key(|b| std::cmp::Reverse(prefix(b)));
    Ok(v)
}

pub fn history(conn: &Connection, block_id: i64) -> Result<Vec<BlockEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT time, event, actor, expires_at FROM block_history WHERE block_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([block_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(time, kind, actor, exp)| {
            Ok(BlockEvent {
                block_id,
                time: from_ms(time)?,
                kind: BlockEventKind::parse(&kind).ok_or_else(|| {
                    Error::Store(format!("block {block_id}: unknown event {kind:?}"))
                })?,
                actor,
                expires_at: exp.map(from_ms).transpose()?,
            })
        })
        .collect()
}

impl crate::store::BlockRows for Connection {
    fn insert_block(&self, b: &mut Block) -> Result<()> {
        insert(self, b)
    }
    fn set_block_expiry(
        &self,
        id: i64,
        expires_at: Option<DateTime<Utc>>,
        actor: &str,
        now: &DateTime<Utc>,
    ) -> Result<()> {
        set_expiry(self, id, expires_at, actor, now)
    }
    fn lift_block(&self, id: i64, actor: &str, now: &DateTime<Utc>) -> Result<()> {
        lift(self, id, actor, now)
    }
    fn record_expired_blocks(&self, now: &DateTime<Utc>) -> Result<Vec<i64>> {
        record_expired(self, now)
    }
    fn get_block(&self, id: i64) -> Result<Option<Block>> {
        get(self, id)
    }
    fn active_block_for(&self, value: &str, now: &DateTime<Utc>) -> Result<Option<Block>> {
        active_for(self, value, now)
    }
    fn list_blocks(&self, include_inactive: bool, now: &DateTime<Utc>) -> Result<Vec<Block>> {
        list(self, include_inactive, now)
    }
    fn block_history(&self, block_id: i64) -> Result<Vec<BlockEvent>> {
        history(self, block_id)
    }
}
