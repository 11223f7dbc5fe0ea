//! Signal rows: the vendor JSON whole, plus the columns the explorer filters and sorts on. `row_seq`
//! stands in for SQLite's rowid: the change feed's "new rows" follow it.
use super::conn::{get, int, PgDb};
use crate::error::{Error, Result};
use crate::model::Signal;
use crate::store::{
    ChangeSet, ListFilter, RawPage, SignalCursor, SignalRows, StoredHead, Watermark,
};
use postgres::Row;

fn to_signal(r: &Row) -> Result<Signal> {
    let id: String = get(r, 0)?;
    let raw: String = get(r, 1)?;
    serde_json::from_str(&raw)
        .map_err(|e| Error::Store(format!("signal {id}: stored JSON unreadable: {e}")))
        .and_then(Signal::from_json)
}

impl SignalRows for PgDb {
    fn watermark(&self) -> Result<Watermark> {
        Ok(Watermark {
            row: self.one("SELECT COALESCE(MAX(row_seq), 0)::bigint FROM signals", &[])?,
            seq: self.one("SELECT COALESCE(MAX(seq), 0)::bigint FROM audit", &[])?,
            // The update log belongs to a remote's cache, which is always SQLite.
            updates: 0,
        })
    }

    fn changes_after(&self, mark: &Watermark) -> Result<ChangeSet> {
        let mut next = *mark;
        let mut added = Vec::new();
        for r in self.rows(
            "SELECT row_seq, id, raw FROM signals WHERE row_seq > $1 ORDER BY row_seq",
            &[&mark.row],
        )? {
            next.row = next.row.max(get(&r, 0)?);
            added.push((get(&r, 1)?, get(&r, 2)?));
        }
        let now = self.watermark()?;
        let mut changed = Vec::new();
        if now.seq > mark.seq {
            for r in self.rows(
                "SELECT DISTINCT signal_id FROM audit_signals WHERE seq > $1",
                &[&mark.seq],
            )? {
                changed.push(get(&r, 0)?);
            }
        }
        next.seq = now.seq;
        next.updates = mark.updates;
        Ok(ChangeSet {
            added,
            changed,
            mark: next,
        })
    }

    fn get_signal(&self, id: &str) -> Result<Option<Signal>> {
        self.opt("SELECT id, raw FROM signals WHERE id = $1", &[&id])?
            .as_ref()
            .map(to_signal)
            .transpose()
    }

    fn put_signal_text(&self, s: &Signal, raw: &str) -> Result<bool> {
        // `xmax = 0` holds for a row this statement inserted, not one it updated.
        let inserted: bool = self.one(
            "INSERT INTO signals (id, ts, first_seen, severity, state, service, env, title, rule_name, assignee, version, raw)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (id) DO UPDATE SET ts = excluded.ts, first_seen = excluded.first_seen,
               severity = excluded.severity, state = excluded.state, service = excluded.service,
               env = excluded.env, title = excluded.title, rule_name = excluded.rule_name,
               assignee = excluded.assignee, version = excluded.version, raw = excluded.raw
             RETURNING (xmax = 0)",
            &[
                &s.id,
                &s.timestamp.timestamp_millis(),
                &s.first_seen.timestamp_millis(),
                &i64::from(s.severity.rank()),
                &s.triage.state.as_str(),
                &s.service(),
                &s.env,
                &s.title,
                &s.rule.name,
                &s.triage.assignee.as_ref().map(|a| a.uuid.clone()),
                &s.version,
                &raw,
            ],
        )?;
        Ok(inserted)
    }

    fn stored_heads(&self, ids: &[&str]) -> Result<Vec<StoredHead>> {
        self.rows(
            "SELECT id, version, severity, raw FROM signals WHERE id = ANY($1::text[])",
            &[&ids],
        )?
        .iter()
        .map(|r| {
            Ok(StoredHead {
                id: get(r, 0)?,
                version: get(r, 1)?,
                severity: get(r, 2)?,
                raw: get(r, 3)?,
            })
        })
        .collect()
    }

