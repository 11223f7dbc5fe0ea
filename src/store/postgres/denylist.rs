//! The edge denylist's tables: allowlist, autoblock rules and their runs, bouncer keys; and the
//! block history read in the shapes `denylist/` computes on (as `sqlite/denylist.rs`). Names sort
//! in byte order (`COLLATE "C"`), as SQLite's BINARY collation does, whatever the cluster's locale.
use super::conn::{get, PgDb};
use super::from_ms;
use crate::denylist::{
    AllowEntry, AutoblockRule, BlockWhat, Bouncer, Cursor, DenyEntry, HistoryAction, HistoryEvent,
    RunRow,
};
use crate::error::{Error, Result};
use crate::store::sqlite::denylist::value_of;
use crate::store::DenylistRows;
use chrono::{DateTime, Duration, Utc};
use postgres::Row;

fn ms(t: &DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn secs(d: Option<Duration>) -> Option<i64> {
    d.map(|d| d.num_seconds())
}

/// A stored 0/1 flag.
fn flag(r: &Row, idx: usize) -> Result<bool> {
    Ok(get::<i64>(r, idx)? != 0)
}

const BOUNCER_COLS: &str = "name, created_by, created_at, cursor_seq, cursor_at, last_pull";

fn to_bouncer(r: &Row) -> Result<Bouncer> {
    let cursor = match (get::<Option<i64>>(r, 3)?, get::<Option<i64>>(r, 4)?) {
        (Some(seq), Some(at)) => Some(Cursor {
            seq,
            at: from_ms(at)?,
        }),
        _ => None,
    };
    Ok(Bouncer {
        name: get(r, 0)?,
        created_by: get(r, 1)?,
        created_at: from_ms(get(r, 2)?)?,
        cursor,
        last_pull: get::<Option<i64>>(r, 5)?.map(from_ms).transpose()?,
    })
}

impl DenylistRows for PgDb {
    /// The block events after `seq`, oldest first; `seq` is the history row id.
    fn deny_history_since(&self, seq: i64) -> Result<Vec<HistoryEvent>> {
        self.rows(
            "SELECT h.id, h.block_id, b.kind, b.value, h.event, h.time, h.expires_at, h.actor,
                    b.signal_id, COALESCE(b.reason, '')
             FROM block_history h JOIN blocks b ON b.id = h.block_id
             WHERE b.list = 'deny' AND h.id > $1 ORDER BY h.id",
            &[&seq],
        )?
        .iter()
        .map(|r| {
            let id: i64 = get(r, 1)?;
            let kind: String = get(r, 2)?;
            let value: String = get(r, 3)?;
            let ev: String = get(r, 4)?;
            Ok(HistoryEvent {
                seq: get(r, 0)?,
                entry_id: id,
                value: value_of(&kind, &value)?,
                action: HistoryAction::parse(&ev)
                    .ok_or_else(|| Error::Store(format!("block {id}: unknown event {ev:?}")))?,
                at: from_ms(get(r, 5)?)?,
                expires_at: get::<Option<i64>>(r, 6)?.map(from_ms).transpose()?,
                by: get(r, 7)?,
                signal_id: get(r, 8)?,
                reason: get(r, 9)?,
            })
        })
        .collect()
    }

    /// The entries not lifted (expired ones included; exporters keep the active ones at their `now`).
    fn deny_entries(&self) -> Result<Vec<DenyEntry>> {
        self.rows(
            "SELECT id, kind, value, expires_at, COALESCE(reason, ''), created_by, created_at, signal_id
             FROM blocks WHERE list = 'deny' AND lifted_at IS NULL ORDER BY id",
            &[],
        )?
        .iter()
        .map(|r| {
            let kind: String = get(r, 1)?;
            let value: String = get(r, 2)?;
            let value = value_of(&kind, &value)?;
            Ok(DenyEntry {
                id: get(r, 0)?,
                kind: value.kind(),
                value,
                expires_at: get::<Option<i64>>(r, 3)?.map(from_ms).transpose()?,
                reason: get(r, 4)?,
                created_by: get(r, 5)?,
                created_at: from_ms(get(r, 6)?)?,
                signal_id: get(r, 7)?,
            })
        })
        .collect()
    }

    // ---- allowlist ----

    fn allow_insert(
        &self,
        kind: &str,
        value: &str,
        note: &str,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<i64> {
        let id: Option<i64> = self
            .opt(
                "INSERT INTO allowlist (kind, value, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (value) DO NOTHING RETURNING id",
                &[&kind, &value, &note, &by, &ms(now)],
            )?
            .map(|r| get(&r, 0))
            .transpose()?;
        id.ok_or_else(|| Error::Conflict(format!("{value} is already allowlisted")))
    }

    fn allow_list(&self) -> Result<Vec<AllowEntry>> {
        self.rows(
            "SELECT id, kind, value, note, created_by, created_at FROM allowlist ORDER BY id",
            &[],
        )?
        .iter()
        .map(|r| {
            let kind: String = get(r, 1)?;
            let value: String = get(r, 2)?;
            Ok(AllowEntry {
                id: get(r, 0)?,
                value: value_of(&kind, &value)?,
                note: get(r, 3)?,
                created_by: get(r, 4)?,
                created_at: from_ms(get(r, 5)?)?,
            })
        })
        .collect()
    }

    fn allow_delete(&self, id: i64) -> Result<()> {
        self.exec("DELETE FROM allowlist WHERE id = $1", &[&id])?;
        Ok(())
    }

    // ---- autoblock rules and runs ----

    fn autoblock_rule_insert(
        &self,
        r: &AutoblockRule,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<()> {
        let n = self.exec(
            "INSERT INTO autoblock_rules (name, query, what, duration_s, escalate, cap_s, simulate, enabled, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (name) DO NOTHING",
            &[
                &r.name,
                &r.query,
                &r.what.as_str(),
                &secs(r.duration),
                &i64::from(r.escalate),
                &secs(r.cap),
                &i64::from(r.simulate),
                &i64::from(r.enabled),
                &by,
                &ms(now),
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

    fn autoblock_rules(&self) -> Result<Vec<AutoblockRule>> {
        self.rows(
            "SELECT name, query, what, duration_s, escalate, cap_s, simulate, enabled
             FROM autoblock_rules ORDER BY name COLLATE \"C\"",
            &[],
        )?
        .iter()
        .map(|r| {
            let name: String = get(r, 0)?;
            let what: String = get(r, 2)?;
            Ok(AutoblockRule {
                what: BlockWhat::parse(&what)
                    .map_err(|_| Error::Store(format!("rule {name}: unknown target {what:?}")))?,
                query: get(r, 1)?,
                duration: get::<Option<i64>>(r, 3)?.map(Duration::seconds),
                escalate: flag(r, 4)?,
                cap: get::<Option<i64>>(r, 5)?.map(Duration::seconds),
                simulate: flag(r, 6)?,
                enabled: flag(r, 7)?,
                name,
            })
        })
        .collect()
    }

    /// Switch a rule's simulation mode or enabled flag; `None` leaves it as it is.
    fn autoblock_rule_set(
        &self,
        name: &str,
        simulate: Option<bool>,
        enabled: Option<bool>,
    ) -> Result<()> {
        let n = self.exec(
            "UPDATE autoblock_rules SET simulate = COALESCE($2::bigint, simulate),
               enabled = COALESCE($3::bigint, enabled)
             WHERE name = $1",
            &[&name, &simulate.map(i64::from), &enabled.map(i64::from)],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!("no autoblock rule named {name}")));
        }
        Ok(())
    }

    fn autoblock_rule_delete(&self, name: &str) -> Result<()> {
        let n = self.exec("DELETE FROM autoblock_rules WHERE name = $1", &[&name])?;
        if n == 0 {
            return Err(Error::NotFound(format!("no autoblock rule named {name}")));
        }
        Ok(())
    }

    fn autoblock_run_insert(&self, r: &RunRow) -> Result<()> {
        self.exec(
            "INSERT INTO autoblock_runs (rule, signal_id, kind, value, outcome, block_id, expires_at, time)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &r.rule,
                &r.signal_id,
                &r.value.kind().as_str(),
                &r.value.to_string(),
                &r.outcome,
                &r.block_id,
                &r.expires_at.as_ref().map(ms),
                &ms(&r.time),
            ],
        )?;
        Ok(())
    }

    /// Runs, oldest first; of one rule when `rule` is given.
    fn autoblock_runs(&self, rule: Option<&str>) -> Result<Vec<RunRow>> {
        self.rows(
            "SELECT rule, signal_id, kind, value, outcome, block_id, expires_at, time FROM autoblock_runs
             WHERE $1::text IS NULL OR rule = $1 ORDER BY id",
            &[&rule],
        )?
        .iter()
        .map(|r| {
            let kind: String = get(r, 2)?;
            let value: String = get(r, 3)?;
            Ok(RunRow {
                rule: get(r, 0)?,
                signal_id: get(r, 1)?,
                value: value_of(&kind, &value)?,
                outcome: get(r, 4)?,
                block_id: get(r, 5)?,
                expires_at: get::<Option<i64>>(r, 6)?.map(from_ms).transpose()?,
                time: from_ms(get(r, 7)?)?,
            })
        })
        .collect()
    }

    // ---- bouncers ----

    fn bouncer_insert(
        &self,
        name: &str,
        key_hash: &str,
        by: &str,
        now: &DateTime<Utc>,
    ) -> Result<()> {
        let n = self.exec(
            "INSERT INTO bouncers (name, key_sha256, created_by, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING",
            &[&name, &key_hash, &by, &ms(now)],
        )?;
        if n == 0 {
            return Err(Error::Conflict(format!(
                "a bouncer named {name} exists; remove it first"
            )));
        }
        Ok(())
    }

    /// The bouncer whose key hashes to `key_hash`.
    fn bouncer_by_key_hash(&self, key_hash: &str) -> Result<Option<Bouncer>> {
        self.opt(
            &format!("SELECT {BOUNCER_COLS} FROM bouncers WHERE key_sha256 = $1"),
            &[&key_hash],
        )?
        .as_ref()
        .map(to_bouncer)
        .transpose()
    }

    fn bouncer_list(&self) -> Result<Vec<Bouncer>> {
        self.rows(
            &format!("SELECT {BOUNCER_COLS} FROM bouncers ORDER BY name COLLATE \"C\""),
            &[],
        )?
        .iter()
        .map(to_bouncer)
        .collect()
    }

    fn bouncer_delete(&self, name: &str) -> Result<()> {
        let n = self.exec("DELETE FROM bouncers WHERE name = $1", &[&name])?;
        if n == 0 {
            return Err(Error::NotFound(format!("no bouncer named {name}")));
        }
        Ok(())
    }

    fn bouncer_set_cursor(&self, name: &str, c: &Cursor, now: &DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE bouncers SET cursor_seq = $2, cursor_at = $3, last_pull = $4 WHERE name = $1",
            &[&name, &c.seq, &ms(&c.at), &ms(now)],
        )?;
        Ok(())
    }
}
