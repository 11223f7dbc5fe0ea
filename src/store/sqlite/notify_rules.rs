//! Notification rule rows. Every function takes a connection so it runs inside the caller's
//! transaction (`SqliteStore::write`).
use crate::error::{Error, Result};
use crate::notify::NotificationRule;
use rusqlite::{params, Connection, OptionalExtension};

fn read(id: String, raw: String) -> Result<NotificationRule> {
    let attrs: serde_json::Value = serde_json::from_str(&raw).map_err(|e| {
        Error::Store(format!(
            "notification rule {id}: stored JSON unreadable: {e}"
        ))
    })?;
    NotificationRule::from_attributes(&id, &attrs)
}

pub fn list(conn: &Connection) -> Result<Vec<NotificationRule>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, raw FROM notification_rules ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, raw) = row?;
        out.push(read(id, raw)?);
    }
    Ok(out)
}

pub fn enabled(conn: &Connection) -> Result<Vec<NotificationRule>> {
    Ok(list(conn)?.into_iter().filter(|r| r.enabled).collect())
}

/// A rule by id, or by name when exactly one rule has it.
pub fn find(conn: &Connection, id_or_name: &str) -> Result<Option<NotificationRule>> {
    let by_id: Option<(String, String)> = conn
        .prepare_cached("SELECT id, raw FROM notification_rules WHERE id = ?1")?
        .query_row([id_or_name], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((id, raw)) = by_id {
        return read(id, raw).map(Some);
    }
    let mut named: Vec<NotificationRule> = list(conn)?
        .into_iter()
        .filter(|r| r.name == id_or_name)
        .collect();
    match named.len() {
        0 => Ok(None),
        1 => Ok(named.pop()),
        n => Err(Error::Usage(format!(
            "{n} notification rules are named {:?}; use the id",
            crate::sanitize::clean(id_or_name)
        ))),
    }
}

pub fn get(conn: &Connection, id_or_name: &str) -> Result<NotificationRule> {
    find(conn, id_or_name)?.ok_or_else(|| {
        Error::NotFound(format!(
            "no notification rule {:?}",
            crate::sanitize::clean(id_or_name)
        ))
    })
}

pub fn insert(conn: &Connection, r: &NotificationRule) -> Result<()> {
    r.validate()?;
    let raw = serde_json::to_string(&r.attributes_json())?;
    conn.execute(
        "INSERT INTO notification_rules (id, name, enabled, version, created_at, modified_at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            r.id,
            r.name,
            r.enabled,
            r.version,
            r.created_at.timestamp_millis(),
            r.modified_at.timestamp_millis(),
            raw
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::Conflict(format!("notification rule {} already exists", r.id))
        }
        other => other.into(),
    })?;
    Ok(())
}

/// Replace a rule if `expected_version` is still the stored one (the vendor's PATCH rule); the stored
/// version becomes `expected_version + 1`.
pub fn update(
    conn: &Connection,
    r: &NotificationRule,
    expected_version: i64,
) -> Result<NotificationRule> {
    let current = get(conn, &r.id)?;
    if current.version != expected_version {
        return Err(Error::Conflict(format!(
            "notification rule {} is at version {}, not {expected_version}; reload and retry",
            r.id, current.version
        )));
    }
    let mut next = r.clone();
    next.version = expected_version + 1;
    next.created_at = current.created_at;
    next.created_by = current.created_by;
    next.validate()?;
    let raw = serde_json::to_string(&next.attributes_json())?;
    conn.execute(
        "UPDATE notification_rules SET name = ?2, enabled = ?3, version = ?4, modified_at = ?5, raw = ?6
         WHERE id = ?1",
        params![
            next.id,
            next.name,
            next.enabled,
            next.version,
            next.modified_at.timestamp_millis(),
            raw
        ],
    )?;
    Ok(next)
}

/// Remove a rule; its past deliveries stay as the record of what was sent.
pub fn delete(conn: &Connection, id: &str) -> Result<()> {
    let n = conn.execute("DELETE FROM notification_rules WHERE id = ?1", [id])?;
    if n == 0 {
        return Err(Error::NotFound(format!(
            "no notification rule {:?}",
            crate::sanitize::clean(id)
        )));
    }
    Ok(())
}
