//! Workflow run records (the types in `workflow::runs`).
use crate::error::{Error, Result};
use crate::workflow::run::StepResult;
use crate::workflow::runs::{RunRecord, RunState};
use chrono::{DateTime, TimeZone, Utc};

fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{Map, Value};

pub fn save(conn: &Connection, r: &RunRecord) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO workflow_runs (id, workflow, signal_id, actor, state, started_at, finished_at, inputs, steps, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at,
           steps = excluded.steps, error = excluded.error",
    )?
    .execute(params![
        r.id,
        r.workflow,
        r.signal_id,
        r.actor,
        r.state.as_str(),
        r.started_at.timestamp_millis(),
        r.finished_at.map(|t| t.timestamp_millis()),
        serde_json::to_string(&r.inputs)?,
        serde_json::to_string(&r.steps)?,
        r.error,
    ])?;
    Ok(())
}

const COLUMNS: &str =
    "id, workflow, signal_id, actor, state, started_at, finished_at, inputs, steps, error";

fn row(r: &Row) -> rusqlite::Result<Result<RunRecord>> {
    let id: String = r.get(0)?;
    let state: String = r.get(4)?;
    let inputs: String = r.get(7)?;
    let steps: String = r.get(8)?;
    let parse = || -> Result<RunRecord> {
        let state = RunState::parse(&state)
            .ok_or_else(|| Error::Store(format!("workflow run {id}: unknown state {state:?}")))?;
        let inputs: Map<String, Value> = serde_json::from_str(&inputs)?;
        let steps_json: Vec<Value> = serde_json::from_str(&steps)?;
        let steps = steps_json
            .into_iter()
            .map(step_from_json)
            .collect::<Result<Vec<_>>>()?;
        Ok(RunRecord {
            id: id.clone(),
            workflow: r.get(1)?,
            signal_id: r.get(2)?,
            actor: r.get(3)?,
            state,
            started_at: time(r.get(5)?),
            finished_at: r.get::<_, Option<i64>>(6)?.map(time),
            inputs,
            steps,
            error: r.get(9)?,
        })
    };
    Ok(parse())
}

pub(crate) fn step_from_json(v: Value) -> Result<StepResult> {
    use crate::workflow::StepStatus;
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let status = match v.get("status").and_then(Value::as_str) {
        Some("succeeded") => StepStatus::Succeeded,
        Some("failed") => StepStatus::Failed,
        Some("timed_out") => StepStatus::TimedOut,
        Some("skipped") => StepStatus::Skipped,
        other => {
            return Err(Error::Store(format!(
                "workflow step: unknown status {other:?}"
            )))
        }
    };
    Ok(StepResult {
        name: s("name"),
        kind: s("kind"),
        status,
        summary: s("summary"),
        output: s("output"),
        duration_ms: v.get("duration_ms").and_then(Value::as_i64).unwrap_or(0),
    })
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<RunRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM workflow_runs WHERE id = ?1"
    ))?
    .query_row([id], row)
    .optional()?
    .transpose()
}

/// A signal's runs, oldest first.
pub fn for_signal(conn: &Connection, signal_id: &str) -> Result<Vec<RunRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM workflow_runs WHERE signal_id = ?1 ORDER BY started_at, id"
    ))?;
    let rows = stmt.query_map([signal_id], row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r??);
    }
    Ok(out)
}

impl crate::store::WorkflowRows for Connection {
    fn save_workflow_run(&self, r: &RunRecord) -> Result<()> {
        save(self, r)
    }
    fn get_workflow_run(&self, id: &str) -> Result<Option<RunRecord>> {
        get(self, id)
    }
    fn workflow_runs_for_signal(&self, signal_id: &str) -> Result<Vec<RunRecord>> {
        for_signal(self, signal_id)
    }
}
