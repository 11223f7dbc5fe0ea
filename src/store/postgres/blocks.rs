//! Denylist rows and their history (made, extended, lifted, expired), as `sqlite/blocks.rs`.
use super::conn::{get, PgDb};
use super::from_ms;
use crate::error::{Error, Result};
use crate::model::{Block, BlockEvent, BlockEventKind, BlockKind};
use crate::store::BlockRows;
use chrono::{DateTime, Utc};
use postgres::Row;

const COLS: &str = "id, value, kind, expires_at, reason, origin, created_by, signal_id, created_at, lifted_at, lifted_by";

fn ms(t: &DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn to_block(r: &Row) -> Result<Block> {
    let id: i64 = get(r, 0)?;
    let kind: String = get(r, 2)?;
    Ok(Block {
        id,
        kind: BlockKind::parse(&kind)
            .ok_or_else(|| Error::Store(format!("block {id}: unknown kind {kind:?}")))?,
        value: get(r, 1)?,
        expires_at: get::<Option<i64>>(r, 3)?.map(from_ms).transpose()?,
        reason: get(r, 4)?,
        origin: get(r, 5)?,
        created_by: get(r, 6)?,
        signal_id: get(r, 7)?,
        created_at: from_ms(get(r, 8)?)?,
        lifted_at: get::<Option<i64>>(r, 9)?.map(from_ms).transpose()?,
        lifted_by: get(r, 10)?,
    })
}

impl PgDb {
    fn record_block_event(
        &self,
        id: i64,
        kind: BlockEventKind,
        actor: &str,
        time: &DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO block_history (block_id, time, event, actor, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &ms(time), &kind.as_str(), &actor, &expires_at.as_ref().map(ms)],
        )?;
        Ok(())
    }
}

impl BlockRows for PgDb {
    /// Insert a new deny entry (its id is assigned here) and record `made` in its history.
    fn insert_block(&self, b: &mut Block) -> Result<()> {
        b.id = self.one(
            "INSERT INTO blocks (list, kind, value, expires_at, reason, origin, signal_id, created_by, created_at)
             VALUES ('deny', $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &b.kind.as_str(),
                &b.value,
                &b.expires_at.as_ref().map(ms),
                &b.reason,
                &b.origin,
                &b.signal_id,
                &b.created_by,
                &ms(&b.created_at),
            ],
        )?;
        self.record_block_event(
            b.id,
            BlockEventKind::Made,
            &b.created_by,
            &b.created_at,
            b.expires_at,
        )
    }

    fn set_block_expiry(
        &self,
        id: i64,
        expires_at: Option<DateTime<Utc>>,
        actor: &str,
        now: &DateTime<Utc>,
    ) -> Result<()> {
        self.exec(
            "UPDATE blocks SET expires_at = $2 WHERE id = $1",
            &[&id, &expires_at.as_ref().map(ms)],
        )?;
        self.record_block_event(id, BlockEventKind::Extended, actor, now, expires_at)
    }

    fn lift_block(&self, id: i64, actor: &str, now: &DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE blocks SET lifted_at = $2, lifted_by = $3 WHERE id = $1",
            &[&id, &ms(now), &actor],
        )?;
        self.record_block_event(id, BlockEventKind::Lifted, actor, now, None)
    }

    /// Record `expired` in the history of every block that has run out by `now` and has no such
    /// entry yet, timed at its expiry; returns their ids. Idempotent.
    fn record_expired_blocks(&self, now: &DateTime<Utc>) -> Result<Vec<i64>> {
        let due = self
            .rows(
                "SELECT b.id, b.expires_at FROM blocks b
                 WHERE b.lifted_at IS NULL AND b.expires_at IS NOT NULL AND b.expires_at <= $1
                 AND NOT EXISTS (SELECT 1 FROM block_history h WHERE h.block_id = b.id AND h.event = 'expired'
                                 AND h.expires_at = b.expires_at)
                 ORDER BY b.id",
                &[&ms(now)],
            )?
            .iter()
            .map(|r| Ok((get::<i64>(r, 0)?, get::<i64>(r, 1)?)))
            .collect::<Result<Vec<_>>>()?;
        for (id, at) in &due {
            let at = from_ms(*at)?;
            self.record_block_event(*id, BlockEventKind::Expired, "sigscope", &at, Some(at))?;
        }
        Ok(due.into_iter().map(|d| d.0).collect())
    }

    fn get_block(&self, id: i64) -> Result<Option<Block>> {
        self.opt(
            &format!("SELECT {COLS} FROM blocks WHERE id = $1 AND list = 'deny'"),
            &[&id],
        )?
        .as_ref()
        .map(to_block)
        .transpose()
    }

    /// The entry in force for exactly this (canonical) value at `now`, if any.
    fn active_block_for(&self, value: &str, now: &DateTime<Utc>) -> Result<Option<Block>> {
        self.opt(
            &format!(
                "SELECT {COLS} FROM blocks WHERE list = 'deny' AND value = $1 AND lifted_at IS NULL
                 AND (expires_at IS NULL OR expires_at > $2) ORDER BY id DESC LIMIT 1"
            ),
            &[&value, &ms(now)],
        )?
        .as_ref()
        .map(to_block)
        .transpose()
    }

    /// Entries in force at `now`, or all of them (lifted and expired too) when
    /// `include_inactive`; newest first.
    fn list_blocks(&self, include_inactive: bool, now: &DateTime<Utc>) -> Result<Vec<Block>> {
        let rows = if include_inactive {
            self.rows(
                &format!("SELECT {COLS} FROM blocks WHERE list = 'deny' ORDER BY id DESC"),
                &[],
            )?
        } else {
            self.rows(
                &format!(
                    "SELECT {COLS} FROM blocks WHERE list = 'deny' AND lifted_at IS NULL
                     AND (expires_at IS NULL OR expires_at > $1) ORDER BY id DESC"
                ),
                &[&ms(now)],
            )?
        };
        rows.iter().map(to_block).collect()
    }

    fn block_history(&self, block_id: i64) -> Result<Vec<BlockEvent>> {
        self.rows(
            "SELECT time, event, actor, expires_at FROM block_history WHERE block_id = $1 ORDER BY id",
            &[&block_id],
        )?
        .iter()
        .map(|r| {
            let kind: String = get(r, 1)?;
            Ok(BlockEvent {
                block_id,
                time: from_ms(get(r, 0)?)?,
                kind: BlockEventKind::parse(&kind).ok_or_else(|| {
                    Error::Store(format!("block {block_id}: unknown event {kind:?}"))
                })?,
                actor: get(r, 2)?,
                expires_at: get::<Option<i64>>(r, 3)?.map(from_ms).transpose()?,
            })
        })
        .collect()
    }
}
