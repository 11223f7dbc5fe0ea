//! The audit log: appended inside the transaction that made the change, never updated (a trigger
//! refuses).
use super::conn::{get, int, Param, PgDb};
use crate::error::{Error, Result};
use crate::model::{AuditEvent, AuditFilter};
use crate::store::AuditRows;
use postgres::Row;

const COLS: &str =
    "a.seq, a.time, a.actor, a.action, a.target_type, a.target_id, a.before, a.after";

fn event(db: &PgDb, r: &Row) -> Result<AuditEvent> {
    let seq: i64 = get(r, 0)?;
    let json = |s: String| {
        serde_json::from_str(&s)
            .map_err(|e| Error::Store(format!("audit event {seq}: unreadable JSON: {e}")))
    };
    let signal_ids = db
        .rows(
            "SELECT signal_id FROM audit_signals WHERE seq = $1 ORDER BY signal_id",
            &[&seq],
        )?
        .iter()
        .map(|r| get(r, 0))
        .collect::<Result<Vec<String>>>()?;
    Ok(AuditEvent {
        seq,
        time: super::from_ms(get(r, 1)?)?,
        actor: get(r, 2)?,
        action: get(r, 3)?,
        target_type: get(r, 4)?,
        target_id: get(r, 5)?,
        signal_ids,
        before: json(get(r, 6)?)?,
        after: json(get(r, 7)?)?,
    })
}

fn collect(db: &PgDb, sql: &str, params: &[Param]) -> Result<Vec<AuditEvent>> {
    db.rows(sql, params)?.iter().map(|r| event(db, r)).collect()
}

impl AuditRows for PgDb {
    fn append_audit(&self, e: &AuditEvent) -> Result<i64> {
        let seq: i64 = self.one(
            "INSERT INTO audit (time, actor, action, target_type, target_id, before, after)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
            &[
                &e.time.timestamp_millis(),
                &e.actor,
                &e.action,
                &e.target_type,
                &e.target_id,
                &serde_json::to_string(&e.before)?,
                &serde_json::to_string(&e.after)?,
            ],
        )?;
        if !e.signal_ids.is_empty() {
            let ids: Vec<&str> = e.signal_ids.iter().map(String::as_str).collect();
            self.add_audit_signals(seq, &ids)?;
        }
        Ok(seq)
    }

    fn add_audit_signals(&self, seq: i64, ids: &[&str]) -> Result<()> {
        // One round trip for the lot; a repeated id is indexed once.
        self.exec(
            "INSERT INTO audit_signals (signal_id, seq)
             SELECT id, $2 FROM unnest($1::text[]) AS t(id) ON CONFLICT DO NOTHING",
            &[&ids, &seq],
        )?;
        Ok(())
    }

    fn audit_for_signal(&self, signal_id: &str) -> Result<Vec<AuditEvent>> {
        collect(
            self,
            &format!(
                "SELECT {COLS} FROM audit a JOIN audit_signals s ON s.seq = a.seq
                 WHERE s.signal_id = $1 ORDER BY a.seq"
            ),
            &[&signal_id],
        )
    }

    fn latest_audit_for_signal(
        &self,
        signal_id: &str,
        actions: &[&str],
    ) -> Result<Option<AuditEvent>> {
        let wanted: Vec<String> = actions.iter().map(|a| a.to_string()).collect();
        self.opt(
            &format!(
                "SELECT {COLS} FROM audit a JOIN audit_signals s ON s.seq = a.seq
                 WHERE s.signal_id = $1 AND (cardinality($2::text[]) = 0 OR a.action = ANY($2))
                 ORDER BY a.seq DESC LIMIT 1"
            ),
            &[&signal_id, &wanted],
        )?
        .map(|r| event(self, &r))
        .transpose()
    }

    fn audit_since(&self, seq: i64, limit: usize) -> Result<Vec<AuditEvent>> {
        collect(
            self,
            &format!("SELECT {COLS} FROM audit a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2"),
            &[&seq, &int(limit)?],
        )
    }

    fn audit_for_target(&self, target_type: &str, target_id: &str) -> Result<Vec<AuditEvent>> {
        collect(
            self,
            &format!(
                "SELECT {COLS} FROM audit a WHERE a.target_type = $1 AND a.target_id = $2 ORDER BY a.seq"
            ),
            &[&target_type, &target_id],
        )
    }

    fn audit_list(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let limit = f.limit.map(int).transpose()?;
        let since = f.since.as_ref().map(|t| t.timestamp_millis());
        let mut out = collect(
            self,
            &format!(
                "SELECT {COLS} FROM audit a
                 WHERE ($1::text IS NULL OR lower(a.actor) = lower($1))
                   AND ($2::text IS NULL OR a.target_type = $2)
                   AND ($3::bigint IS NULL OR a.time >= $3)
                 ORDER BY a.seq DESC LIMIT $4"
            ),
            &[&f.actor, &f.target_type, &since, &limit],
        )?;
        out.reverse();
        Ok(out)
    }

    fn latest_seq(&self) -> Result<i64> {
        self.one("SELECT COALESCE(MAX(seq), 0)::bigint FROM audit", &[])
    }
}