    fn put_signals(&self, rows: &[(&Signal, &str)]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        // One statement, one round trip, per chunk: each column goes as an array and `unnest`
        // turns them back into rows, in order (so `row_seq` follows the file).
        let mut id = Vec::with_capacity(rows.len());
        let mut ts = Vec::with_capacity(rows.len());
        let mut first_seen = Vec::with_capacity(rows.len());
        let mut severity = Vec::with_capacity(rows.len());
        let mut state = Vec::with_capacity(rows.len());
        let mut service = Vec::with_capacity(rows.len());
        let mut env = Vec::with_capacity(rows.len());
        let mut title = Vec::with_capacity(rows.len());
        let mut rule_name = Vec::with_capacity(rows.len());
        let mut assignee = Vec::with_capacity(rows.len());
        let mut version = Vec::with_capacity(rows.len());
        let mut raw = Vec::with_capacity(rows.len());
        for (s, json) in rows {
            id.push(s.id.as_str());
            ts.push(s.timestamp.timestamp_millis());
            first_seen.push(s.first_seen.timestamp_millis());
            severity.push(i64::from(s.severity.rank()));
            state.push(s.triage.state.as_str());
            service.push(s.service());
            env.push(s.env.as_deref());
            title.push(s.title.as_str());
            rule_name.push(s.rule.name.as_str());
            assignee.push(s.triage.assignee.as_ref().map(|a| a.uuid.as_str()));
            version.push(s.version);
            raw.push(*json);
        }
        self.exec(
            "INSERT INTO signals (id, ts, first_seen, severity, state, service, env, title, rule_name, assignee, version, raw)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[],
               $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[])
             ON CONFLICT (id) DO UPDATE SET ts = excluded.ts, first_seen = excluded.first_seen,
               severity = excluded.severity, state = excluded.state, service = excluded.service,
               env = excluded.env, title = excluded.title, rule_name = excluded.rule_name,
               assignee = excluded.assignee, version = excluded.version, raw = excluded.raw",
            &[
                &id,
                &ts,
                &first_seen,
                &severity,
                &state,
                &service,
                &env,
                &title,
                &rule_name,
                &assignee,
                &version,
                &raw,
            ],
        )?;
        Ok(())
    }

    fn list_signals(&self, f: &ListFilter) -> Result<Vec<Signal>> {
        let order = if f.ascending { "ASC" } else { "DESC" };
        let from = f.from.map(|t| t.timestamp_millis()).unwrap_or(i64::MIN);
        let to = f.to.map(|t| t.timestamp_millis()).unwrap_or(i64::MAX);
        let limit = f.limit.map(int).transpose()?;
        self.rows(
            &format!(
                "SELECT id, raw FROM signals WHERE ts >= $1 AND ts <= $2
                 ORDER BY ts {order}, id {order} LIMIT $3"
            ),
            &[&from, &to, &limit],
        )?
        .iter()
        .map(to_signal)
        .collect()
    }

    fn count_signals(&self) -> Result<u64> {
        let n: i64 = self.one("SELECT COUNT(*) FROM signals", &[])?;
        Ok(super::conn::count(n))
    }

    fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> Result<()>) -> Result<()> {
        // Stream rather than collect: a million signals must not be held at once.
        self.each(
            "SELECT id, raw FROM signals ORDER BY ts DESC, id DESC",
            &[],
            &mut |r| f(to_signal(r)?).map(|()| true),
        )
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
            "SELECT id, raw FROM signals WHERE ts >= $1 AND ts <= $2
               AND ($3::bigint IS NULL OR ts {cmp} $3 OR (ts = $3 AND id {cmp} $4))
             ORDER BY ts {order}, id {order}"
        );
        let after_ts = after.map(|c| c.0);
        let after_id = after.map(|c| c.1.clone()).unwrap_or_default();
        self.each(&sql, &[&from, &to, &after_ts, &after_id], &mut |r| {
            f(to_signal(r)?)
        })
    }

    fn signal_page(&self, after: Option<&SignalCursor>, limit: usize) -> Result<RawPage> {
        let limit = int(limit)?;
        let rows = match after {
            None => self.rows(
                "SELECT id, raw, ts FROM signals ORDER BY ts DESC, id DESC LIMIT $1",
                &[&limit],
            )?,
            Some((ts, id)) => self.rows(
                "SELECT id, raw, ts FROM signals WHERE ts < $1 OR (ts = $1 AND id < $2)
                 ORDER BY ts DESC, id DESC LIMIT $3",
                &[ts, id, &limit],
            )?,
        };
        let mut out = Vec::with_capacity(rows.len());
        let mut next = None;
        for r in &rows {
            let id: String = get(r, 0)?;
            next = Some((get::<i64>(r, 2)?, id.clone()));
            out.push((id, get(r, 1)?));
        }
        Ok(RawPage { rows: out, next })
    }
}
