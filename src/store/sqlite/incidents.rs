//! Incident rows and their linked signals.
use super::{from_ms, to_ms};
use crate::error::{Error, Result};
use crate::model::{Assignee, Incident, IncidentSeverity, IncidentState};
use rusqlite::{params, Connection, OptionalExtension, Row};

type RawIncident = (
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    bool,
    String,
    i64,
    i64,
);

const COLS: &str = "id, public_id, title, severity, state, commander, customer_impacted, created_by, created_at, modified_at";

fn raw(r: &Row) -> rusqlite::Result<RawIncident> {
    r.try_into()
}

fn finish(conn: &Connection, r: RawIncident) -> Result<Incident> {
    let (id, public_id, title, severity, state, commander, customer_impacted, created_by, c, m) = r;
    let bad = |what: &str, v: &str| {
        Error::Store(format!("incident IR-{public_id}: unknown {what} {v:?}"))
    };
    let severity = IncidentSeverity::parse(&severity).ok_or_else(|| bad("severity", &severity))?;
    let state = IncidentState::parse(&state).ok_or_else(|| bad("state", &state))?;
    let commander: Option<Assignee> = commander
        .map(|a| serde_json::from_str(&a))
        .transpose()
        .map_err(|e| {
            Error::Store(format!(
                "incident IR-{public_id}: commander unreadable: {e}"
            ))
        })?;
    let signal_ids = conn
        .prepare_cached(
            "SELECT signal_id FROM incident_signals WHERE incident_id = ?1 ORDER BY added_at, signal_id",
        )?
        .query_map([&id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Incident {
        id,
        public_id,
        title,
        severity,
        state,
        commander,
        customer_impacted,
        created_by,
        created_at: from_ms(c)?,
        modified_at: from_ms(m)?,
        signal_ids,
    })
}

pub fn next_public_id(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(public_id), 0) + 1 FROM incidents",
        [],
        |r| r.get(0),
    )?)
}

pub fn insert(conn: &Connection, i: &Incident) -> Result<()> {
    conn.execute(
        &format!("INSERT INTO incidents ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        params![
            i.id,
            i.public_id,
            i.title,
            i.severity.as_str(),
            i.state.as_str(),
            i.commander
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
            i.customer_impacted,
            i.created_by,
            to_ms(&i.created_at),
            to_ms(&i.modified_at),
        ],
    )?;
    for s in &i.signal_ids {
        link_signal(conn, &i.id, s, &i.created_by, &i.created_at)?;
    }
    Ok(())
}

pub fn update(conn: &Connection, i: &Incident) -> Result<()> {
    conn.execute(
        "UPDATE incidents SET title = ?2, severity = ?3, state = ?4, commander = ?5, customer_impacted = ?6,
         modified_at = ?7 WHERE id = ?1",
        params![
            i.id,
            i.title,
            i.severity.as_str(),
            i.state.as_str(),
            i.commander.as_ref().map(serde_json::to_string).transpose()?,
            i.customer_impacted,
            to_ms(&i.modified_at),
        ],
    )?;
    Ok(())
}

pub fn link_signal(
    conn: &Connection,
    incident_id: &str,
    signal_id: &str,
    by: &str,
    at: &chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO incident_signals (incident_id, signal_id, added_at, added_by) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![incident_id, signal_id, to_ms(at), by])?;
    Ok(())
}

pub fn unlink_signal(conn: &Connection, incident_id: &str, signal_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM incident_signals WHERE incident_id = ?1 AND signal_id = ?2")?
        .execute(params![incident_id, signal_id])?;
    Ok(())
}

/// An incident by public id (`IR-7`, `7`) or uuid.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Incident>> {
    let public = Incident::parse_public_id(id).unwrap_or(-1);
    let r = conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM incidents WHERE public_id = ?1 OR id = ?2"
        ))?
        .query_row(params![public, id.trim()], raw)
        .optional()?;
    r.map(|r| finish(conn, r)).transpose()
}

/// Every incident, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Incident>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM incidents ORDER BY public_id DESC"
    ))?;
    let rows = stmt
        .query_map([], raw)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|r| finish(conn, r)).collect()
}

impl crate::store::IncidentRows for Connection {
    fn next_incident_id(&self) -> Result<i64> {
        next_public_id(self)
    }
    fn insert_incident(&self, i: &Incident) -> Result<()> {
        insert(self, i)
    }
    fn update_incident(&self, i: &Incident) -> Result<()> {
        update(self, i)
    }
    fn link_incident_signal(
        &self,
        incident_id: &str,
        signal_id: &str,
        by: &str,
        at: &chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        link_signal(self, incident_id, signal_id, by, at)
    }
    fn unlink_incident_signal(&self, incident_id: &str, signal_id: &str) -> Result<()> {
        unlink_signal(self, incident_id, signal_id)
    }
    fn get_incident(&self, id: &str) -> Result<Option<Incident>> {
        get(self, id)
    }
    fn list_incidents(&self) -> Result<Vec<Incident>> {
        list(self)
    }
}
