//! Case rows, their linked signals and comments.
use super::conn::{get, PgDb};
use super::from_ms;
use crate::error::{Error, Result};
use crate::model::{Assignee, Case, CaseComment, CasePriority, CaseStatus};
use chrono::{DateTime, Utc};
use postgres::Row;

const COLS: &str = "id, number, key, title, description, priority, status, assignee, created_by, created_at, modified_at";

fn case(db: &PgDb, r: &Row) -> Result<Case> {
    let id: String = get(r, 0)?;
    let key: String = get(r, 2)?;
    let bad = |what: &str, v: &str| Error::Store(format!("case {key}: unknown {what} {v:?}"));
    let priority: String = get(r, 5)?;
    let priority = CasePriority::parse(&priority).ok_or_else(|| bad("priority", &priority))?;
    let status: String = get(r, 6)?;
    let status = CaseStatus::parse(&status).ok_or_else(|| bad("status", &status))?;
    let assignee: Option<Assignee> = get::<Option<String>>(r, 7)?
        .map(|a| serde_json::from_str(&a))
        .transpose()
        .map_err(|e| Error::Store(format!("case {key}: assignee unreadable: {e}")))?;
    let signal_ids = db
        .rows(
            "SELECT signal_id FROM case_signals WHERE case_id = $1 ORDER BY added_at, signal_id",
            &[&id],
        )?
        .iter()
        .map(|r| get(r, 0))
        .collect::<Result<Vec<String>>>()?;
    let comments = db
        .rows(
            "SELECT author, time, text FROM case_comments WHERE case_id = $1 ORDER BY id",
            &[&id],
        )?
        .iter()
        .map(|r| {
            Ok(CaseComment {
                author: get(r, 0)?,
                time: from_ms(get(r, 1)?)?,
                text: get(r, 2)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Case {
        id,
        number: get(r, 1)?,
        title: get(r, 3)?,
        description: get(r, 4)?,
        priority,
        status,
        assignee,
        created_by: get(r, 8)?,
        created_at: from_ms(get(r, 9)?)?,
        modified_at: from_ms(get(r, 10)?)?,
        signal_ids,
        comments,
        key,
    })
}

impl crate::store::CaseRows for PgDb {
    fn next_case_number(&self) -> Result<i64> {
        self.one(
            "SELECT (COALESCE(MAX(number), 0) + 1)::bigint FROM cases",
            &[],
        )
    }

    fn insert_case(&self, c: &Case) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO cases ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ),
            &[
                &c.id,
                &c.number,
                &c.key,
                &c.title,
                &c.description,
                &c.priority.as_str(),
                &c.status.as_str(),
                &c.assignee.as_ref().map(serde_json::to_string).transpose()?,
                &c.created_by,
                &c.created_at.timestamp_millis(),
                &c.modified_at.timestamp_millis(),
            ],
        )?;
        for id in &c.signal_ids {
            self.link_case_signal(&c.id, id, &c.created_by, &c.created_at)?;
        }
        Ok(())
    }

    fn update_case(&self, c: &Case) -> Result<()> {
        self.exec(
            "UPDATE cases SET title = $2, description = $3, priority = $4, status = $5, assignee = $6,
             modified_at = $7 WHERE id = $1",
            &[
                &c.id,
                &c.title,
                &c.description,
                &c.priority.as_str(),
                &c.status.as_str(),
                &c.assignee.as_ref().map(serde_json::to_string).transpose()?,
                &c.modified_at.timestamp_millis(),
            ],
        )?;
        Ok(())
    }

    fn link_case_signal(
        &self,
        case_id: &str,
        signal_id: &str,
        by: &str,
        at: &DateTime<Utc>,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO case_signals (case_id, signal_id, added_at, added_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[&case_id, &signal_id, &at.timestamp_millis(), &by],
        )?;
        Ok(())
    }

    fn add_case_comment(&self, case_id: &str, c: &CaseComment) -> Result<()> {
        self.exec(
            "INSERT INTO case_comments (case_id, author, time, text) VALUES ($1, $2, $3, $4)",
            &[&case_id, &c.author, &c.time.timestamp_millis(), &c.text],
        )?;
        Ok(())
    }

    fn get_case(&self, key_or_id: &str) -> Result<Option<Case>> {
        let t = key_or_id.trim();
        let number: i64 = t.parse().unwrap_or(-1);
        self.opt(
            &format!(
                "SELECT {COLS} FROM cases WHERE lower(key) = lower($1) OR id = $1 OR number = $2"
            ),
            &[&t, &number],
        )?
        .map(|r| case(self, &r))
        .transpose()
    }

    fn list_cases(&self) -> Result<Vec<Case>> {
        self.rows(
            &format!("SELECT {COLS} FROM cases ORDER BY number DESC"),
            &[],
        )?
        .iter()
        .map(|r| case(self, r))
        .collect()
    }

    fn case_keys_for_signal(&self, signal_id: &str) -> Result<Vec<String>> {
        self.rows(
            "SELECT c.key FROM cases c JOIN case_signals s ON s.case_id = c.id
             WHERE s.signal_id = $1 ORDER BY c.number",
            &[&signal_id],
        )?
        .iter()
        .map(|r| get(r, 0))
        .collect()
    }
}
