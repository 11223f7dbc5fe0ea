//! Workflow runs as engine commands: a run's row is saved as it goes (by the user who started it,
//! who must hold `workflows_run`), and the finished run is audited on the signal's timeline in the
//! same transaction as its last save.
use super::{Engine, Tx};
use crate::error::Result;
use crate::model::{Permission, User};
use crate::workflow::runs::RunRecord;
use serde_json::Value;

impl Engine {
    /// Save a run's progress (its start, a finished step).
    pub fn save_workflow_run(&mut self, actor: &User, rec: &RunRecord) -> Result<()> {
        super::rbac::require(actor, Permission::WorkflowsRun)?;
        self.write_rows(|db| db.save_workflow_run(rec))
    }

    /// Save a finished run and put it on the signal's timeline.
    pub fn finish_workflow_run(&mut self, actor: &User, rec: &RunRecord) -> Result<i64> {
        super::rbac::require(actor, Permission::WorkflowsRun)?;
        let now = rec.finished_at.unwrap_or_else(|| self.now());
        self.write_rows(|db| {
            db.save_workflow_run(rec)?;
            let mut tx = Tx {
                db,
                actor,
                now,
                notify: None,
                out: Default::default(),
            };
            tx.audit(
                crate::model::audit::actions::WORKFLOW_RUN,
                "workflow",
                &rec.workflow,
                vec![rec.signal_id.clone()],
                Value::Null,
                rec.to_json(),
            )
        })
    }
}
