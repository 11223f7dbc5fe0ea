//! Case rows, their linked signals and comments.
use super::{from_ms, to_ms};
use crate::error::{Error, Result};
use crate::model::{Assignee, Case, CaseComment, CasePriority, CaseStatus};
use rusqlite::{params, Connection, OptionalExtension, Row};

type RawCase = (
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

const COLS: &str = "id, number, key, title, description, priority, status, assignee, created_by, created_at, modified_at";

fn raw(r: &Row) -> rusqlite::Result<RawCase> {
    r.try_into()
}

fn finish(conn: &Connection, r: RawCase) -> Result<Case> {
    let (id, number, key, title, description, priority, status, assignee, created_by, c, m) = r;
    let bad = |what: &str, v: &str| Error::Store(format!("case {key}: unknown {what} {v:?}"));
    let priority = CasePriority::parse(&priority).ok_or_else(|| bad("priority", &priority))?;
    let status = CaseStatus::parse(&status).ok_or_else(|| bad("status", &status))?;
    let assignee: Option<Assignee> = assignee
        .map(|a| serde_json::from_str(&a))
        .transpose()
        .map_err(|e| Error::Store(format!("case {key}: assignee unreadable: {e}")))?;
    let signal_ids = conn
        .prepare_cached(
            "SELECT signal_id FROM case_signals WHERE case_id = ?1 ORDER BY added_at, signal_id",
        )?
        .query_map([&id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let mut comments = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT author, time, text FROM case_comments WHERE case_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([&id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (author, time, text) = row?;
        comments.push(CaseComment {
            author,
            time: from_ms(time)?,
            text,
        });
    }
    Ok(Case {
        id,
        key,
        number,
        title,
        description,
        priority,
        status,
        assignee,
        created_by,
        created_at: from_ms(c)?,
        modified_at: from_ms(m)?,
        signal_ids,
        comments,
    })
}

pub fn next_number(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM cases", [], |r| {
            r.get(0)
        })?,
    )
}

/// Insert a new case with its signals and comments.
pub fn insert(conn: &Connection, c: &Case) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO cases ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ),
        params![
            c.id,
            c.number,
            c.key,
            c.title,
            c.description,
            c.priority.as_str(),
            c.status.as_str(),
            c.assignee.as_ref().map(serde_json::to_string).transpose()?,
            c.created_by,
            to_ms(&c.created_at),
            to_ms(&c.modified_at),
        ],
    )?;
    for id in &c.signal_ids {
        link_signal(conn, &c.id, id, &c.created_by, &c.created_at)?;
    }
    Ok(())
}

/// Update the case row's mutable columns (status, priority, assignee, title, description, modified_at).
pub fn update(conn: &Connection, c: &Case) -> Result<()> {
    conn.execute(
        "UPDATE cases SET title = ?2, description = ?3, priority = ?4, status = ?5, assignee = ?6,
         modified_at = ?7 WHERE id = ?1",
        params![
            c.id,
            c.title,
            c.description,
            c.priority.as_str(),
            c.status.as_str(),
            c.assignee.as_ref().map(serde_json::to_string).transpose()?,
            to_ms(&c.modified_at),
        ],
    )?;
    Ok(())
}

pub fn link_signal(
    conn: &Connection,
    case_id: &str,
    signal_id: &str,
    by: &str,
    at: &chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO case_signals (case_id, signal_id, added_at, added_by) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![case_id, signal_id, to_ms(at), by])?;
    Ok(())
}

pub fn add_comment(conn: &Connection, case_id: &str, c: &CaseComment) -> Result<()> {
    conn.execute(
        "INSERT INTO case_comments (case_id, author, time, text) VALUES (?1, ?2, ?3, ?4)",
        params![case_id, c.author, to_ms(&c.time), c.text],
    )?;
    Ok(())
}

/// A case by key (`SEC-12`, any case), number (`12`) or uuid.
pub fn get(conn: &Connection, key_or_id: &str) -> Result<Option<Case>> {
    let t = key_or_id.trim();
    let number: i64 = t.parse().unwrap_or(-1);
    let r = conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM cases WHERE key = ?1 COLLATE NOCASE OR id = ?1 OR number = ?2"
        ))?
        .query_row(params![t, number], raw)
        .optional()?;
    r.map(|r| finish(conn, r)).transpose()
}

/// Every case, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Case>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLS} FROM cases ORDER BY number DESC"))?;
    let rows = stmt
        .query_map([], raw)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|r| finish(conn, r)).collect()
}

/// The keys of the cases a signal belongs to.
pub fn keys_for_signal(conn: &Connection, signal_id: &str) -> Result<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT c.key FROM cases c JOIN case_signals s ON s.case_id = c.id WHERE s.signal_id = ?1 ORDER BY c.number",
        )?
        .query_map([signal_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?)
}

impl crate::store::CaseRows for Connection {
    fn next_case_number(&self) -> Result<i64> {
        next_number(self)
    }
    fn insert_case(&self, c: &Case) -> Result<()> {
        insert(self, c)
    }
    fn update_case(&self, c: &Case) -> Result<()> {
        update(self, c)
    }
    fn link_case_signal(
        &self,
        case_id: &str,
        signal_id: &str,
        by: &str,
        at: &chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        link_signal(self, case_id, signal_id, by, at)
    }
    fn add_case_comment(&self, case_id: &str, c: &CaseComment) -> Result<()> {
        add_comment(self, case_id, c)
    }
    fn get_case(&self, key_or_id: &str) -> Result<Option<Case>> {
        get(self, key_or_id)
    }
    fn list_cases(&self) -> Result<Vec<Case>> {
        list(self)
    }
    fn case_keys_for_signal(&self, signal_id: &str) -> Result<Vec<String>> {
        keys_for_signal(self, signal_id)
    }
}
