//! Workflow run records.
use super::conn::{get, PgDb};
use crate::error::{Error, Result};
use crate::store::sqlite::workflow_runs::step_from_json;
use crate::workflow::runs::{RunRecord, RunState};
use postgres::Row;
use serde_json::{Map, Value};

const COLUMNS: &str =
    "id, workflow, signal_id, actor, state, started_at, finished_at, inputs, steps, error";

fn run(r: &Row) -> Result<RunRecord> {
    let id: String = get(r, 0)?;
    let state: String = get(r, 4)?;
    let state = RunState::parse(&state)
        .ok_or_else(|| Error::Store(format!("workflow run {id}: unknown state {state:?}")))?;
    let inputs: String = get(r, 7)?;
    let steps: String = get(r, 8)?;
    let inputs: Map<String, Value> = serde_json::from_str(&inputs)?;
    let steps = serde_json::from_str::<Vec<Value>>(&steps)?
        .into_iter()
        .map(step_from_json)
        .collect::<Result<Vec<_>>>()?;
    Ok(RunRecord {
        id,
        workflow: get(r, 1)?,
        signal_id: get(r, 2)?,
        actor: get(r, 3)?,
        state,
        started_at: super::from_ms(get(r, 5)?)?,
        finished_at: get::<Option<i64>>(r, 6)?.map(super::from_ms).transpose()?,
        inputs,
        steps,
        error: get(r, 9)?,
    })
}

impl crate::store::WorkflowRows for PgDb {
    fn save_workflow_run(&self, r: &RunRecord) -> Result<()> {
        self.exec(
            "INSERT INTO workflow_runs (id, workflow, signal_id, actor, state, started_at, finished_at, inputs, steps, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at,
               steps = excluded.steps, error = excluded.error",
            &[
                &r.id,
                &r.workflow,
                &r.signal_id,
                &r.actor,
                &r.state.as_str(),
                &r.started_at.timestamp_millis(),
                &r.finished_at.map(|t| t.timestamp_millis()),
                &serde_json::to_string(&r.inputs)?,
                &serde_json::to_string(&r.steps)?,
                &r.error,
            ],
        )?;
        Ok(())
    }

    fn get_workflow_run(&self, id: &str) -> Result<Option<RunRecord>> {
        self.opt(
            &format!("SELECT {COLUMNS} FROM workflow_runs WHERE id = $1"),
            &[&id],
        )?
        .as_ref()
        .map(run)
        .transpose()
    }

    fn workflow_runs_for_signal(&self, signal_id: &str) -> Result<Vec<RunRecord>> {
        self.rows(
            &format!(
                "SELECT {COLUMNS} FROM workflow_runs WHERE signal_id = $1 ORDER BY started_at, id"
            ),
            &[&signal_id],
        )?
        .iter()
        .map(run)
        .collect()
    }
}
