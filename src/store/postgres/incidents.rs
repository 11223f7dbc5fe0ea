//! Incident rows and their linked signals.
use super::conn::{get, PgDb};
use super::from_ms;
use crate::error::{Error, Result};
use crate::model::{Assignee, Incident, IncidentSeverity, IncidentState};
use chrono::{DateTime, Utc};
use postgres::Row;

const COLS: &str = "id, public_id, title, severity, state, commander, customer_impacted, created_by, created_at, modified_at";

fn incident(db: &PgDb, r: &Row) -> Result<Incident> {
    let id: String = get(r, 0)?;
    let public_id: i64 = get(r, 1)?;
    let bad = |what: &str, v: &str| {
        Error::Store(format!("incident IR-{public_id}: unknown {what} {v:?}"))
    };
    let severity: String = get(r, 3)?;
    let severity = IncidentSeverity::parse(&severity).ok_or_else(|| bad("severity", &severity))?;
    let state: String = get(r, 4)?;
    let state = IncidentState::parse(&state).ok_or_else(|| bad("state", &state))?;
    let commander: Option<Assignee> = get::<Option<String>>(r, 5)?
        .map(|a| serde_json::from_str(&a))
        .transpose()
        .map_err(|e| {
            Error::Store(format!(
                "incident IR-{public_id}: commander unreadable: {e}"
            ))
        })?;
    let signal_ids = db
        .rows(
            "SELECT signal_id FROM incident_signals WHERE incident_id = $1 ORDER BY added_at, signal_id",
            &[&id],
        )?
        .iter()
        .map(|r| get(r, 0))
        .collect::<Result<Vec<String>>>()?;
    Ok(Incident {
        id,
        public_id,
        title: get(r, 2)?,
        severity,
        state,
        commander,
        customer_impacted: get::<i64>(r, 6)? != 0,
        created_by: get(r, 7)?,
        created_at: from_ms(get(r, 8)?)?,
        modified_at: from_ms(get(r, 9)?)?,
        signal_ids,
    })
}

impl crate::store::IncidentRows for PgDb {
    fn next_incident_id(&self) -> Result<i64> {
        self.one(
            "SELECT (COALESCE(MAX(public_id), 0) + 1)::bigint FROM incidents",
            &[],
        )
    }

    fn insert_incident(&self, i: &Incident) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO incidents ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ),
            &[
                &i.id,
                &i.public_id,
                &i.title,
                &i.severity.as_str(),
                &i.state.as_str(),
                &i.commander
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                &i64::from(i.customer_impacted),
                &i.created_by,
                &i.created_at.timestamp_millis(),
                &i.modified_at.timestamp_millis(),
            ],
        )?;
        for s in &i.signal_ids {
            self.link_incident_signal(&i.id, s, &i.created_by, &i.created_at)?;
        }
        Ok(())
    }

    fn update_incident(&self, i: &Incident) -> Result<()> {
        self.exec(
            "UPDATE incidents SET title = $2, severity = $3, state = $4, commander = $5,
             customer_impacted = $6, modified_at = $7 WHERE id = $1",
            &[
                &i.id,
                &i.title,
                &i.severity.as_str(),
                &i.state.as_str(),
                &i.commander
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                &i64::from(i.customer_impacted),
                &i.modified_at.timestamp_millis(),
            ],
        )?;
        Ok(())
    }

    fn link_incident_signal(
        &self,
        incident_id: &str,
        signal_id: &str,
        by: &str,
        at: &DateTime<Utc>,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO incident_signals (incident_id, signal_id, added_at, added_by)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&incident_id, &signal_id, &at.timestamp_millis(), &by],
        )?;
        Ok(())
    }

    fn unlink_incident_signal(&self, incident_id: &str, signal_id: &str) -> Result<()> {
        self.exec(
            "DELETE FROM incident_signals WHERE incident_id = $1 AND signal_id = $2",
            &[&incident_id, &signal_id],
        )?;
        Ok(())
    }

    fn get_incident(&self, id: &str) -> Result<Option<Incident>> {
        let public = Incident::parse_public_id(id).unwrap_or(-1);
        self.opt(
            &format!("SELECT {COLS} FROM incidents WHERE public_id = $1 OR id = $2"),
            &[&public, &id.trim()],
        )?
        .map(|r| incident(self, &r))
        .transpose()
    }

    fn list_incidents(&self) -> Result<Vec<Incident>> {
        self.rows(
            &format!("SELECT {COLS} FROM incidents ORDER BY public_id DESC"),
            &[],
        )?
        .iter()
        .map(|r| incident(self, r))
        .collect()
    }
}
