//! Workflow run rows: written when a run starts, after each step, and when it ends, so a watcher
//! (the explorer's dialog, another process) sees its progress.
use super::run::StepResult;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    Succeeded,
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<RunState> {
        match s {
            "running" => Some(RunState::Running),
            "succeeded" => Some(RunState::Succeeded),
            "failed" => Some(RunState::Failed),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunRecord {
    pub id: String,
    pub workflow: String,
    pub signal_id: String,
    /// The acting user's handle.
    pub actor: String,
    pub state: RunState,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub inputs: Map<String, Value>,
    pub steps: Vec<StepResult>,
    pub error: Option<String>,
}

impl RunRecord {
    pub fn duration_ms(&self) -> Option<i64> {
        self.finished_at
            .map(|f| (f - self.started_at).num_milliseconds())
    }

    /// The run as JSON (what `--format json` prints and the timeline's audit event carries).
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "workflow": self.workflow,
            "signal_id": self.signal_id,
            "actor": self.actor,
            "state": self.state.as_str(),
            "started_at": crate::model::json::fmt_time(&self.started_at),
            "finished_at": self.finished_at.as_ref().map(crate::model::json::fmt_time),
            "duration_ms": self.duration_ms(),
            "inputs": self.inputs,
            "steps": self.steps,
            "error": self.error,
        })
    }
}
