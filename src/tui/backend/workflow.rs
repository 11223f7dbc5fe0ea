//! What the explorer shows of workflows: the runnable ones with their form's inputs, a run's steps
//! and outcome, and why a run was refused. Apart from `backend.rs` to keep that facade's file to
//! the calls themselves and their common rows.

/// A workflow the analyst can run, with the inputs its form is generated from.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowInfo {
    pub name: String,
    pub description: String,
    pub inputs: Vec<WorkflowInput>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowInput {
    pub name: String,
    pub kind: crate::workflow::InputKind,
    pub description: String,
    pub required: bool,
    /// The default as text, the way the analyst would type it.
    pub default: Option<String>,
    pub choices: Vec<String>,
}

/// One finished step of a running workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowStep {
    pub name: String,
    pub status: crate::workflow::StepStatus,
    pub summary: String,
}

/// How a workflow run ended, as the run's state says (never read from its wording), with the
/// run's one-line summary (`workflow notify-owner failed in 9 ms: step page`).
#[derive(Clone, Debug, PartialEq)]
pub enum WorkflowOutcome {
    Succeeded { summary: String },
    Failed { summary: String },
}

impl WorkflowOutcome {
    pub fn summary(&self) -> &str {
        match self {
            WorkflowOutcome::Succeeded { summary } | WorkflowOutcome::Failed { summary } => summary,
        }
    }
}

/// Why a workflow did not start: problems with named inputs, and the whole message.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowRefusal {
    pub message: String,
    /// (input name, problem), for the form to show under each field.
    pub inputs: Vec<(String, String)>,
}
